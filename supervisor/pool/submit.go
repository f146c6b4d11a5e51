package pool

import (
	"context"
	"errors"
	"time"

	"github.com/pewstats/collector/protocol"
)

// markIdle makes c available to Submit.
func (p *Pool) markIdle(c *child) {
	c.mu.Lock()
	if c.state == stateDead {
		c.mu.Unlock()
		return
	}
	prev := c.state
	c.state = stateIdle
	c.mu.Unlock()
	if prev == stateBusy {
		p.busy.Add(-1)
	}
	p.idleN.Add(1)
	p.idleMu.Lock()
	p.idleList = append(p.idleList, c)
	p.idleMu.Unlock()
	p.signalIdle()
	p.stateChanged()
}

func (p *Pool) signalIdle() {
	select {
	case p.idleSignal <- struct{}{}:
	default:
	}
}

// dropIdle takes a dead child out of the idle list and fixes the counters.
// It returns the state the child was in.
func (p *Pool) dropIdle(c *child) childState {
	c.mu.Lock()
	prev := c.state
	c.state = stateDead
	c.mu.Unlock()
	switch prev {
	case stateIdle:
		p.idleN.Add(-1)
		p.idleMu.Lock()
		for i, ic := range p.idleList {
			if ic == c {
				p.idleList = append(p.idleList[:i], p.idleList[i+1:]...)
				break
			}
		}
		p.idleMu.Unlock()
	case stateBusy:
		p.busy.Add(-1)
	}
	p.stateChanged()
	return prev
}

// takeIdle pops the first idle child, if any.
func (p *Pool) takeIdle() *child {
	p.idleMu.Lock()
	defer p.idleMu.Unlock()
	for len(p.idleList) > 0 {
		c := p.idleList[0]
		p.idleList = p.idleList[1:]
		c.mu.Lock()
		if c.state != stateIdle {
			c.mu.Unlock()
			continue
		}
		c.state = stateBusy
		c.mu.Unlock()
		if len(p.idleList) > 0 {
			p.signalIdle() // wake the next waiter: one signal may stand for several children
		}
		return c
	}
	return nil
}

// acquire waits for an idle, live child.
func (p *Pool) acquire(ctx context.Context) (*child, error) {
	for {
		if c := p.takeIdle(); c != nil {
			p.idleN.Add(-1)
			p.busy.Add(1)
			p.stateChanged()
			return c, nil
		}
		select {
		case <-p.idleSignal:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.ctx.Done():
			return nil, ErrClosed
		case <-p.pending:
			return nil, ErrClosed
		}
	}
}

// Submit runs job on the next idle child and returns its result. It blocks
// while every child is busy. ctx bounds only the wait: a job whose ctx ends
// before it starts is not started (ctx's error is returned); a started job
// runs to its end. A job without a result returns *JobError (the child
// crashed, timed out or ran out of memory, or the pool shut down) or
// ErrClosed if it never started.
func (p *Pool) Submit(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	p.inFlight.Add(1)
	p.mu.Unlock()
	defer p.inFlight.Done()

	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		// The caller gave up while the child was being handed over (for the
		// supervisor: the message's channel died and the broker has it
		// back). Never start a job nobody will settle.
		p.markIdle(c)
		return nil, err
	}
	// Jobs are bounded by the task timeout and by the pool's job context,
	// which Shutdown cancels when the grace period runs out. The caller's
	// ctx only bounds the wait for a child: a started job is never
	// abandoned because a consumer went away.
	jobCtx, cancel := context.WithTimeout(p.jobsCtx, p.cfg.TaskTimeout)
	defer cancel()
	c.mu.Lock()
	c.current, c.since = job.MatchID, time.Now()
	c.mu.Unlock()
	res, err := c.proc.Process(jobCtx, job)
	c.mu.Lock()
	c.current, c.since = "", time.Time{}
	c.mu.Unlock()

	if err == nil {
		c.mu.Lock()
		c.jobs++
		jobs := c.jobs
		c.mu.Unlock()
		if p.cfg.MaxTasksPerChild > 0 && jobs >= p.cfg.MaxTasksPerChild {
			c.log.Info("retiring child after its job limit", "pid", c.pid, "jobs", jobs)
			c.retire <- "recycled"
			return res, nil
		}
		p.markIdle(c)
		return res, nil
	}

	// No result: find out why, and make sure the child is gone.
	reason := whyLost(jobCtx, p.jobsCtx, time.Now())
	if reason != ReasonCrash {
		c.kill(string(reason))
	}
	if !p.waitExit(c, 2*time.Second) {
		// The RPC failed but the process lives (a broken connection):
		// it cannot be trusted with another job.
		c.kill(string(reason))
		p.waitExit(c, 2*time.Second)
	}
	if r := c.exitReason(); r == string(ReasonMemory) {
		reason = ReasonMemory
	}
	return nil, &JobError{Reason: reason, Child: c.slot, PID: c.pid, Detail: detail(c, err)}
}

func detail(c *child, err error) string {
	if c.runner != nil {
		return c.runner.exitSafe() + ": " + err.Error()
	}
	return err.Error()
}

// waitExit waits up to d for c's process to be reaped.
func (p *Pool) waitExit(c *child, d time.Duration) bool {
	if c.runner == nil {
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			if c.client.Exited() {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return false
	}
	select {
	case <-c.runner.Done():
		return true
	case <-time.After(d):
		return false
	}
}

// sampleMemory reads a child's RSS for its whole life — every MemoryPoll
// while it works, every few seconds while idle — reports it, and kills the
// child over MaxChildMemory (a leak in an idle child counts too).
func (p *Pool) sampleMemory(c *child) (stop func()) {
	if c.pid <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(p.cfg.MemoryPoll)
		defer t.Stop()
		idleEvery := max(1, int(5*time.Second/p.cfg.MemoryPoll))
		for tick := 0; ; tick++ {
			if tick > 0 { // the first sample is taken at once
				select {
				case <-done:
					return
				case <-t.C:
				}
			}
			c.mu.Lock()
			busy := c.state == stateBusy
			c.mu.Unlock()
			if !busy && tick%idleEvery != 0 {
				continue
			}
			rss, err := readRSS(c.pid)
			if err != nil {
				continue
			}
			c.mu.Lock()
			c.rss = rss
			c.mu.Unlock()
			if h := p.cfg.Hooks.RSS; h != nil {
				h(c.slot, rss)
			}
			if p.cfg.MaxChildMemory > 0 && rss > p.cfg.MaxChildMemory {
				c.log.Error("child over memory limit; killing it", "pid", c.pid, "rss_bytes", rss, "limit_bytes", p.cfg.MaxChildMemory, "busy", busy)
				c.kill(string(ReasonMemory))
				return
			}
		}
	}()
	return func() { close(done) }
}

// deadlineSlack is how close to its deadline a job that failed counts as
// timed out. The child's side of the call learns the deadline from gRPC and
// may end it (and the parent's call fail with DeadlineExceeded) a moment
// before the parent's own context reports it.
const deadlineSlack = 100 * time.Millisecond

// whyLost says why a job returned no result: the pool's job context ended
// (shutdown), the job ran out its time (timeout), or else the child failed
// it (crash; memory is told apart later from the kill reason).
func whyLost(jobCtx, poolJobs context.Context, now time.Time) Reason {
	if poolJobs.Err() != nil {
		return ReasonShutdown
	}
	if errors.Is(jobCtx.Err(), context.DeadlineExceeded) {
		return ReasonTimeout
	}
	if d, ok := jobCtx.Deadline(); ok && d.Sub(now) < deadlineSlack {
		return ReasonTimeout
	}
	return ReasonCrash
}
