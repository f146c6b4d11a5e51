package reprocess

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pewstats/collector/protocol"
	"github.com/pewstats/collector/supervisor/pool"
)

// Local runs each match's message on a local pool of `collector child`
// processes (supervisor/pool, with the children the supervisor starts), no
// broker involved. It settles a message the way the supervisor would:
// a transient failure is retried with a growing pause up to
// MaxTransientAttempts, a job that crashed, hung or ran out of memory up to
// MaxAttempts deliveries, and the failure reasons are the supervisor's
// (reprocess_permanent, reprocess_crash, …).
type Local struct {
	Pool                 *pool.Pool
	MaxAttempts          int
	MaxTransientAttempts int
	// transientDelay is the first pause after a transient failure; it
	// doubles up to 30s.
	transientDelay time.Duration
}

// Name implements Target.
func (l *Local) Name() string { return fmt.Sprintf("local pool of %d children", l.Pool.Size()) }

// Do implements Target.
func (l *Local) Do(ctx context.Context, m Match, body []byte) Result {
	maxAttempts, maxTransient := max(1, l.MaxAttempts), max(1, l.MaxTransientAttempts)
	delay := l.transientDelay
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	attempt, transient := 1, 0
	for {
		res, err := l.Pool.Submit(ctx, &protocol.Job{Body: body, Attempt: attempt, ID: m.ID, MatchID: m.ID})
		var je *pool.JobError
		switch {
		case err == nil:
		case errors.As(err, &je) && je.Reason != pool.ReasonShutdown:
			if attempt >= maxAttempts {
				return Result{Status: Failed, Reason: reprocessReason(string(je.Reason)), Detail: je.Error()}
			}
			attempt++
			continue
		default: // shutting down, or ctx ended while waiting for a child
			return Result{Status: Stopped}
		}
		switch res.Outcome {
		case protocol.OutcomeSuccess:
			return Result{Status: Done, Written: res.Rows, Deleted: res.RowsDeleted}
		case protocol.OutcomeSkipped:
			return Result{Status: Skipped, Reason: res.SkipReason}
		case protocol.OutcomePermanent:
			return Result{Status: Failed, Reason: reprocessReason("permanent"), Detail: res.ErrorType + ": " + res.ErrorMessage}
		case protocol.OutcomeUnknownMatch:
			return Result{Status: Failed, Reason: reprocessReason("unknown_match"), Detail: res.ErrorType + ": " + res.ErrorMessage}
		}
		transient++
		if transient >= maxTransient {
			return Result{Status: Failed, Reason: reprocessReason("transient_exhausted"),
				Detail: fmt.Sprintf("%d transient failures; last: %s: %s", transient, res.ErrorType, res.ErrorMessage)}
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return Result{Status: Stopped}
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// reprocessReason is the supervisor's failure reason of a reprocess
// message (supervisor/reprocess.go), so a local run and the queue report
// the same words.
func reprocessReason(reason string) string { return "reprocess_" + reason }
