package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/pewstats/collector/protocol"
)

// Reason says why a job did not produce a result.
type Reason string

const (
	ReasonCrash    Reason = "crash"    // the child died mid-job
	ReasonTimeout  Reason = "timeout"  // over --task-timeout; child killed
	ReasonMemory   Reason = "memory"   // over --max-child-memory; child killed
	ReasonShutdown Reason = "shutdown" // the pool stopped before the job finished
)

// JobError is returned by Submit when a job has no result.
type JobError struct {
	Reason Reason
	Child  int
	PID    int
	Detail string
}

func (e *JobError) Error() string {
	return fmt.Sprintf("child %d (pid %d): %s: %s", e.Child, e.PID, e.Reason, e.Detail)
}

// ErrClosed is returned by Submit after Shutdown.
var ErrClosed = errors.New("pool: shut down")

// ErrRestartStorm is reported on Fatal() when a child slot failed to start
// too many times in a row: the pool cannot do its job and the process should
// exit so the orchestrator replaces it.
var ErrRestartStorm = errors.New("pool: children keep failing to start")

// Hooks receive pool events for metrics. Any may be nil.
type Hooks struct {
	ChildStarted   func(slot int)
	ChildExited    func(slot int, reason string)
	ChildRestarted func(reason string)
	RSS            func(slot int, bytes int64)
	StateChanged   func(starting, idle, busy int)
}

// Config configures a Pool. Zero values mean the documented defaults.
type Config struct {
	// Size is the number of children.
	Size int
	// Command builds the command that starts child slot (1-based).
	Command func(slot int) *exec.Cmd
	Log     *slog.Logger
	// TaskTimeout bounds one job (default 5m).
	TaskTimeout time.Duration
	// MaxChildMemory is the RSS limit of a working child in bytes (0 = none).
	MaxChildMemory int64
	// MaxTasksPerChild retires a child after that many jobs (0 = never).
	MaxTasksPerChild int
	// StartTimeout bounds a child's start and handshake (default 30s).
	StartTimeout time.Duration
	// BackoffBase/BackoffMax shape restart delays (defaults 250ms / 30s);
	// HealthyAfter resets the backoff once a child has lived that long (60s).
	BackoffBase, BackoffMax, HealthyAfter time.Duration
	// MaxStartFailures in a row on one slot is a restart storm (default 8).
	MaxStartFailures int
	// MemoryPoll is how often a busy child's RSS is read (default 250ms).
	MemoryPoll time.Duration
	// Reattach, if set, makes the pool use that single already-running
	// child (`collector child --debug-serve`) instead of starting any.
	Reattach *plugin.ReattachConfig
	Hooks    Hooks
}

func (c *Config) defaults() {
	if c.Size <= 0 {
		c.Size = 1
	}
	if c.TaskTimeout <= 0 {
		c.TaskTimeout = 5 * time.Minute
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 30 * time.Second
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = 250 * time.Millisecond
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 30 * time.Second
	}
	if c.HealthyAfter <= 0 {
		c.HealthyAfter = 60 * time.Second
	}
	if c.MaxStartFailures <= 0 {
		c.MaxStartFailures = 8
	}
	if c.MemoryPoll <= 0 {
		c.MemoryPoll = 250 * time.Millisecond
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Reattach != nil {
		c.Size = 1
	}
}

// Pool is a fixed-size set of supervised child processes.
type Pool struct {
	cfg        Config
	idleMu     sync.Mutex
	idleList   []*child
	idleSignal chan struct{} // capacity 1: "the idle list may be non-empty"
	fatal      chan error

	ctx    context.Context // lives until Shutdown; children's lifetimes
	cancel context.CancelFunc
	// jobsCtx bounds running jobs; Shutdown cancels it when the grace
	// period is over.
	jobsCtx    context.Context
	cancelJobs context.CancelFunc
	// pending is closed to make Submits still waiting for a child give up.
	pending     chan struct{}
	pendingOnce sync.Once
	wg          sync.WaitGroup

	mu       sync.Mutex
	children map[int]*child // slot -> current child (nil while starting)
	restarts map[int]int    // slot -> children replaced so far
	closed   bool
	inFlight sync.WaitGroup

	starting, idleN, busy atomic.Int32
}

// New creates a pool; Start launches it.
func New(cfg Config) *Pool {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	jobsCtx, cancelJobs := context.WithCancel(context.Background())
	return &Pool{
		cfg:        cfg,
		jobsCtx:    jobsCtx,
		cancelJobs: cancelJobs,
		pending:    make(chan struct{}),
		idleSignal: make(chan struct{}, 1),
		fatal:      make(chan error, 1),
		ctx:        ctx,
		cancel:     cancel,
		children:   make(map[int]*child, cfg.Size),
		restarts:   make(map[int]int, cfg.Size),
	}
}

// Start launches every child slot's supervision loop. It returns once each
// slot has made its first start attempt, with an error if none is alive.
func (p *Pool) Start(ctx context.Context) error {
	first := make(chan error, p.cfg.Size)
	for slot := 1; slot <= p.cfg.Size; slot++ {
		p.wg.Add(1)
		go p.supervise(slot, first)
	}
	var errs []error
	for range p.cfg.Size {
		select {
		case err := <-first:
			if err != nil {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if len(errs) == p.cfg.Size {
		return fmt.Errorf("pool: no child could start: %w", errors.Join(errs...))
	}
	return nil
}

// Fatal delivers ErrRestartStorm when the pool cannot recover by itself.
func (p *Pool) Fatal() <-chan error { return p.fatal }

// Size is the configured number of children.
func (p *Pool) Size() int { return p.cfg.Size }

// Alive is the number of children currently running (idle or busy).
func (p *Pool) Alive() int { return int(p.idleN.Load() + p.busy.Load()) }

// Busy is the number of children running a job.
func (p *Pool) Busy() int { return int(p.busy.Load()) }

func (p *Pool) stateChanged() {
	if h := p.cfg.Hooks.StateChanged; h != nil {
		h(int(p.starting.Load()), int(p.idleN.Load()), int(p.busy.Load()))
	}
}

// supervise keeps one slot's child running until the pool shuts down.
func (p *Pool) supervise(slot int, first chan<- error) {
	defer p.wg.Done()
	failures := 0   // consecutive start or handshake failures: the storm count
	idleDeaths := 0 // consecutive deaths of idle children soon after start: backoff only
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			first <- err
		}
	}
	for {
		if p.ctx.Err() != nil {
			report(ErrClosed)
			return
		}
		p.starting.Add(1)
		p.stateChanged()
		c, err := p.startChild(slot)
		p.starting.Add(-1)
		if err != nil {
			p.stateChanged()
			failures++
			report(err)
			p.cfg.Log.Error("child failed to start", "child", slot, "attempt", failures, "error", err.Error())
			if h := p.cfg.Hooks.ChildRestarted; h != nil {
				h("start_failure")
			}
			if failures >= p.cfg.MaxStartFailures {
				select {
				case p.fatal <- fmt.Errorf("%w: child %d failed %d times in a row, last: %v", ErrRestartStorm, slot, failures, err):
				default:
				}
			}
			if !p.sleep(p.backoff(failures)) {
				return
			}
			continue
		}
		report(nil)
		if h := p.cfg.Hooks.ChildStarted; h != nil {
			h(slot)
		}
		p.cfg.Log.Info("child started", "child", slot, "pid", c.pid)
		p.mu.Lock()
		p.children[slot] = c
		p.mu.Unlock()
		p.markIdle(c)
		stopSampling := p.sampleMemory(c)
		reason, wasBusy := p.watch(c)
		stopSampling()

		p.mu.Lock()
		delete(p.children, slot)
		if reason != "shutdown" {
			p.restarts[slot]++
		}
		p.mu.Unlock()
		if h := p.cfg.Hooks.ChildExited; h != nil {
			h(slot, reason)
		}
		if p.ctx.Err() != nil && reason == "shutdown" {
			return
		}
		// The child started and answered its handshake, so this slot can
		// run children: whatever ends one now is not a restart storm. A
		// death during a job (crash, timeout, memory) is the job's doing —
		// poison messages must not stop the supervisor, above all with
		// --pool-size=1 — and the replacement starts at once. A child that
		// dies idle soon after starting is restarted with backoff.
		failures = 0
		if h := p.cfg.Hooks.ChildRestarted; h != nil {
			h(reason)
		}
		if p.ctx.Err() != nil {
			return
		}
		if !wasBusy && reason != "recycled" && time.Since(c.started) < p.cfg.HealthyAfter {
			idleDeaths++
			if !p.sleep(p.backoff(idleDeaths)) {
				return
			}
		} else {
			idleDeaths = 0
		}
	}
}

// backoff is BackoffBase·2^(n-1), capped at BackoffMax, with ±25% jitter
// so a fleet of supervisors does not restart in lockstep.
func (p *Pool) backoff(n int) time.Duration {
	d := p.cfg.BackoffBase
	for i := 1; i < n && d < p.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, p.cfg.BackoffMax)
	jitter := 0.75 + rand.Float64()*0.5
	return time.Duration(float64(d) * jitter)
}

func (p *Pool) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// startChild starts one child process and dispenses its Processor.
func (p *Pool) startChild(slot int) (*child, error) {
	log := p.cfg.Log.With("child", slot)
	fwd := newLogForwarder(log)
	var rn *procRunner
	cc := &plugin.ClientConfig{
		HandshakeConfig:  protocol.Handshake,
		Plugins:          protocol.PluginMap(nil),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  protocol.GRPCDialOptions(), // the same message-size limits as the child's server
		StartTimeout:     p.cfg.StartTimeout,
		Stderr:           fwd,
		// go-plugin's own log lines (and its re-parsing of child stderr)
		// are replaced by the forwarder and our own lifecycle logs.
		Logger: hclog.NewNullLogger(),
	}
	if p.cfg.Reattach != nil {
		cc.Reattach = p.cfg.Reattach
	} else {
		// go-plugin hands RunnerFunc a blank command carrying only its own
		// variables (the handshake cookie, socket settings; SkipHostEnv
		// keeps the host environment out); ours adds them to the real one.
		cc.SkipHostEnv = true
		cc.RunnerFunc = func(_ hclog.Logger, spec *exec.Cmd, _ string) (runner.Runner, error) {
			cmd := p.cfg.Command(slot)
			cmd.Env = append(cmd.Env, spec.Env...)
			cmd.Stdin = nil
			r, err := newProcRunner(cmd)
			rn = r
			return r, err
		}
	}
	client := plugin.NewClient(cc)
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start child %d: %w", slot, err)
	}
	raw, err := rpc.Dispense(protocol.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("dispense child %d: %w", slot, err)
	}
	proc, ok := raw.(protocol.Processor)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("child %d: plugin is %T, not a Processor", slot, raw)
	}
	c := &child{slot: slot, client: client, proc: proc, runner: rn, started: time.Now(), log: log, fwd: fwd, retire: make(chan string, 1)}
	if rn != nil {
		c.pid = rn.pid
		fwd.log = log.With("pid", rn.pid)
	} else if p.cfg.Reattach != nil && p.cfg.Reattach.Pid > 0 {
		c.pid = p.cfg.Reattach.Pid
	}
	return c, nil
}

// watch blocks until child c is gone and returns why, and whether it was
// running a job when it went.
func (p *Pool) watch(c *child) (reason string, busy bool) {
	var exited <-chan struct{}
	if c.runner != nil {
		exited = c.runner.Done()
	} else {
		exited = pollExited(p.ctx, c.client)
	}
	select {
	case <-exited:
		reason := c.exitReason()
		if reason == "" {
			reason = "crash"
			if sig, ok := c.runner.signaledSafe(); ok {
				reason = "signal_" + sig
			}
		}
		p.cfg.Log.Warn("child exited", "child", c.slot, "pid", c.pid, "reason", reason, "status", c.runner.exitSafe())
		busy := p.dropIdle(c) == stateBusy
		c.client.Kill()
		c.fwd.flush()
		return reason, busy
	case reason := <-c.retire:
		p.dropIdle(c)
		c.setKillReason(reason)
		p.stopChild(c)
		return reason, false
	case <-p.ctx.Done():
		p.dropIdle(c)
		p.stopChild(c)
		return "shutdown", false
	}
}

// stopChild asks a child to exit (go-plugin's graceful shutdown, which the
// child honours between jobs) and kills it after a short grace.
func (p *Pool) stopChild(c *child) {
	done := make(chan struct{})
	go func() { c.client.Kill(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		if c.runner != nil {
			_ = c.runner.Kill(context.Background())
		}
		<-done
	}
	c.fwd.flush()
}

// Ping asks one live child to check its database connection. It is how the
// parent, which holds no database connection of its own, learns whether the
// database is reachable.
func (p *Pool) Ping(ctx context.Context) error {
	p.mu.Lock()
	var c *child
	for _, ch := range p.children {
		if ch != nil {
			c = ch
			break
		}
	}
	p.mu.Unlock()
	if c == nil {
		return errors.New("pool: no child alive")
	}
	return c.proc.Ping(ctx)
}

// ChildStatus is what one slot is doing, for /status.
type ChildStatus struct {
	Slot      int       `json:"slot"`
	PID       int       `json:"pid,omitempty"`
	State     string    `json:"state"` // starting, idle, busy
	MatchID   string    `json:"match_id,omitempty"`
	BusyFor   float64   `json:"busy_seconds,omitempty"`
	JobsDone  int       `json:"jobs_done"`
	Restarts  int       `json:"restarts"`
	RSSBytes  int64     `json:"rss_bytes,omitempty"`
	StartedAt time.Time `json:"started_at,omitzero"`
}

// Status reports every slot, in slot order.
func (p *Pool) Status() []ChildStatus {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ChildStatus, 0, p.cfg.Size)
	for slot := 1; slot <= p.cfg.Size; slot++ {
		st := ChildStatus{Slot: slot, State: "starting", Restarts: p.restarts[slot]}
		if c := p.children[slot]; c != nil {
			c.mu.Lock()
			st.PID, st.JobsDone, st.RSSBytes, st.StartedAt = c.pid, c.jobs, c.rss, c.started
			switch c.state {
			case stateIdle:
				st.State = "idle"
			case stateBusy:
				st.State = "busy"
				st.MatchID = c.current
				if !c.since.IsZero() {
					st.BusyFor = now.Sub(c.since).Seconds()
				}
			case stateDead:
				st.State = "exiting"
			}
			c.mu.Unlock()
		}
		out = append(out, st)
	}
	return out
}
