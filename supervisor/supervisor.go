package supervisor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/pewstats/collector/protocol"
	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/metrics"
	"github.com/pewstats/collector/supervisor/pool"
)

// Config configures a Supervisor.
type Config struct {
	WorkerID    string
	Version     string
	MetricsAddr string
	AMQP        consumer.Config
	Pool        pool.Config
	// ShutdownGrace is how long in-flight jobs may run after SIGTERM.
	ShutdownGrace time.Duration
	// MaxAttempts is how many deliveries of one message may end without a
	// result (crash, timeout, memory) before it is dead-lettered (default 2).
	MaxAttempts int
	// MaxTransientAttempts deliveries of one message may end in a transient
	// failure, over at most MaxTransientAge from the first, before it is
	// dead-lettered as transient_exhausted (defaults 10 and 1h).
	MaxTransientAttempts int
	MaxTransientAge      time.Duration
	// PauseAfter consecutive transient failures pauses consumption until a
	// child reports the database reachable again (default 3).
	PauseAfter int
	// ProbeInterval is the first delay between database probes while
	// paused; it doubles up to 30s (default 1s).
	ProbeInterval time.Duration
	Log           *slog.Logger
}

// Supervisor runs the consumer, the pool and the HTTP endpoints.
type Supervisor struct {
	cfg  Config
	log  *slog.Logger
	m    *metrics.Metrics
	pool *pool.Pool
	cons *consumer.Consumer

	handlers         sync.WaitGroup
	background       sync.WaitGroup // database prober and watcher
	consecTransient  atomic.Int32
	probing          atomic.Bool
	dbReachable      atomic.Bool
	inFlight         atomic.Int64
	done, ok, failed atomic.Int64
	listener         net.Listener
	// stopping is closed when shutdown begins, so waits inside handlers
	// (the transient requeue delay) end at once.
	stopping     chan struct{}
	stoppingOnce sync.Once
}

// New builds a supervisor; Run starts it.
func New(cfg Config) *Supervisor {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 2
	}
	if cfg.MaxTransientAttempts <= 0 {
		cfg.MaxTransientAttempts = 10
	}
	if cfg.MaxTransientAge <= 0 {
		cfg.MaxTransientAge = time.Hour
	}
	if cfg.PauseAfter <= 0 {
		cfg.PauseAfter = 3
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = time.Second
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = 25 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Supervisor{cfg: cfg, log: cfg.Log, stopping: make(chan struct{})}
	s.m = metrics.New(cfg.WorkerID, cfg.MetricsAddr, cfg.Version)
	pc := cfg.Pool
	pc.Log = cfg.Log
	pc.Hooks = pool.Hooks{
		ChildRestarted: func(reason string) { s.m.WorkerRestarts.WithLabelValues(metrics.WorkerType, reason).Inc() },
		RSS:            s.m.SetRSS,
		StateChanged:   s.m.SetPool,
		ChildExited:    func(slot int, _ string) { s.m.ChildGone(slot) },
	}
	s.m.ChildMemLimit.Set(float64(cfg.Pool.MaxChildMemory))
	s.pool = pool.New(pc)
	ac := cfg.AMQP
	ac.Log = cfg.Log
	ac.OnReconnect = s.m.AMQPReconnects.Inc
	ac.OnState = func(up bool) {
		if up {
			s.m.ConsumerUp.Set(1)
		} else {
			s.m.ConsumerUp.Set(0)
		}
	}
	s.cons = consumer.New(ac)
	return s
}

// Metrics exposes the registry (tests).
func (s *Supervisor) Metrics() *metrics.Metrics { return s.m }

// Run starts everything and blocks until ctx ends (graceful shutdown, then
// nil) or the pool can no longer run children (an error: exit non-zero so
// the orchestrator replaces this process). A second cancellation of
// hardStop cuts the grace period short.
func (s *Supervisor) Run(ctx context.Context, hardStop <-chan struct{}) error {
	if err := s.serveHTTP(); err != nil {
		return err
	}
	defer s.listener.Close()

	if err := s.pool.Start(ctx); err != nil {
		s.pool.Shutdown(context.Background(), false, true)
		return err
	}
	s.dbReachable.Store(true)
	s.log.Info(fmt.Sprintf("[%s] Parallel telemetry processing worker initialized with %d worker processes", s.cfg.WorkerID, s.pool.Size()),
		"worker_id", s.cfg.WorkerID, "pool_size", s.pool.Size(), "prefetch", s.cfg.AMQP.Prefetch, "queue", s.cfg.AMQP.ProcessingQueue(), "metrics_addr", s.listener.Addr().String())

	consumeCtx, stopConsuming := context.WithCancel(context.Background())
	defer stopConsuming()
	consumerDone := make(chan error, 1)
	go func() { consumerDone <- s.cons.Run(consumeCtx) }()
	dispatchDone := make(chan struct{})
	go func() {
		defer close(dispatchDone)
		for d := range s.cons.Deliveries() {
			s.handlers.Add(1)
			s.inFlight.Add(1)
			s.m.JobsInFlight.Inc()
			go s.handle(d)
		}
	}()
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		s.watchDatabase(consumeCtx)
	}()

	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutdown requested: no new messages; letting in-flight jobs finish", "grace", s.cfg.ShutdownGrace.String(), "in_flight", s.inFlight.Load())
	case err := <-s.pool.Fatal():
		runErr = err
		s.log.Error("pool cannot keep children alive; exiting so the orchestrator replaces this process", "error", err.Error())
	}

	// 1. No new deliveries; the connection (and its heartbeats) stays up so
	//    in-flight results can still be acked.
	s.stoppingOnce.Do(func() { close(s.stopping) })
	stopConsuming()
	<-consumerDone
	<-dispatchDone
	// 2. Let running jobs finish within the grace period (a second signal
	//    ends it at once); then the pool kills what is left and those
	//    messages are requeued by their handlers.
	graceCtx, cancelGrace := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancelGrace()
	go func() {
		select {
		case <-hardStop:
			s.log.Warn("second signal: stopping now; unfinished messages are requeued")
			cancelGrace()
		case <-graceCtx.Done():
		}
	}()
	s.pool.Shutdown(graceCtx, runErr == nil, true)
	s.handlers.Wait()
	// The database prober and watcher end with the stop (stopping, consumeCtx).
	s.background.Wait()
	// 3. Only now close the connection: anything unsettled returns to the queue.
	if err := s.cons.Close(); err != nil {
		s.log.Warn("closing RabbitMQ connection", "error", err.Error())
	}
	s.log.Info("supervisor stopped", "processed", s.done.Load(), "succeeded", s.ok.Load(), "failed", s.failed.Load())
	return runErr
}

// handle runs one delivery to its final disposition.
func (s *Supervisor) handle(d *consumer.Delivery) {
	defer s.handlers.Done()
	defer func() {
		s.inFlight.Add(-1)
		s.m.JobsInFlight.Dec()
	}()
	start := time.Now()
	matchID := peekMatchID(d.Body)
	log := s.log.With("match_id", matchID)

	// A body past the limit would not fit the gRPC message to a child,
	// which would fail the call and cost the child as if it had crashed.
	if len(d.Body) > protocol.MaxMessageBytes {
		s.deadLetter(log, d, start, consumer.FailureInfo{Reason: "invalid_message", ErrorType: "ValidationError",
			Error:    fmt.Sprintf("message body is %d bytes, over the %d-byte limit for a queue message", len(d.Body), protocol.MaxMessageBytes),
			Attempts: d.Attempts() + 1, MatchID: matchID})
		return
	}
	if !json.Valid(d.Body) {
		s.deadLetter(log, d, start, consumer.FailureInfo{Reason: "invalid_message", ErrorType: "ValidationError",
			Error: "message body is not valid JSON", Attempts: d.Attempts() + 1, MatchID: matchID})
		return
	}
	attempt := d.Attempts() + 1
	res, err := s.pool.Submit(d.Context(), &protocol.Job{Body: d.Body, Attempt: attempt, ID: jobID(d), MatchID: matchID})
	var je *pool.JobError
	switch {
	case err == nil:
		s.m.ObserveResult(res)
		s.settleResult(log, d, res, start)
	case errors.As(err, &je):
		s.settleLost(log, d, je, attempt, start)
	case d.Context().Err() != nil:
		// Its channel died while it waited for a child: the broker has it
		// back (and may have redelivered it already). Starting it would run
		// the match twice for one message.
		s.m.Requeued.WithLabelValues("channel_closed").Inc()
		log.Info("channel closed while the message waited for a child; not started, the broker redelivers it")
	default: // pool closed before the job started: give it back untouched
		s.requeue(log, d, "shutdown")
	}
}

func (s *Supervisor) settleResult(log *slog.Logger, d *consumer.Delivery, res *protocol.Result, start time.Time) {
	dur := time.Since(start)
	switch res.Outcome {
	case protocol.OutcomeSuccess, protocol.OutcomeSkipped:
		s.consecTransient.Store(0)
		if err := d.Ack(); err != nil {
			// Redelivery is harmless: the rows are committed with their flags.
			s.settleError(log, err)
		}
		status := "success"
		if res.Outcome == protocol.OutcomeSkipped {
			status = "skipped"
		}
		s.m.CountProcessed(isReprocess(d.Body), status)
		s.m.TelemetryDuration.Observe(dur.Seconds())
		s.m.ObserveMessage("success", dur)
		s.done.Add(1)
		s.ok.Add(1)
		log.Info(fmt.Sprintf("[%s] Successfully processed match %s in %.2fs", s.cfg.WorkerID, res.MatchID, dur.Seconds()),
			"outcome", res.Outcome.String(), "skip_reason", res.SkipReason, "rows", res.Rows,
			"read_ms", ms(res.Timings.Read), "extract_ms", ms(res.Timings.Extract), "store_ms", ms(res.Timings.Store), "child_total_ms", ms(res.Timings.Total))
	case protocol.OutcomePermanent:
		s.consecTransient.Store(0)
		s.deadLetter(log, d, start, consumer.FailureInfo{Reason: "permanent", ErrorType: res.ErrorType, Error: res.ErrorMessage, Attempts: d.Attempts() + 1, MatchID: res.MatchID})
	case protocol.OutcomeUnknownMatch:
		// Not in the database: parked in the failed queue with its own
		// reason, to be requeued (collector failed --requeue) once discovery
		// has stored the match.
		s.consecTransient.Store(0)
		s.deadLetter(log, d, start, consumer.FailureInfo{Reason: "unknown_match", ErrorType: res.ErrorType, Error: res.ErrorMessage, Attempts: d.Attempts() + 1, MatchID: res.MatchID})
	default: // transient, or an outcome this parent does not know
		n, first := d.TransientAttempts()
		if d.BrokerCounts() {
			n = d.Attempts() // x-delivery-count: every requeue counts
		}
		n++ // this failure
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		if s.transientExhausted(n, first, now) {
			s.consecTransient.Store(0)
			s.deadLetter(log, d, start, consumer.FailureInfo{Reason: "transient_exhausted", ErrorType: res.ErrorType,
				Error:    fmt.Sprintf("%d transient failures since %s (limits: %d, %s); last: %s", n, first.UTC().Format(time.RFC3339), s.cfg.MaxTransientAttempts, s.cfg.MaxTransientAge, res.ErrorMessage),
				Attempts: d.Attempts() + 1, MatchID: res.MatchID})
			return
		}
		s.m.WorkerErrors.WithLabelValues(metrics.WorkerType, res.ErrorType).Inc()
		consec := s.consecTransient.Add(1)
		// Hold the message a while before returning it: a requeued message
		// goes back to the head of the queue, and a cause that outlives the
		// database probe (a deadlock-prone match, a missing column) would
		// otherwise spin through the queue at full speed.
		delay := transientDelay(int(consec))
		log.Warn("transient failure; message requeued", "error_type", res.ErrorType, "error", res.ErrorMessage,
			"requeue_in", delay.String(), "transient_attempt", n, "max_transient_attempts", s.cfg.MaxTransientAttempts)
		if int(consec) >= s.cfg.PauseAfter {
			s.pauseForDatabase(consec)
		}
		select {
		case <-time.After(delay):
		case <-s.stopping:
		}
		s.retry(log, d, "transient", amqp.Table{
			consumer.HeaderTransientAttempts: int32(n),
			consumer.HeaderFirstTransientAt:  first.UTC().Format(time.RFC3339Nano),
		})
	}
}

// transientExhausted reports whether a message that has now failed
// transiently n times, the first at first, has used up its retries: a cause
// that outlives this many deliveries or this long (an unlisted SQLSTATE, a
// value the database refuses every time) is not going to pass by itself,
// and the message goes to the failed queue rather than loop for ever.
func (s *Supervisor) transientExhausted(n int, first, now time.Time) bool {
	return n >= s.cfg.MaxTransientAttempts || now.Sub(first) >= s.cfg.MaxTransientAge
}

// settleLost handles a job whose child died, hung or ran out of memory.
func (s *Supervisor) settleLost(log *slog.Logger, d *consumer.Delivery, je *pool.JobError, attempt int, start time.Time) {
	if je.Reason == pool.ReasonShutdown {
		s.requeue(log, d, "shutdown")
		return
	}
	s.m.WorkerErrors.WithLabelValues(metrics.WorkerType, "Child"+titleCase(string(je.Reason))).Inc()
	if attempt >= s.cfg.MaxAttempts {
		s.deadLetter(log, d, start, consumer.FailureInfo{Reason: string(je.Reason), ErrorType: "Child" + titleCase(string(je.Reason)),
			Error: je.Error(), Attempts: attempt, MatchID: peekMatchID(d.Body)})
		return
	}
	log.Warn("child lost its job; message will run again", "reason", string(je.Reason), "attempt", attempt, "child", je.Child, "pid", je.PID, "detail", je.Detail)
	s.retry(log, d, string(je.Reason), amqp.Table{consumer.HeaderAttempts: int32(attempt)})
}

// retry returns a message for another delivery, carrying its counts: on a
// quorum queue by basic.reject(requeue), which the broker's
// x-delivery-count counts; otherwise by republishing a copy with the count
// headers set, then acking the original.
func (s *Supervisor) retry(log *slog.Logger, d *consumer.Delivery, reason string, counts amqp.Table) {
	if d.BrokerCounts() {
		s.requeue(log, d, reason)
		return
	}
	err := d.Republish(context.Background(), counts)
	if errors.Is(err, consumer.ErrStale) {
		// The original's channel died: the broker redelivers it (with its
		// old counts, so this attempt is not counted).
		s.settleError(log, err)
		return
	}
	if err != nil {
		// The copy with the raised count was not confirmed (nacked, timed
		// out, channel gone): return the original instead, so it does not
		// sit unacked holding a prefetch slot until the broker's
		// consumer_timeout. It keeps its old counts.
		log.Error("could not republish the message for its retry; requeueing it as it was", "error", err.Error())
		s.requeue(log, d, "retry_publish_failed")
		return
	}
	s.m.Requeued.WithLabelValues(reason).Inc()
}

func (s *Supervisor) requeue(log *slog.Logger, d *consumer.Delivery, reason string) {
	s.m.Requeued.WithLabelValues(reason).Inc()
	if err := d.Requeue(); err != nil {
		s.settleError(log, err)
	}
}

func (s *Supervisor) deadLetter(log *slog.Logger, d *consumer.Delivery, start time.Time, f consumer.FailureInfo) {
	f.WorkerID = s.cfg.WorkerID
	re := isReprocess(d.Body)
	if re {
		f.Reason = reprocessReason(f.Reason)
	}
	if f.MatchID == "" {
		f.MatchID = peekMatchID(d.Body) // the child could not read it
	}
	dur := time.Since(start)
	s.m.WorkerErrors.WithLabelValues(metrics.WorkerType, f.ErrorType).Inc()
	if err := d.DeadLetter(context.Background(), f); err != nil {
		if errors.Is(err, consumer.ErrStale) {
			// Its channel died: the broker redelivers it, and it fails
			// and is dead-lettered then, once.
			s.settleError(log, err)
			return
		}
		// Not in the failed queue: leave it unacked-then-requeued so it is
		// not lost; it will fail again and be dead-lettered then.
		log.Error("could not publish to the failed queue; requeueing instead", "error", err.Error())
		s.requeue(log, d, "dead_letter_failed")
		return
	}
	s.m.DeadLettered.WithLabelValues(f.Reason).Inc()
	s.m.CountProcessed(re, "failed")
	s.m.ObserveMessage("failed", dur)
	s.done.Add(1)
	s.failed.Add(1)
	log.Error(fmt.Sprintf("[%s] Failed to process match %s: %s", s.cfg.WorkerID, f.MatchID, f.Error),
		"reason", f.Reason, "error_type", f.ErrorType, "attempts", f.Attempts, "failed_queue", s.cfg.AMQP.FailedQueue())
}

func (s *Supervisor) settleError(log *slog.Logger, err error) {
	if errors.Is(err, consumer.ErrStale) {
		log.Info("channel was replaced while the job ran; the broker will redeliver the message")
		return
	}
	log.Error("could not settle message; the broker will redeliver it when the channel closes", "error", err.Error())
}

// pauseForDatabase stops consuming after repeated transient failures and
// probes the database through a child until it answers.
func (s *Supervisor) pauseForDatabase(n int32) {
	if !s.probing.CompareAndSwap(false, true) {
		return
	}
	s.dbReachable.Store(false)
	s.cons.Pause()
	s.m.ConsumerPaused.Set(1)
	s.log.Error("pausing consumption after consecutive transient failures; probing the database", "failures", n)
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		defer s.probing.Store(false)
		delay := s.cfg.ProbeInterval
		for {
			select {
			case <-time.After(delay):
			case <-s.stopping:
				return // shutting down: nothing left to resume
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := s.pool.Ping(ctx)
			cancel()
			if err == nil {
				s.consecTransient.Store(0)
				s.dbReachable.Store(true)
				s.m.ConsumerPaused.Set(0)
				s.cons.Resume()
				s.log.Info("database reachable again; consumption resumed")
				return
			}
			s.log.Warn("database still unreachable", "error", err.Error(), "next_probe", delay.String())
			delay = min(delay*2, 30*time.Second)
		}
	}()
}

// watchDatabase refreshes the readiness view of the database every 10s
// while not paused.
func (s *Supervisor) watchDatabase(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.probing.Load() {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := s.pool.Ping(pctx)
			cancel()
			s.dbReachable.Store(err == nil)
		}
	}
}

// ms renders a duration as fractional milliseconds for logs.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// transientDelay grows with consecutive transient failures: 0.5s, 1s, 2s …
// up to 30s.
func transientDelay(n int) time.Duration {
	d := 500 * time.Millisecond
	for i := 1; i < n && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

// peekMatchID reads match_id for logs without trusting the body.
func peekMatchID(body []byte) string {
	var m struct {
		MatchID any `json:"match_id"`
	}
	if json.Unmarshal(body, &m) != nil || m.MatchID == nil {
		return "unknown"
	}
	if s, ok := m.MatchID.(string); ok && s != "" {
		return s
	}
	return fmt.Sprint(m.MatchID)
}

func jobID(d *consumer.Delivery) string {
	if d.MessageID != "" {
		return d.MessageID
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-32) + s[1:]
}

// serveHTTP starts /metrics, /healthz and /readyz.
func (s *Supervisor) serveHTTP() error {
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen on metrics address %s: %w", s.cfg.MetricsAddr, err)
	}
	s.listener = ln
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Error("metrics server stopped", "error", err.Error())
		}
	}()
	return nil
}
