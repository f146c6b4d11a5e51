package pool

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pewstats/collector/protocol"
	"github.com/pewstats/collector/supervisor/internal/clock/clocktest"
)

// These tests run the pool's slots against fake children and a fake clock:
// a five-minute task timeout or a thirty-second backoff passes when the test
// says so, and every test takes milliseconds. The end-to-end tests in
// package supervisor run the same pool with real child processes.

// fakeChild is a child process whose jobs behave as their Job.ID says:
// "ok" returns a result; "crash" exits mid-job; "hang" runs until killed;
// "leak" grows past any memory limit and runs until killed; "broken" fails
// the call but leaves the process running; "block:<name>" runs until the
// test releases name.
type fakeChild struct {
	t      *fakeStarter
	pid    int
	done   chan struct{}
	once   sync.Once
	signal atomic.Value // string
	rss    atomic.Int64
	jobs   atomic.Int32
	stops  atomic.Int32
}

func (c *fakeChild) die(signal string) {
	c.once.Do(func() {
		c.signal.Store(signal)
		close(c.done)
	})
}

func (c *fakeChild) Process(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	c.jobs.Add(1)
	c.t.started <- job.ID
	switch {
	case job.ID == "ok":
		return &protocol.Result{Outcome: protocol.OutcomeSuccess, MatchID: job.MatchID}, nil
	case job.ID == "crash":
		c.die("")
		return nil, errors.New("rpc error: connection reset")
	case job.ID == "broken":
		return nil, errors.New("rpc error: transport closing")
	case job.ID == "leak":
		c.rss.Store(1 << 40)
	case len(job.ID) > 6 && job.ID[:6] == "block:":
		select {
		case <-c.t.gate(job.ID[6:]):
			return &protocol.Result{Outcome: protocol.OutcomeSuccess}, nil
		case <-c.done:
			return nil, errors.New("rpc error: connection reset")
		}
	}
	<-c.done // hang, leak: until killed
	return nil, errors.New("rpc error: connection reset")
}

func (c *fakeChild) Ping(context.Context) error { return nil }
func (c *fakeChild) PID() int                   { return c.pid }
func (c *fakeChild) Done() <-chan struct{}      { return c.done }
func (c *fakeChild) Exit() (string, string) {
	sig, _ := c.signal.Load().(string)
	return sig, "exited"
}
func (c *fakeChild) Kill()                { c.die("SIGKILL") }
func (c *fakeChild) Stop(context.Context) { c.stops.Add(1); c.die("") }
func (c *fakeChild) RSS() (int64, error)  { return c.rss.Load(), nil }

// fakeStarter starts fake children; the first failStarts starts fail.
type fakeStarter struct {
	mu         sync.Mutex
	pid        int
	children   []*fakeChild
	failStarts int
	gates      map[string]chan struct{}
	started    chan string // job ids as children begin them
}

func newStarter() *fakeStarter {
	return &fakeStarter{pid: 100, gates: map[string]chan struct{}{}, started: make(chan string, 100)}
}

func (f *fakeStarter) start(_ context.Context, _ int) (Child, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failStarts != 0 {
		f.failStarts--
		return nil, errors.New("handshake failed")
	}
	f.pid++
	c := &fakeChild{t: f, pid: f.pid, done: make(chan struct{})}
	f.children = append(f.children, c)
	return c, nil
}

func (f *fakeStarter) gate(name string) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gates[name] == nil {
		f.gates[name] = make(chan struct{})
	}
	return f.gates[name]
}

func (f *fakeStarter) release(name string) { close(f.gate(name)) }

func (f *fakeStarter) child(i int) *fakeChild {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.children[i]
}

func (f *fakeStarter) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.children)
}

// events records what the pool reports.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (e *events) add(ev Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

func (e *events) exits() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, ev := range e.all {
		if ev.Kind == EventExited {
			out = append(out, ev)
		}
	}
	return out
}

type harness struct {
	t     *testing.T
	p     *Pool
	clk   *clocktest.Fake
	start *fakeStarter
	ev    *events
}

func newHarness(t *testing.T, cfg Config, st *fakeStarter) *harness {
	t.Helper()
	if st == nil {
		st = newStarter()
	}
	h := &harness{t: t, clk: clocktest.NewFake(), start: st, ev: &events{}}
	cfg.Start = st.start
	cfg.Clock = h.clk
	cfg.OnEvent = h.ev.add
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	h.p = New(cfg)
	if err := h.p.Start(context.Background()); err != nil && st.failStarts == 0 {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no grace: kill what runs
		h.p.Shutdown(ctx)
	})
	return h
}

// until waits (in real time, briefly) for cond.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// submit runs a job in the background and returns where its outcome lands.
func (h *harness) submit(ctx context.Context, id string) <-chan response {
	out := make(chan response, 1)
	go func() {
		res, err := h.p.Submit(ctx, &protocol.Job{ID: id, MatchID: "m-" + id})
		out <- response{res, err}
	}()
	return out
}

// begun waits until a child has begun job id.
func (h *harness) begun(id string) {
	h.t.Helper()
	select {
	case got := <-h.start.started:
		if got != id {
			h.t.Fatalf("child began %q, want %q", got, id)
		}
	case <-time.After(5 * time.Second):
		h.t.Fatalf("no child began %q", id)
	}
}

func (h *harness) outcome(ch <-chan response) response {
	h.t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		h.t.Fatal("Submit did not return")
		return response{}
	}
}

func jobErr(t *testing.T, r response, want Reason) {
	t.Helper()
	var je *JobError
	if !errors.As(r.err, &je) || je.Reason != want {
		t.Fatalf("Submit returned %v, %v; want a JobError with reason %s", r.res, r.err, want)
	}
}

func TestJobsRunOnIdleChildren(t *testing.T) {
	h := newHarness(t, Config{Size: 2}, nil)
	a, b := h.submit(context.Background(), "ok"), h.submit(context.Background(), "ok")
	for _, ch := range []<-chan response{a, b} {
		if r := h.outcome(ch); r.err != nil || r.res.Outcome != protocol.OutcomeSuccess {
			t.Fatalf("job: %v %v", r.res, r.err)
		}
	}
	h.until("both jobs counted", func() bool {
		n := 0
		for _, st := range h.p.Status() {
			n += st.JobsDone
		}
		return n == 2
	})
	if h.start.count() != 2 {
		t.Errorf("%d children started, want 2", h.start.count())
	}
}

// A child that dies mid-job is replaced at once (no backoff: the job, not
// the child, was at fault) and its Submit says it crashed.
func TestCrashMidJobReplacesTheChildAtOnce(t *testing.T) {
	h := newHarness(t, Config{Size: 1}, nil)
	r := h.outcome(h.submit(context.Background(), "crash"))
	jobErr(t, r, ReasonCrash)
	h.until("a replacement child", func() bool { return h.start.count() == 2 && h.p.Alive() == 1 })
	if ex := h.ev.exits(); len(ex) != 1 || ex[0].Reason != ReasonCrash || !ex[0].Busy {
		t.Fatalf("exit events %+v, want one busy crash", ex)
	}
	if r := h.outcome(h.submit(context.Background(), "ok")); r.err != nil {
		t.Fatalf("the replacement does not work: %v", r.err)
	}
	if st := h.p.Status()[0]; st.Restarts != 1 {
		t.Errorf("restarts %d, want 1", st.Restarts)
	}
}

func TestHungJobIsKilledAtTheTaskTimeout(t *testing.T) {
	h := newHarness(t, Config{Size: 1, TaskTimeout: 5 * time.Minute}, nil)
	ch := h.submit(context.Background(), "hang")
	h.begun("hang")
	h.clk.Advance(5*time.Minute - time.Second)
	select {
	case r := <-ch:
		t.Fatalf("the job ended before its timeout: %v", r.err)
	case <-time.After(20 * time.Millisecond):
	}
	h.clk.Advance(time.Second)
	jobErr(t, h.outcome(ch), ReasonTimeout)
	h.until("a replacement child", func() bool { return h.start.count() == 2 && h.p.Alive() == 1 })
	if sig, _ := h.start.child(0).Exit(); sig != "SIGKILL" {
		t.Errorf("the hung child was not killed (signal %q)", sig)
	}
}

func TestChildOverTheMemoryLimitIsKilled(t *testing.T) {
	t.Run("during a job", func(t *testing.T) {
		h := newHarness(t, Config{Size: 1, MaxChildMemory: 1 << 30, memoryPoll: 250 * time.Millisecond}, nil)
		ch := h.submit(context.Background(), "leak")
		h.begun("leak")
		h.clk.Advance(250 * time.Millisecond)
		jobErr(t, h.outcome(ch), ReasonMemory)
	})
	t.Run("while idle", func(t *testing.T) {
		h := newHarness(t, Config{Size: 1, MaxChildMemory: 1 << 30, idleMemoryPoll: 5 * time.Second}, nil)
		h.start.child(0).rss.Store(2 << 30)
		h.clk.Advance(5 * time.Second)
		h.until("the idle child killed", func() bool { return len(h.ev.exits()) == 1 })
		if ex := h.ev.exits()[0]; ex.Reason != ReasonMemory || ex.Busy {
			t.Fatalf("exit %+v, want an idle memory kill", ex)
		}
	})
}

func TestChildIsRecycledAfterItsJobLimit(t *testing.T) {
	h := newHarness(t, Config{Size: 1, MaxTasksPerChild: 2}, nil)
	for range 2 {
		if r := h.outcome(h.submit(context.Background(), "ok")); r.err != nil {
			t.Fatal(r.err)
		}
	}
	h.until("a fresh child", func() bool { return h.start.count() == 2 && h.p.Alive() == 1 })
	if ex := h.ev.exits(); len(ex) != 1 || ex[0].Reason != ReasonRecycled {
		t.Fatalf("exits %+v, want one recycled", ex)
	}
	if h.start.child(0).stops.Load() == 0 {
		t.Error("the retired child was not asked to stop")
	}
}

// A call that fails while the process lives (a broken connection) costs
// the child: it is killed and replaced.
func TestBrokenCallWithALiveProcessIsKilled(t *testing.T) {
	h := newHarness(t, Config{Size: 1}, nil)
	ch := h.submit(context.Background(), "broken")
	h.begun("broken")
	// Pending: the idle memory ticker, the job's timeout and memory poll,
	// and the pool's wait for the process to go.
	h.until("the pool waiting for the process to go", func() bool { return h.clk.Waiters() >= 4 })
	h.clk.Advance(2 * time.Second)
	jobErr(t, h.outcome(ch), ReasonCrash)
	if sig, _ := h.start.child(0).Exit(); sig != "SIGKILL" {
		t.Errorf("the child with the broken call was not killed (signal %q)", sig)
	}
}

// Children that die idle soon after starting are restarted with backoff.
func TestIdleDeathsAreRestartedWithBackoff(t *testing.T) {
	h := newHarness(t, Config{Size: 1, BackoffBase: time.Second, BackoffMax: time.Minute}, nil)
	h.start.child(0).die("SIGSEGV")
	h.until("the death seen", func() bool { return len(h.ev.exits()) == 1 })
	time.Sleep(20 * time.Millisecond)
	if h.start.count() != 1 {
		t.Fatal("restarted without waiting")
	}
	h.clk.Advance(1250 * time.Millisecond) // the first delay, jitter included
	h.until("the restart", func() bool { return h.start.count() == 2 })
	if ex := h.ev.exits()[0]; ex.Reason != ReasonCrash || ex.Signal != "SIGSEGV" || ex.RestartLabel() != "signal_SIGSEGV" {
		t.Errorf("exit %+v (label %s)", ex, ex.RestartLabel())
	}
}

// Only children that cannot start are a restart storm.
func TestRestartStorm(t *testing.T) {
	t.Run("start failures are", func(t *testing.T) {
		st := newStarter()
		st.failStarts = -1 // every start
		h := newHarness(t, Config{Size: 1, MaxStartFailures: 3, BackoffBase: time.Second, BackoffMax: time.Second}, st)
		for i := 0; i < 3; i++ {
			select {
			case err := <-h.p.Fatal():
				if !errors.Is(err, ErrRestartStorm) || i < 2 {
					t.Fatalf("after %d failures: %v", i+1, err)
				}
				return
			case <-time.After(20 * time.Millisecond):
			}
			h.clk.Advance(2 * time.Second)
		}
		select {
		case err := <-h.p.Fatal():
			if !errors.Is(err, ErrRestartStorm) {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no restart storm reported after three failed starts")
		}
	})
	t.Run("job deaths are not", func(t *testing.T) {
		h := newHarness(t, Config{Size: 1, MaxStartFailures: 2}, nil)
		for range 6 {
			jobErr(t, h.outcome(h.submit(context.Background(), "crash")), ReasonCrash)
		}
		select {
		case err := <-h.p.Fatal():
			t.Fatalf("six poison jobs made a storm: %v", err)
		default:
		}
	})
}

func TestShutdown(t *testing.T) {
	t.Run("lets running jobs finish", func(t *testing.T) {
		h := newHarness(t, Config{Size: 2}, nil)
		running := h.submit(context.Background(), "block:a")
		h.begun("block:a")
		done := make(chan struct{})
		go func() { h.p.Shutdown(context.Background()); close(done) }()
		h.until("new work refused", func() bool {
			_, err := h.p.Submit(context.Background(), &protocol.Job{ID: "ok"})
			return errors.Is(err, ErrClosed)
		})
		select {
		case <-done:
			t.Fatal("Shutdown returned with a job running")
		default:
		}
		h.start.release("a")
		if r := h.outcome(running); r.err != nil {
			t.Fatalf("the running job did not finish: %v", r.err)
		}
		<-done
		for i := range h.start.count() {
			c := h.start.child(i)
			select {
			case <-c.done:
			default:
				t.Errorf("child %d still running after Shutdown", c.pid)
			}
		}
	})
	t.Run("kills what runs when the grace ends", func(t *testing.T) {
		h := newHarness(t, Config{Size: 1}, nil)
		running := h.submit(context.Background(), "hang")
		h.begun("hang")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		h.p.Shutdown(ctx)
		jobErr(t, h.outcome(running), ReasonShutdown)
	})
}

// A job whose caller gave up while it waited for a child is never started.
func TestJobNotStartedWhenTheCallerGaveUp(t *testing.T) {
	h := newHarness(t, Config{Size: 1}, nil)
	busy := h.submit(context.Background(), "block:b")
	h.begun("block:b")
	ctx, cancel := context.WithCancel(context.Background())
	waiting := h.submit(ctx, "ok")
	cancel()
	if r := h.outcome(waiting); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the abandoned job returned %v", r.err)
	}
	h.start.release("b")
	h.outcome(busy)
	if n := h.start.child(0).jobs.Load(); n != 1 {
		t.Fatalf("the child ran %d jobs, want 1 (the abandoned one must not run)", n)
	}
}

func TestStatusShowsWhatEachChildDoes(t *testing.T) {
	h := newHarness(t, Config{Size: 2}, nil)
	running := h.submit(context.Background(), "block:s")
	h.begun("block:s")
	h.clk.Advance(3 * time.Second)
	var busy, idle int
	for _, st := range h.p.Status() {
		switch st.State {
		case "busy":
			busy++
			if st.MatchID != "m-block:s" || st.BusyFor != 3 || st.PID == 0 {
				t.Errorf("busy slot %+v", st)
			}
		case "idle":
			idle++
		}
	}
	if busy != 1 || idle != 1 {
		t.Fatalf("busy %d idle %d, want 1 and 1: %+v", busy, idle, h.p.Status())
	}
	h.start.release("s")
	h.outcome(running)
	h.until("both idle", func() bool { _, i, _ := h.p.Counts(); return i == 2 })
}
