package supervisor

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pewstats/collector/supervisor/internal/backoff"
	"github.com/pewstats/collector/supervisor/internal/clock"
	"github.com/pewstats/collector/supervisor/internal/outage"
)

// dbWatch is the supervisor's view of the database, which it reaches only
// through a child's ping (the parent holds no database connection). It
// refreshes the view every 10 s for /readyz and, when told to, pauses
// consumption and probes with backoff until the database answers again.
// One goroutine (run) does all of it.
type dbWatch struct {
	ping    func(context.Context) error
	pause   func() // stop consuming
	resume  func() // consume again
	resumed func() // reset the consecutive-failure count
	log     *slog.Logger
	clock   clock.Clock
	probe   backoff.Policy

	pauseReq chan int // consecutive transient failures that asked for a pause
	paused   atomic.Bool
	// outage is what the last check found (reachable while Ok).
	outage outage.Tracker
}

// setReachable records what the last check found.
func (w *dbWatch) setReachable(up bool) { w.outage.Set(up, w.clock.Now()) }

// unreachable is how long the database has been unreachable (0 while it
// answers).
func (w *dbWatch) unreachable() time.Duration { return w.outage.For(w.clock.Now()) }

// requestPause asks run to pause and probe; it never blocks.
func (w *dbWatch) requestPause(failures int) {
	select {
	case w.pauseReq <- failures:
	default: // a request is pending already
	}
}

// run watches until ctx ends.
func (w *dbWatch) run(ctx context.Context) error {
	tick, stop := w.clock.Ticker(10 * time.Second)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			w.setReachable(w.check(ctx) == nil)
		case n := <-w.pauseReq:
			w.pauseAndProbe(ctx, n)
		}
	}
}

func (w *dbWatch) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return w.ping(ctx)
}

// pauseAndProbe stops consumption and probes the database until it
// answers (then resumes) or ctx ends.
func (w *dbWatch) pauseAndProbe(ctx context.Context, failures int) {
	w.setReachable(false)
	w.paused.Store(true)
	w.pause()
	w.log.Error("pausing consumption after consecutive transient failures; probing the database", "failures", failures)
	for n := 1; ; n++ {
		select {
		case <-w.clock.After(w.probe.Delay(n)):
		case <-ctx.Done():
			return // shutting down: nothing left to resume
		}
		err := w.check(ctx)
		if err == nil {
			w.resumed()
			w.setReachable(true)
			w.paused.Store(false)
			w.resume()
			w.log.Info("database reachable again; consumption resumed")
			return
		}
		w.log.Warn("database still unreachable", "error", err.Error(), "next_probe", w.probe.Delay(n+1).String())
	}
}
