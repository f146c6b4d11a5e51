package pool

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// slot is one place in the pool. Its goroutine (serve) owns the slot's
// child from start to end: it starts it, takes one job at a time from the
// pool's job channel while the child is idle, watches the job's time and
// the child's memory, retires the child after MaxTasksPerChild jobs, and
// replaces it when it goes. Everything that can happen to a child is in
// this file; what happens when one dies in the middle of a job is runJob.
type slot struct {
	n int
	p *Pool

	mu       sync.Mutex // guards what Status reads
	state    State
	child    Child
	started  time.Time
	jobs     int // done by the current child
	restarts int
	matchID  string
	since    time.Time
	rss      int64
}

func (s *slot) update(f func()) {
	s.mu.Lock()
	f()
	s.mu.Unlock()
}

// serve keeps the slot's child running until the pool stops. first
// receives the outcome of the first start attempt.
func (s *slot) serve(first chan<- error) {
	p := s.p
	startFailures := 0 // in a row: the restart-storm count
	idleDeaths := 0    // children in a row that died idle soon after starting
	report := func(err error) {
		if first != nil {
			first <- err
			first = nil
		}
	}
	defer report(ErrClosed)
	for !p.stopped() {
		ctx, cancel := context.WithTimeout(p.stop, startTimeout)
		c, err := p.cfg.Start(ctx, s.n)
		cancel()
		if err != nil {
			startFailures++
			report(err)
			p.cfg.OnEvent(Event{Kind: EventStartFailed, Slot: s.n})
			p.cfg.Log.Error("child failed to start", "child", s.n, "attempt", startFailures, "error", err.Error())
			// Only children that cannot start (or answer the handshake)
			// are a storm: this slot cannot run anything.
			if startFailures >= p.cfg.MaxStartFailures {
				p.fatalOnce.Do(func() {
					p.fatal <- fmt.Errorf("%w: child %d failed %d times in a row, last: %v", ErrRestartStorm, s.n, startFailures, err)
				})
			}
			if !p.sleep(p.restart.Delay(startFailures)) {
				return
			}
			continue
		}
		startFailures = 0
		report(nil)
		started := p.cfg.Clock.Now()
		s.update(func() { s.child, s.started, s.jobs, s.rss, s.state = c, started, 0, 0, StateIdle })
		p.cfg.Log.Info("child started", "child", s.n, "pid", c.PID())

		ev := s.run(c)

		// Release what is left of the child (a dead one returns at once).
		stopCtx, cancel := context.WithTimeout(context.Background(), stopGrace)
		c.Stop(stopCtx)
		cancel()
		s.update(func() {
			s.child, s.state, s.rss, s.matchID = nil, StateStarting, 0, ""
			if ev.Reason != ReasonShutdown {
				s.restarts++
			}
		})
		p.cfg.OnEvent(ev)
		if ev.Reason == ReasonShutdown {
			return
		}
		// A child killed by its job (crash, timeout, memory) is replaced at
		// once: the job was at fault. One that dies idle soon after it
		// started is restarted with backoff, so a crash loop does not spin.
		if !ev.Busy && ev.Reason != ReasonRecycled && p.cfg.Clock.Now().Sub(started) < healthyAfter {
			idleDeaths++
			if !p.sleep(p.restart.Delay(idleDeaths)) {
				return
			}
		} else {
			idleDeaths = 0
		}
	}
}

// run serves jobs on child c until it goes, and says why.
func (s *slot) run(c Child) Event {
	p := s.p
	ev := Event{Kind: EventExited, Slot: s.n, PID: c.PID()}
	// An idle child's memory is checked too: a leak between jobs counts.
	// The first sample is taken at once, and one after every job, so the
	// metrics and /status show a child's memory as soon as it exists.
	tick, stop := p.cfg.Clock.Ticker(p.cfg.idleMemoryPoll)
	defer stop()
	for sample := true; ; {
		if sample && s.overMemory(c, false) {
			c.Kill()
			<-c.Done()
			ev.Reason = ReasonMemory
			return ev
		}
		sample = false
		select {
		case <-tick:
			sample = true
		case req := <-p.jobs:
			reason, gone := s.runJob(c, req)
			if gone {
				ev.Reason, ev.Busy = reason, true
				if reason == ReasonCrash {
					ev.Signal, _ = c.Exit()
				}
				return ev
			}
			sample = true
			// s.jobs is written only by this goroutine: reading it needs
			// no lock.
			if p.cfg.MaxTasksPerChild > 0 && s.jobs >= p.cfg.MaxTasksPerChild {
				p.cfg.Log.Info("retiring child after its job limit", "child", s.n, "pid", c.PID(), "jobs", s.jobs)
				ev.Reason = ReasonRecycled
				return ev
			}
		case <-c.Done():
			sig, status := c.Exit()
			p.cfg.Log.Warn("child exited", "child", s.n, "pid", c.PID(), "reason", "crash", "status", status)
			ev.Reason, ev.Signal = ReasonCrash, sig
			return ev
		case <-p.stop.Done():
			ev.Reason = ReasonShutdown
			return ev
		}
	}
}

// runJob runs one job on child c and answers its Submit. It reports
// whether the child is gone (and why): a job without a result always costs
// its child, since a child that failed a call cannot be trusted with the
// next one.
func (s *slot) runJob(c Child, req request) (Reason, bool) {
	p := s.p
	// Work nobody will settle is not started: the caller gave up (for the
	// supervisor, the message's channel died) or the pool is stopping.
	err := req.ctx.Err()
	if err == nil && p.stopped() {
		err = ErrClosed
	}
	if err != nil {
		req.reply <- response{err: err}
		return 0, false
	}
	s.update(func() { s.state, s.matchID, s.since = StateBusy, req.job.MatchID, p.cfg.Clock.Now() })
	defer s.update(func() { s.state, s.matchID = StateIdle, "" })

	// The limits are armed before the job starts, so a job's whole life is
	// under them.
	timeout := p.cfg.Clock.After(p.cfg.TaskTimeout)
	poll, stopPoll := p.cfg.Clock.Ticker(p.cfg.memoryPoll)
	defer stopPoll()
	// runJob returns only once Process has: a limit ends the call by
	// killing the child, not by cancelling it.
	done := make(chan response, 1)
	go func() {
		res, err := c.Process(context.Background(), req.job)
		done <- response{res, err}
	}()
	kill := p.kill
	var killed Reason // why we killed the child, if we did
	for {
		select {
		case r := <-done:
			if r.err == nil {
				// A result that arrived as we killed the child still stands
				// (its transaction committed); the child is gone anyway.
				s.update(func() { s.jobs++ })
				req.reply <- r
				return killed, killed != 0
			}
			reason := killed
			if reason == 0 {
				reason = ReasonCrash
			}
			// The call failed: make sure the process is gone too (a
			// broken connection with a live process behind it is killed).
			select {
			case <-c.Done():
			case <-p.cfg.Clock.After(2 * time.Second):
				c.Kill()
				<-c.Done()
			}
			_, status := c.Exit()
			req.reply <- response{err: &JobError{Reason: reason, Slot: s.n, PID: c.PID(), Detail: status + ": " + r.err.Error()}}
			return reason, true
		case <-timeout:
			if killed == 0 {
				p.cfg.Log.Error("job over the task timeout; killing its child", "child", s.n, "pid", c.PID(), "match_id", req.job.MatchID, "timeout", p.cfg.TaskTimeout.String())
				killed = ReasonTimeout
				c.Kill()
			}
		case <-poll:
			if killed == 0 && s.overMemory(c, true) {
				killed = ReasonMemory
				c.Kill()
			}
		case <-kill:
			kill = nil // closed: stop selecting it
			if killed == 0 {
				killed = ReasonShutdown
				c.Kill()
			}
		}
	}
}

// overMemory samples the child's RSS, reports it, and says whether it is
// over the limit.
func (s *slot) overMemory(c Child, busy bool) bool {
	p := s.p
	rss, err := c.RSS()
	if err != nil {
		return false
	}
	s.update(func() { s.rss = rss })
	p.cfg.OnEvent(Event{Kind: EventRSS, Slot: s.n, PID: c.PID(), RSS: rss})
	if p.cfg.MaxChildMemory <= 0 || rss <= p.cfg.MaxChildMemory {
		return false
	}
	p.cfg.Log.Error("child over memory limit; killing it", "child", s.n, "pid", c.PID(), "rss_bytes", rss, "limit_bytes", p.cfg.MaxChildMemory, "busy", busy)
	return true
}

func (s *slot) status(now time.Time) ChildStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ChildStatus{Slot: s.n, State: s.state.String(), Restarts: s.restarts}
	if s.child != nil {
		st.PID, st.JobsDone, st.RSSBytes, st.StartedAt = s.child.PID(), s.jobs, s.rss, s.started
	}
	if s.state == StateBusy {
		st.MatchID = s.matchID
		st.BusyFor = now.Sub(s.since).Seconds()
	}
	return st
}
