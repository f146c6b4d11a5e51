package supervisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/run"

	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/internal/backoff"
	"github.com/pewstats/collector/supervisor/internal/clock"
	"github.com/pewstats/collector/supervisor/internal/defaults"
	"github.com/pewstats/collector/supervisor/metrics"
	"github.com/pewstats/collector/supervisor/pool"
)

// Config configures a Supervisor. Zero values mean the documented defaults.
type Config struct {
	WorkerID    string
	Version     string
	MetricsAddr string
	AMQP        consumer.Config
	Pool        pool.Config
	// ShutdownGrace is how long in-flight jobs may run after SIGTERM (25s).
	ShutdownGrace time.Duration
	// MaxAttempts is how many deliveries of one message may end without a
	// result (crash, timeout, memory) before it is dead-lettered (2).
	MaxAttempts int
	// MaxTransientAttempts deliveries of one message may end in a transient
	// failure, over at most MaxTransientAge from the first, before it is
	// dead-lettered as transient_exhausted (10 and 1h).
	MaxTransientAttempts int
	MaxTransientAge      time.Duration
	// pauseAfter consecutive transient failures pauses consumption until a
	// child reports the database reachable again (3).
	pauseAfter int
	// probeInterval is the first delay between database probes while
	// paused; it doubles up to 30s (1s).
	probeInterval time.Duration
	// UnhealthyAfter: /health (the container's health check) fails once
	// the broker or the database has been unreachable this long (5m).
	UnhealthyAfter time.Duration
	Log            *slog.Logger
	// Clock is the time source of the handler, the database watch and the
	// pool (the wall clock unless a test sets one).
	Clock clock.Clock
}

func (c *Config) defaults() {
	defaults.Set(&c.MaxAttempts, 2)
	defaults.Set(&c.MaxTransientAttempts, 10)
	defaults.Set(&c.MaxTransientAge, time.Hour)
	defaults.Set(&c.pauseAfter, 3)
	defaults.Set(&c.probeInterval, time.Second)
	defaults.Set(&c.ShutdownGrace, 25*time.Second)
	defaults.Set(&c.UnhealthyAfter, 5*time.Minute)
	c.Log = cmp.Or(c.Log, slog.Default())
	c.Clock = cmp.Or(c.Clock, clock.Real)
}

// Supervisor runs the consumer, the pool, the database watch and the HTTP
// endpoints as one group (Run).
type Supervisor struct {
	cfg  Config
	m    *metrics.Metrics
	pool *pool.Pool
	cons *consumer.Consumer
	db   *dbWatch
	h    *handler

	inFlight atomic.Int64
	stopping chan struct{} // closed when shutdown begins
}

// New builds a supervisor; Run starts it.
func New(cfg Config) *Supervisor {
	cfg.defaults()
	s := &Supervisor{cfg: cfg, stopping: make(chan struct{})}
	s.m = metrics.New(cfg.WorkerID, cfg.MetricsAddr, cfg.Version)
	s.m.ChildMemLimit.Set(float64(cfg.Pool.MaxChildMemory))

	pc := cfg.Pool
	pc.Log, pc.Clock, pc.OnEvent = cfg.Log, cfg.Clock, s.poolEvent
	s.pool = pool.New(pc)

	ac := cfg.AMQP
	ac.Log = cfg.Log
	ac.OnReconnect = s.m.AMQPReconnects.Inc
	s.cons = consumer.New(ac)

	s.db = &dbWatch{ping: s.pool.Ping, pause: s.cons.Pause, resume: s.cons.Resume, log: cfg.Log, clock: cfg.Clock,
		pauseReq: make(chan int, 1), probe: backoff.Policy{Base: cfg.probeInterval, Max: 30 * time.Second},
		resumed: func() { s.h.consecTransient.Store(0) }}
	s.h = &handler{
		cfg: cfg, jobs: s.pool, m: s.m, log: cfg.Log, clock: cfg.Clock, stopping: s.stopping,
		transientHold: backoff.Policy{Base: 500 * time.Millisecond, Max: 30 * time.Second},
		onTransient: func(consecutive int) {
			if consecutive >= cfg.pauseAfter {
				s.db.requestPause(consecutive)
			}
		},
	}
	s.m.Watch(metrics.Live{PoolCounts: s.pool.Counts, InFlight: s.inFlight.Load, Consuming: s.cons.Consuming, Paused: s.db.paused.Load})
	return s
}

// poolEvent turns what happens to the pool's children into metrics.
func (s *Supervisor) poolEvent(e pool.Event) {
	switch e.Kind {
	case pool.EventStartFailed:
		s.m.WorkerRestarts.WithLabelValues(metrics.WorkerType, e.RestartLabel()).Inc()
	case pool.EventExited:
		s.m.ChildGone(e.Slot)
		if e.Reason != pool.ReasonShutdown {
			s.m.WorkerRestarts.WithLabelValues(metrics.WorkerType, e.RestartLabel()).Inc()
		}
	case pool.EventRSS:
		s.m.SetRSS(e.Slot, e.RSS)
	}
}

// Run runs the supervisor until ctx ends (then a graceful shutdown, and
// nil) or the pool can no longer run children (an error: exit non-zero so
// the orchestrator replaces this process). Closing hardStop cuts the
// shutdown grace short. No goroutine of the supervisor outlives Run.
//
// The supervisor is a group of actors; the first to return stops the
// others, whose interrupts run in the order they were added — which is the
// shutdown order:
//
//  1. stop: returns when ctx ends (the first SIGTERM).
//  2. dispatch: hands each delivery to a handler; its interrupt stops
//     consuming and drains: running jobs may finish for ShutdownGrace (or
//     until hardStop), then the pool kills what is left and their messages
//     are requeued.
//  3. consumer: the AMQP consumer, reconnecting until stopped. The
//     connection stays open until the group is done, so the drain can
//     still ack; it is closed last.
//  4. pool: returns a restart storm (ErrRestartStorm).
//  5. database: the readiness view and the pause-and-probe loop.
//  6. http: /metrics, /healthz, /health, /readyz, /status until the very
//     end.
func (s *Supervisor) Run(ctx context.Context, hardStop <-chan struct{}) error {
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen on metrics address %s: %w", s.cfg.MetricsAddr, err)
	}
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	if err := s.pool.Start(ctx); err != nil {
		s.pool.Shutdown(context.Background())
		ln.Close()
		return err
	}
	s.cfg.Log.Info(fmt.Sprintf("[%s] Parallel telemetry processing worker initialized with %d worker processes", s.cfg.WorkerID, s.pool.Size()),
		"worker_id", s.cfg.WorkerID, "pool_size", s.pool.Size(), "prefetch", s.cfg.AMQP.Prefetch, "queue", s.cfg.AMQP.ProcessingQueue(), "metrics_addr", ln.Addr().String())

	consumeCtx, stopConsuming := context.WithCancel(context.Background())
	defer stopConsuming()
	var g run.Group
	{ // 1. stop
		quit := make(chan struct{})
		g.Add(func() error {
			select {
			case <-ctx.Done():
				s.cfg.Log.Info("shutdown requested: no new messages; letting in-flight jobs finish", "grace", s.cfg.ShutdownGrace.String(), "in_flight", s.inFlight.Load())
			case <-quit:
			}
			return nil
		}, func(error) { close(quit) })
	}
	{ // 2. dispatch
		var handlers sync.WaitGroup
		g.Add(func() error {
			for d := range s.cons.Deliveries() {
				handlers.Add(1)
				s.inFlight.Add(1)
				go func() {
					defer handlers.Done()
					defer s.inFlight.Add(-1)
					s.h.handle(d)
				}()
			}
			handlers.Wait()
			return nil
		}, func(error) {
			close(s.stopping) // ends transient holds at once
			stopConsuming()
			s.drain(hardStop)
		})
	}
	{ // 3. consumer
		g.Add(func() error { return s.cons.Run(consumeCtx) }, func(error) { stopConsuming() })
	}
	{ // 4. pool
		stopped := make(chan struct{})
		g.Add(func() error {
			select {
			case err := <-s.pool.Fatal():
				s.cfg.Log.Error("pool cannot keep children alive; exiting so the orchestrator replaces this process", "error", err.Error())
				return err
			case <-stopped:
				return nil
			}
		}, func(error) {
			s.pool.Shutdown(context.Background()) // drained already: returns at once
			close(stopped)
		})
	}
	{ // 5. database
		dbCtx, stop := context.WithCancel(context.Background())
		g.Add(func() error { return s.db.run(dbCtx) }, func(error) { stop() })
	}
	{ // 6. http
		g.Add(func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("metrics server: %w", err)
			}
			return nil
		}, func(error) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		})
	}
	err = g.Run()
	// Only now close the connection: everything is settled, and anything
	// that was not returns to the queue.
	if cerr := s.cons.Close(); cerr != nil {
		s.cfg.Log.Warn("closing RabbitMQ connection", "error", cerr.Error())
	}
	s.cfg.Log.Info("supervisor stopped", "processed", s.h.ok.Load()+s.h.failed.Load(), "succeeded", s.h.ok.Load(), "failed", s.h.failed.Load())
	return err
}

// drain lets running jobs finish for ShutdownGrace (a second signal ends
// the grace at once), then has the pool kill what is left; their handlers
// requeue the messages.
func (s *Supervisor) drain(hardStop <-chan struct{}) {
	grace, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	go func() {
		select {
		case <-hardStop:
			s.cfg.Log.Warn("second signal: stopping now; unfinished messages are requeued")
			cancel()
		case <-grace.Done():
		}
	}()
	s.pool.Shutdown(grace)
}
