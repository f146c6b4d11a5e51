package supervisor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/pewstats/collector/protocol"
	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/internal/backoff"
	"github.com/pewstats/collector/supervisor/internal/clock"
	"github.com/pewstats/collector/supervisor/internal/clock/clocktest"
	"github.com/pewstats/collector/supervisor/metrics"
	"github.com/pewstats/collector/supervisor/pool"
	"github.com/pewstats/collector/supervisor/publisher"
)

// These tests take every disposition of docs/ARCHITECTURE.md's table
// through the handler with a fake delivery and a fake pool: no broker, no
// child, a clock moved by hand. The end-to-end tests take the same paths
// with the real ones.

// fakeDelivery records what the handler did with it.
type fakeDelivery struct {
	body         []byte
	attempts     int
	transient    int
	firstAt      time.Time
	quorum       bool
	ctx          context.Context
	republishErr error
	deadErr      error

	mu      sync.Mutex
	actions []string
	set     amqp.Table
	failure consumer.FailureInfo
}

func (d *fakeDelivery) Body() []byte      { return d.body }
func (d *fakeDelivery) MessageID() string { return "msg-1" }
func (d *fakeDelivery) Context() context.Context {
	if d.ctx == nil {
		return context.Background()
	}
	return d.ctx
}
func (d *fakeDelivery) Attempts() int                       { return d.attempts }
func (d *fakeDelivery) TransientAttempts() (int, time.Time) { return d.transient, d.firstAt }
func (d *fakeDelivery) BrokerCounts() bool                  { return d.quorum }
func (d *fakeDelivery) act(a string) {
	d.mu.Lock()
	d.actions = append(d.actions, a)
	d.mu.Unlock()
}
func (d *fakeDelivery) Ack() error     { d.act("ack"); return nil }
func (d *fakeDelivery) Requeue() error { d.act("requeue"); return nil }
func (d *fakeDelivery) Republish(_ context.Context, set amqp.Table) error {
	if d.republishErr != nil {
		return d.republishErr
	}
	d.set = set
	d.act("republish")
	return nil
}
func (d *fakeDelivery) DeadLetter(_ context.Context, f consumer.FailureInfo) error {
	if d.deadErr != nil {
		return d.deadErr
	}
	d.failure = f
	d.act("dead-letter:" + f.Reason)
	return nil
}

// fakeRunner answers Submit with a scripted result or error.
type fakeRunner struct {
	res  *protocol.Result
	err  error
	jobs []*protocol.Job
}

func (r *fakeRunner) Submit(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.jobs = append(r.jobs, job)
	return r.res, r.err
}

func newHandler(r jobRunner, clk clock.Clock) *handler {
	cfg := Config{WorkerID: "w", MetricsAddr: "127.0.0.1:0"}
	cfg.defaults()
	return &handler{
		cfg: cfg, jobs: r, m: metrics.New("w", ":0", "test"), log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		clock: clk, transientHold: backoff.Policy{Base: 500 * time.Millisecond, Max: 30 * time.Second},
		stopping: make(chan struct{}),
	}
}

const okBody = `{"match_id":"m1","file_path":"m1.json.gz"}`

func TestDispositions(t *testing.T) {
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	lost := func(r pool.Reason) error { return &pool.JobError{Reason: r, Slot: 1, PID: 42, Detail: "x"} }
	result := func(o protocol.Outcome) *protocol.Result {
		return &protocol.Result{Outcome: o, MatchID: "m1", ErrorType: "SomeError", ErrorMessage: "it failed"}
	}
	for _, tc := range []struct {
		name   string
		d      *fakeDelivery
		runner *fakeRunner
		want   string // actions, comma-separated
		check  func(t *testing.T, d *fakeDelivery)
	}{
		{"success is acked", &fakeDelivery{}, &fakeRunner{res: result(protocol.OutcomeSuccess)}, "ack", nil},
		{"skipped is acked", &fakeDelivery{}, &fakeRunner{res: result(protocol.OutcomeSkipped)}, "ack", nil},
		{"permanent failure is dead-lettered", &fakeDelivery{}, &fakeRunner{res: result(protocol.OutcomePermanent)}, "dead-letter:permanent",
			func(t *testing.T, d *fakeDelivery) {
				if d.failure.ErrorType != "SomeError" || d.failure.Error != "it failed" || d.failure.WorkerID != "w" {
					t.Errorf("failure %+v", d.failure)
				}
			}},
		{"unknown match is parked", &fakeDelivery{}, &fakeRunner{res: result(protocol.OutcomeUnknownMatch)}, "dead-letter:unknown_match", nil},
		{"invalid JSON never reaches a child", &fakeDelivery{body: []byte("{nope")}, &fakeRunner{}, "dead-letter:invalid_message", nil},
		{"an oversized body never reaches a child", &fakeDelivery{body: []byte(`{"x":"` + strings.Repeat("a", protocol.MaxMessageBytes) + `"}`)}, &fakeRunner{}, "dead-letter:invalid_message", nil},
		{"a crash is retried with its attempt counted", &fakeDelivery{}, &fakeRunner{err: lost(pool.ReasonCrash)}, "republish",
			func(t *testing.T, d *fakeDelivery) {
				if d.set[consumer.HeaderAttempts] != int32(1) {
					t.Errorf("republished with %v", d.set)
				}
			}},
		{"the last attempt's crash is dead-lettered", &fakeDelivery{attempts: 1}, &fakeRunner{err: lost(pool.ReasonCrash)}, "dead-letter:crash", nil},
		{"a timeout on the last attempt", &fakeDelivery{attempts: 1}, &fakeRunner{err: lost(pool.ReasonTimeout)}, "dead-letter:timeout", nil},
		{"a memory kill on the last attempt", &fakeDelivery{attempts: 1}, &fakeRunner{err: lost(pool.ReasonMemory)}, "dead-letter:memory", nil},
		{"on a quorum queue a crash is requeued (the broker counts)", &fakeDelivery{quorum: true}, &fakeRunner{err: lost(pool.ReasonCrash)}, "requeue", nil},
		{"a job cut by shutdown is requeued uncounted", &fakeDelivery{attempts: 1}, &fakeRunner{err: lost(pool.ReasonShutdown)}, "requeue", nil},
		{"a job the pool never started is requeued", &fakeDelivery{}, &fakeRunner{err: pool.ErrClosed}, "requeue", nil},
		{"a delivery whose channel died is left to the broker", &fakeDelivery{ctx: dead}, &fakeRunner{}, "", nil},
		{"a refused retry is requeued as it was", &fakeDelivery{republishErr: publisher.ErrNacked}, &fakeRunner{err: lost(pool.ReasonCrash)}, "requeue", nil},
		{"a retry on a dead channel is left to the broker", &fakeDelivery{republishErr: consumer.ErrStale}, &fakeRunner{err: lost(pool.ReasonCrash)}, "", nil},
		{"an unconfirmed retry on a dead channel is left to the broker", &fakeDelivery{ctx: dead, republishErr: publisher.ErrUnconfirmed},
			&fakeRunner{err: lost(pool.ReasonCrash)}, "", nil},
		{"a dead-letter the broker refused is requeued", &fakeDelivery{deadErr: publisher.ErrNacked}, &fakeRunner{res: result(protocol.OutcomePermanent)}, "requeue", nil},
		{"a dead-letter on a dead channel is left to the broker", &fakeDelivery{deadErr: consumer.ErrStale}, &fakeRunner{res: result(protocol.OutcomePermanent)}, "", nil},
		{"the last transient attempt is dead-lettered", &fakeDelivery{transient: 9, firstAt: time.Now()}, &fakeRunner{res: result(protocol.OutcomeTransient)}, "dead-letter:transient_exhausted",
			func(t *testing.T, d *fakeDelivery) {
				if !strings.Contains(d.failure.Error, "10 transient failures") {
					t.Errorf("error %q does not give the count", d.failure.Error)
				}
			}},
		{"a transient failure an hour after the first is dead-lettered", &fakeDelivery{transient: 1, firstAt: time.Now().Add(-time.Hour)},
			&fakeRunner{res: result(protocol.OutcomeTransient)}, "dead-letter:transient_exhausted", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.d.body == nil {
				tc.d.body = []byte(okBody)
			}
			clk := clocktest.NewFake()
			h := newHandler(tc.runner, clk)
			h.clock = clockAt{clk, time.Now()}
			h.handle(tc.d)
			if got := strings.Join(tc.d.actions, ","); got != tc.want {
				t.Fatalf("actions %q, want %q", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, tc.d)
			}
		})
	}
}

// clockAt is a fake clock read as if it were set to the given wall time
// (the transient age is measured against the message's own timestamps).
type clockAt struct {
	*clocktest.Fake
	wall time.Time
}

func (c clockAt) Now() time.Time { return c.wall.Add(c.Fake.Now().Sub(clocktest.NewFake().Now())) }

// A transient failure is held a while, then republished with its count and
// the time of the first transient failure; repeated ones pause consumption.
func TestTransientFailureIsHeldThenRetriedWithItsCounts(t *testing.T) {
	clk := clocktest.NewFake()
	h := newHandler(&fakeRunner{res: &protocol.Result{Outcome: protocol.OutcomeTransient, ErrorType: "Deadlock"}}, clk)
	var paused []int
	h.onTransient = func(n int) { paused = append(paused, n) }
	first := time.Now().Add(-time.Minute).UTC()
	d := &fakeDelivery{body: []byte(okBody), transient: 2, firstAt: first}
	done := make(chan struct{})
	changed := clk.Changed()
	go func() { h.handle(d); close(done) }()
	<-changed // the handler is holding the message
	select {
	case <-done:
		t.Fatal("returned without holding the message")
	default:
	}
	clk.Advance(500 * time.Millisecond)
	<-done
	if got := strings.Join(d.actions, ","); got != "republish" {
		t.Fatalf("actions %q", got)
	}
	if d.set[consumer.HeaderTransientAttempts] != int32(3) || d.set[consumer.HeaderFirstTransientAt] != first.Format(time.RFC3339Nano) {
		t.Errorf("republished with %v, want the count raised to 3 and the first time kept", d.set)
	}
	if fmt.Sprint(paused) != "[1]" {
		t.Errorf("onTransient got %v, want one call for the first consecutive failure", paused)
	}
}
