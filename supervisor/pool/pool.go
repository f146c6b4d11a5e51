package pool

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pewstats/collector/protocol"
	"github.com/pewstats/collector/supervisor/internal/backoff"
	"github.com/pewstats/collector/supervisor/internal/clock"
	"github.com/pewstats/collector/supervisor/internal/defaults"
)

// startTimeout bounds a child's start and handshake.
const startTimeout = 30 * time.Second

// stopGrace is how long a child may take to exit when asked.
const stopGrace = 5 * time.Second

// healthyAfter: a child that dies idle sooner than this after its start is
// restarted with backoff.
const healthyAfter = 60 * time.Second

// Config configures a Pool. Zero values mean the documented defaults.
type Config struct {
	// Size is the number of slots, each with one child.
	Size int
	// Start starts one slot's child (Plugin in production).
	Start Starter
	// TaskTimeout bounds one job (default 5m); the child is killed.
	TaskTimeout time.Duration
	// MaxChildMemory is the RSS limit of a child in bytes (0 = none).
	MaxChildMemory int64
	// MaxTasksPerChild retires a child after that many jobs (0 = never).
	MaxTasksPerChild int
	// BackoffBase/BackoffMax shape restart delays (defaults 250ms / 30s,
	// ±25% jitter).
	BackoffBase, BackoffMax time.Duration
	// MaxStartFailures in a row on one slot is a restart storm (default 8).
	MaxStartFailures int
	// memoryPoll is how often a busy child's RSS is read (default 250ms);
	// idleMemoryPoll an idle one's (default 5s).
	memoryPoll, idleMemoryPoll time.Duration
	// OnEvent receives what happens to slots (metrics); it must not block.
	OnEvent func(Event)
	Log     *slog.Logger
	// Clock is the time source (default the wall clock; tests move a fake).
	Clock clock.Clock
}

func (c *Config) defaults() {
	defaults.Set(&c.Size, 1)
	defaults.Set(&c.TaskTimeout, 5*time.Minute)
	defaults.Set(&c.BackoffBase, 250*time.Millisecond)
	defaults.Set(&c.BackoffMax, 30*time.Second)
	defaults.Set(&c.memoryPoll, 250*time.Millisecond)
	defaults.Set(&c.idleMemoryPoll, 5*time.Second)
	defaults.Set(&c.MaxStartFailures, 8)
	if c.OnEvent == nil {
		c.OnEvent = func(Event) {}
	}
	c.Log = cmp.Or(c.Log, slog.Default())
	c.Clock = cmp.Or(c.Clock, clock.Real)
}

// Pool is a fixed number of slots, each running one supervised child. Jobs
// reach idle children through one channel; a slot takes a job only while
// its child is idle and alive.
type Pool struct {
	cfg     Config
	restart backoff.Policy
	slots   []*slot

	jobs chan request // unbuffered: a send succeeds when an idle slot takes it

	// stop ends when Shutdown begins: no new jobs, children stop, child
	// starts are cut short.
	stop   context.Context
	cancel context.CancelFunc
	kill   chan struct{} // closed when running jobs must end now
	fatal  chan error
	wg     sync.WaitGroup

	killOnce, fatalOnce sync.Once
}

type request struct {
	ctx   context.Context
	job   *protocol.Job
	reply chan response // buffered: the slot never blocks on it
}

type response struct {
	res *protocol.Result
	err error
}

// New creates a pool; Start launches it.
func New(cfg Config) *Pool {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{
		cfg: cfg, restart: backoff.Policy{Base: cfg.BackoffBase, Max: cfg.BackoffMax, Jitter: 0.25},
		jobs: make(chan request), stop: ctx, cancel: cancel, kill: make(chan struct{}), fatal: make(chan error, 1),
	}
	for n := 1; n <= cfg.Size; n++ {
		p.slots = append(p.slots, &slot{n: n, p: p})
	}
	return p
}

// Start launches every slot and returns once each has made its first start
// attempt, with an error if no child is alive.
func (p *Pool) Start(ctx context.Context) error {
	first := make(chan error, len(p.slots))
	for _, s := range p.slots {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			s.serve(first)
		}()
	}
	var errs []error
	for range p.slots {
		select {
		case err := <-first:
			if err != nil {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if len(errs) == len(p.slots) {
		return fmt.Errorf("pool: no child could start: %w", errors.Join(errs...))
	}
	return nil
}

// Submit runs job on the next idle child and returns its result. It blocks
// while every child is busy. ctx bounds only the wait: a job whose ctx ends
// before a child takes it is not started (ctx's error is returned); a
// started job runs to its end. A started job without a result returns a
// *JobError; ErrClosed means the pool stopped before the job started.
func (p *Pool) Submit(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	req := request{ctx: ctx, job: job, reply: make(chan response, 1)}
	select {
	case p.jobs <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.stop.Done():
		return nil, ErrClosed
	}
	r := <-req.reply
	return r.res, r.err
}

// Shutdown stops the pool, in the spirit of Executor.shutdown: Submits not
// yet taken fail with ErrClosed at once; running jobs may finish until ctx
// ends, then their children are killed (their Submits get a JobError with
// ReasonShutdown); every child is stopped, and Shutdown returns when all
// slots are done.
func (p *Pool) Shutdown(ctx context.Context) {
	p.cancel()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	p.killOnce.Do(func() { close(p.kill) })
	<-done
}

// Fatal delivers ErrRestartStorm when the pool cannot recover by itself.
func (p *Pool) Fatal() <-chan error { return p.fatal }

// Size is the number of slots.
func (p *Pool) Size() int { return len(p.slots) }

// Status reports every slot, in slot order.
func (p *Pool) Status() []ChildStatus {
	now := p.cfg.Clock.Now()
	out := make([]ChildStatus, 0, len(p.slots))
	for _, s := range p.slots {
		out = append(out, s.status(now))
	}
	return out
}

// Counts is how many slots are starting, idle and busy.
func (p *Pool) Counts() (starting, idle, busy int) {
	var n [3]int // by State
	for _, s := range p.slots {
		s.mu.Lock()
		n[s.state]++
		s.mu.Unlock()
	}
	return n[StateStarting], n[StateIdle], n[StateBusy]
}

// Alive is the number of children running (idle or busy).
func (p *Pool) Alive() int {
	_, idle, busy := p.Counts()
	return idle + busy
}

// Ping asks a live child to check its database connection: the parent holds
// no database connection of its own. A busy child answers too (a ping does
// not wait for its job).
func (p *Pool) Ping(ctx context.Context) error {
	for _, s := range p.slots {
		s.mu.Lock()
		c := s.child
		s.mu.Unlock()
		if c != nil {
			return c.Ping(ctx)
		}
	}
	return errors.New("pool: no child alive")
}

func (p *Pool) stopped() bool { return p.stop.Err() != nil }

// sleep waits d on the pool's clock; false if the pool stopped meanwhile.
func (p *Pool) sleep(d time.Duration) bool {
	select {
	case <-p.cfg.Clock.After(d):
		return true
	case <-p.stop.Done():
		return false
	}
}
