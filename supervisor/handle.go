package supervisor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/pewstats/collector/protocol"
	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/internal/backoff"
	"github.com/pewstats/collector/supervisor/internal/clock"
	"github.com/pewstats/collector/supervisor/metrics"
	"github.com/pewstats/collector/supervisor/pool"
	"github.com/pewstats/collector/supervisor/publisher"
)

// delivery is what the handler needs of a received message
// (*consumer.Delivery in production, a fake in the unit tests).
type delivery interface {
	Body() []byte
	MessageID() string
	// Context ends when the message's channel died: the broker has it back.
	Context() context.Context
	Attempts() int
	TransientAttempts() (int, time.Time)
	BrokerCounts() bool
	Ack() error
	Requeue() error
	Republish(ctx context.Context, set amqp.Table) error
	DeadLetter(ctx context.Context, f consumer.FailureInfo) error
}

// jobRunner is what the handler needs of the pool.
type jobRunner interface {
	Submit(ctx context.Context, job *protocol.Job) (*protocol.Result, error)
}

// handler decides every message's fate from its job's outcome. This file is
// the table of dispositions in docs/ARCHITECTURE.md, in code: ack after
// success, the failed queue with a reason, or back on the queue for
// another try with its counts carried in the message.
type handler struct {
	cfg   Config
	jobs  jobRunner
	m     *metrics.Metrics
	log   *slog.Logger
	clock clock.Clock
	// transientHold is how long a transiently failed message is held before
	// it goes back: a cause that outlives the database probe must not spin
	// through the queue at full speed.
	transientHold backoff.Policy
	// stopping ends the hold at once when shutdown begins.
	stopping <-chan struct{}
	// onTransient is told the count of consecutive transient failures
	// (the supervisor pauses consumption and probes the database).
	onTransient func(consecutive int)

	consecTransient atomic.Int32
	ok, failed      atomic.Int64
}

// handle runs one delivery to its final disposition.
func (h *handler) handle(d delivery) {
	start := h.clock.Now()
	body := d.Body()
	matchID := peekMatchID(body)
	log := h.log.With("match_id", matchID)

	invalid := ""
	switch {
	case len(body) > protocol.MaxMessageBytes:
		// It would not fit the gRPC message to a child, which would fail
		// the call and cost the child as if it had crashed.
		invalid = fmt.Sprintf("message body is %d bytes, over the %d-byte limit for a queue message", len(body), protocol.MaxMessageBytes)
	case !json.Valid(body):
		invalid = "message body is not valid JSON"
	}
	if invalid != "" {
		h.deadLetter(log, d, start, consumer.FailureInfo{Reason: "invalid_message", ErrorType: "ValidationError", Error: invalid, MatchID: matchID})
		return
	}
	attempt := d.Attempts() + 1
	res, err := h.jobs.Submit(d.Context(), &protocol.Job{Body: body, Attempt: attempt, ID: jobID(d), MatchID: matchID})
	var je *pool.JobError
	switch {
	case err == nil:
		h.m.ObserveResult(res)
		h.settleResult(log, d, res, start)
	case errors.As(err, &je) && je.Reason != pool.ReasonShutdown:
		h.settleLost(log, d, je, attempt, start)
	case je == nil && d.Context().Err() != nil:
		// Its channel died while it waited for a child: the broker has it
		// back (and may have redelivered it already). Starting it would run
		// the match twice for one message.
		h.m.Requeued.WithLabelValues("channel_closed").Inc()
		log.Info("channel closed while the message waited for a child; not started, the broker redelivers it")
	default: // the pool stopped before or during the job: give it back uncounted
		h.requeue(log, d, "shutdown")
	}
}

func (h *handler) settleResult(log *slog.Logger, d delivery, res *protocol.Result, start time.Time) {
	switch res.Outcome {
	case protocol.OutcomeSuccess, protocol.OutcomeSkipped:
		h.consecTransient.Store(0)
		if err := d.Ack(); err != nil {
			// Redelivery is harmless: the rows are committed with their flags.
			h.settleError(log, err)
		}
		dur := h.clock.Now().Sub(start)
		h.m.CountProcessed(isReprocess(d.Body()), res.Outcome.String()) // success, skipped
		h.m.TelemetryDuration.Observe(dur.Seconds())
		h.m.ObserveMessage("success", dur)
		h.ok.Add(1)
		log.Info(fmt.Sprintf("[%s] Successfully processed match %s in %.2fs", h.cfg.WorkerID, res.MatchID, dur.Seconds()),
			"outcome", res.Outcome.String(), "skip_reason", res.SkipReason, "rows", res.Rows,
			"read_ms", ms(res.Timings.Read), "extract_ms", ms(res.Timings.Extract), "store_ms", ms(res.Timings.Store), "child_total_ms", ms(res.Timings.Total))
	case protocol.OutcomePermanent:
		h.consecTransient.Store(0)
		h.deadLetter(log, d, start, consumer.FailureInfo{Reason: "permanent", ErrorType: res.ErrorType, Error: res.ErrorMessage, MatchID: res.MatchID})
	case protocol.OutcomeUnknownMatch:
		// Not in the database: parked in the failed queue with its own
		// reason, to be requeued (collector failed --requeue) once discovery
		// has stored the match.
		h.consecTransient.Store(0)
		h.deadLetter(log, d, start, consumer.FailureInfo{Reason: "unknown_match", ErrorType: res.ErrorType, Error: res.ErrorMessage, MatchID: res.MatchID})
	default: // transient, or an outcome this parent does not know
		h.settleTransient(log, d, res, start)
	}
}

// settleTransient retries a transiently failed message, with its count and
// the time of its first transient failure carried in the message, until
// MaxTransientAttempts or MaxTransientAge: a cause that outlives them (an
// unlisted SQLSTATE, a value the database refuses every time) is not going
// to pass by itself, and the message goes to the failed queue rather than
// loop for ever.
func (h *handler) settleTransient(log *slog.Logger, d delivery, res *protocol.Result, start time.Time) {
	n, first := d.TransientAttempts()
	if d.BrokerCounts() {
		n = d.Attempts() // x-delivery-count: every requeue counts
	}
	n++ // this failure
	now := h.clock.Now()
	if first.IsZero() {
		first = now
	}
	if n >= h.cfg.MaxTransientAttempts || now.Sub(first) >= h.cfg.MaxTransientAge {
		h.consecTransient.Store(0)
		h.deadLetter(log, d, start, consumer.FailureInfo{Reason: "transient_exhausted", ErrorType: res.ErrorType,
			Error:   fmt.Sprintf("%d transient failures since %s (limits: %d, %s); last: %s", n, first.UTC().Format(time.RFC3339), h.cfg.MaxTransientAttempts, h.cfg.MaxTransientAge, res.ErrorMessage),
			MatchID: res.MatchID})
		return
	}
	h.m.WorkerErrors.WithLabelValues(metrics.WorkerType, res.ErrorType).Inc()
	consec := int(h.consecTransient.Add(1))
	delay := h.transientHold.Delay(consec)
	log.Warn("transient failure; message requeued", "error_type", res.ErrorType, "error", res.ErrorMessage,
		"requeue_in", delay.String(), "transient_attempt", n, "max_transient_attempts", h.cfg.MaxTransientAttempts)
	if h.onTransient != nil {
		h.onTransient(consec)
	}
	select {
	case <-h.clock.After(delay):
	case <-h.stopping:
	}
	h.retry(log, d, "transient", amqp.Table{
		consumer.HeaderTransientAttempts: int32(n),
		consumer.HeaderFirstTransientAt:  first.UTC().Format(time.RFC3339Nano),
	})
}

// settleLost handles a job whose child died, hung or ran out of memory.
func (h *handler) settleLost(log *slog.Logger, d delivery, je *pool.JobError, attempt int, start time.Time) {
	r := je.Reason.String() // never empty
	errType := "Child" + strings.ToUpper(r[:1]) + r[1:]
	h.m.WorkerErrors.WithLabelValues(metrics.WorkerType, errType).Inc()
	if attempt >= h.cfg.MaxAttempts {
		h.deadLetter(log, d, start, consumer.FailureInfo{Reason: je.Reason.String(), ErrorType: errType, Error: je.Error()})
		return
	}
	log.Warn("child lost its job; message will run again", "reason", je.Reason.String(), "attempt", attempt, "child", je.Slot, "pid", je.PID, "detail", je.Detail)
	h.retry(log, d, je.Reason.String(), amqp.Table{consumer.HeaderAttempts: int32(attempt)})
}

// retry returns a message for another delivery, carrying its counts: on a
// quorum queue by basic.reject(requeue), which the broker's
// x-delivery-count counts; otherwise by republishing a copy with the count
// headers set, then acking the original.
func (h *handler) retry(log *slog.Logger, d delivery, reason string, counts amqp.Table) {
	if d.BrokerCounts() {
		h.requeue(log, d, reason)
		return
	}
	err := d.Republish(context.Background(), counts)
	if errors.Is(err, publisher.ErrUnconfirmed) {
		h.m.PublishUnconfirmed.Inc()
	}
	if errors.Is(err, consumer.ErrStale) || (errors.Is(err, publisher.ErrUnconfirmed) && d.Context().Err() != nil) {
		// The original's channel died: the broker redelivers it (with its
		// old counts, so this attempt is not counted).
		h.settleError(log, err)
		return
	}
	if err != nil {
		// The copy with the raised count was not confirmed (nacked, timed
		// out): return the original instead, so it does not sit unacked
		// holding a prefetch slot until the broker's consumer_timeout. It
		// keeps its old counts.
		log.Error("could not republish the message for its retry; requeueing it as it was", "error", err.Error())
		h.requeue(log, d, "retry_publish_failed")
		return
	}
	h.m.Requeued.WithLabelValues(reason).Inc()
}

func (h *handler) requeue(log *slog.Logger, d delivery, reason string) {
	h.m.Requeued.WithLabelValues(reason).Inc()
	if err := d.Requeue(); err != nil {
		h.settleError(log, err)
	}
}

func (h *handler) deadLetter(log *slog.Logger, d delivery, start time.Time, f consumer.FailureInfo) {
	f.WorkerID, f.Attempts = h.cfg.WorkerID, d.Attempts()+1 // this delivery included
	re := isReprocess(d.Body())
	if re {
		f.Reason = reprocessReason(f.Reason)
	}
	if f.MatchID == "" {
		f.MatchID = peekMatchID(d.Body()) // the child could not read it
	}
	h.m.WorkerErrors.WithLabelValues(metrics.WorkerType, f.ErrorType).Inc()
	if err := d.DeadLetter(context.Background(), f); err != nil {
		if errors.Is(err, publisher.ErrUnconfirmed) {
			h.m.PublishUnconfirmed.Inc()
			if d.Context().Err() != nil {
				// The connection went while the broker was confirming: the
				// copy may be in the failed queue, and the broker
				// redelivers the original, which fails again and may end
				// there a second time. Nothing is lost.
				log.Warn("the failed-queue copy was not confirmed before the channel closed; the broker redelivers the message, which may be dead-lettered twice", "error", err.Error())
				return
			}
		}
		if errors.Is(err, consumer.ErrStale) {
			// Its channel died: the broker redelivers it, and it fails
			// and is dead-lettered then, once.
			h.settleError(log, err)
			return
		}
		// Not in the failed queue: requeue it so it is not lost; it will
		// fail again and be dead-lettered then.
		log.Error("could not publish to the failed queue; requeueing instead", "error", err.Error())
		h.requeue(log, d, "dead_letter_failed")
		return
	}
	dur := h.clock.Now().Sub(start)
	h.m.DeadLettered.WithLabelValues(f.Reason).Inc()
	h.m.CountProcessed(re, "failed")
	h.m.ObserveMessage("failed", dur)
	h.failed.Add(1)
	log.Error(fmt.Sprintf("[%s] Failed to process match %s: %s", h.cfg.WorkerID, f.MatchID, f.Error),
		"reason", f.Reason, "error_type", f.ErrorType, "attempts", f.Attempts, "failed_queue", h.cfg.AMQP.FailedQueue())
}

func (h *handler) settleError(log *slog.Logger, err error) {
	if errors.Is(err, consumer.ErrStale) {
		log.Info("channel was replaced while the job ran; the broker will redeliver the message")
		return
	}
	log.Error("could not settle message; the broker will redeliver it when the channel closes", "error", err.Error())
}

// ms renders a duration as fractional milliseconds for logs.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peekMatchID reads match_id for logs without trusting the body.
func peekMatchID(body []byte) string {
	var m struct {
		MatchID any `json:"match_id"`
	}
	if json.Unmarshal(body, &m) != nil || m.MatchID == nil {
		return "unknown"
	}
	return fmt.Sprint(m.MatchID) // a string as it is
}

func jobID(d delivery) string {
	if id := d.MessageID(); id != "" {
		return id
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
