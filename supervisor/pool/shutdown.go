package pool

import (
	"context"
)

// Shutdown stops the pool, in the spirit of Executor.shutdown(wait,
// cancel_futures). New Submits fail with ErrClosed at once. With
// cancelPending, Submits still waiting for a child give up (ErrClosed). With
// wait, running jobs may finish until ctx is done; whatever is still running
// then (or at once, without wait) is cancelled and its child killed, so its
// Submit returns a *JobError with ReasonShutdown. Finally every child is
// stopped and Shutdown returns when all are gone.
func (p *Pool) Shutdown(ctx context.Context, wait, cancelPending bool) {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	if cancelPending {
		p.pendingOnce.Do(func() { close(p.pending) })
	}
	if wait {
		done := make(chan struct{})
		go func() { p.inFlight.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	p.pendingOnce.Do(func() { close(p.pending) })
	p.cancelJobs()
	p.inFlight.Wait()
	p.cancel()
	p.wg.Wait()
}
