package reprocess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/publisher"
)

// Queue publishes each match's reprocess message to the processing queue
// through the one confirmed publisher (persistent, mandatory, confirmed, a
// deleted queue declared again), so the running fleet does the work. A
// match is Done when the broker has confirmed its message.
type Queue struct {
	Publisher *publisher.Publisher
	QueueName string
}

// Name implements Target.
func (q *Queue) Name() string { return "queue " + q.QueueName }

// Do implements Target.
func (q *Queue) Do(ctx context.Context, m Match, body []byte) Result {
	err := q.Publisher.Publish(ctx, q.QueueName, amqp.Publishing{
		ContentType: "application/json", MessageId: m.ID, Timestamp: time.Now(), Body: body,
	})
	switch {
	case err == nil:
		return Result{Status: Done}
	case ctx.Err() != nil:
		// Not confirmed: it may or may not be in the queue. Not recorded,
		// so a resume publishes it (again, at worst: a second replacement
		// of the same rows).
		return Result{Status: Stopped}
	}
	// A broker that refuses one publish refuses the next: stop, resume
	// later.
	return Result{Status: Failed, Reason: "publish_failed", Detail: err.Error(), Abort: fmt.Errorf("publish to %s: %w", q.QueueName, err)}
}

// Follower watches what the fleet does with a run's published messages:
// processed ones have a reprocess_log row (committed with their rows),
// failed ones are in the failed queue with a reprocess_ reason.
type Follower struct {
	DB  *sql.DB
	Run string
	// ScanFailed returns the failed queue's messages of the run by match id
	// (nil: failures are not looked for).
	ScanFailed func(ctx context.Context) (map[string]Failure, error)
	// StallTimeout is how long nothing may move before the wait is given
	// up (default 10m).
	StallTimeout time.Duration
	// poll is how often the log is counted (default 1s).
	poll     time.Duration
	Progress *Progress
	Now      func() time.Time
}

// FollowResult is what the fleet did with the published messages.
type FollowResult struct {
	Published, Processed int
	Failed               []Failure
	GaveUp               bool // nothing moved for StallTimeout
	Stopped              bool // the command was interrupted while waiting
	StallTimeout         time.Duration
}

// Err is nil when every published message was processed.
func (f *FollowResult) Err() error {
	switch {
	case f.Stopped:
		return errors.New("interrupted while waiting for the workers; the published messages stay in the queue and are processed anyway")
	case len(f.Failed) > 0:
		return fmt.Errorf("%d reprocess message(s) failed (see `collector failed`)", len(f.Failed))
	case f.GaveUp:
		return fmt.Errorf("%d published message(s) not processed after waiting %s with no progress (are workers consuming the queue?)", f.Published-f.Processed-len(f.Failed), f.StallTimeout)
	}
	return nil
}

// Print adds the fleet's side to a summary.
func (f *FollowResult) Print(w io.Writer) {
	fmt.Fprintf(w, "  processed by workers:  %d of %d published\n", f.Processed, f.Published)
	fmt.Fprintf(w, "  failed in the queue:   %d\n", len(f.Failed))
	printFailures(w, f.Failed)
	if left := f.Published - f.Processed - len(f.Failed); left > 0 {
		fmt.Fprintf(w, "  not yet processed:     %d (still queued or in flight)\n", left)
	}
}

// Wait follows published messages of the run until each is processed or
// failed, nothing moves for StallTimeout, or ctx ends.
func (f *Follower) Wait(ctx context.Context, published int) *FollowResult {
	poll, stall := f.poll, f.StallTimeout
	if poll <= 0 {
		poll = time.Second
	}
	if stall <= 0 {
		stall = 10 * time.Minute
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	res := &FollowResult{Published: published, StallTimeout: stall}
	f.Progress.Start("processed by workers", published)
	defer f.Progress.Finish()
	lastMove, lastSeen := f.Now(), -1
	lastScan := time.Time{}
	failed := map[string]Failure{}
	for {
		n, err := f.processed(ctx)
		if err == nil {
			res.Processed = n
		}
		// The failed queue is read (and put back) when the log stops
		// moving, and at most every 15s: reading it holds its messages
		// unacked for a moment.
		settled := res.Processed + len(failed)
		if f.ScanFailed != nil && settled < published && f.Now().Sub(lastScan) >= 15*time.Second && settled == lastSeen {
			if m, err := f.ScanFailed(ctx); err == nil {
				failed = m
			}
			lastScan = f.Now()
			settled = res.Processed + len(failed)
		}
		if settled != lastSeen {
			lastSeen, lastMove = settled, f.Now()
		}
		f.Progress.Set(map[string]int{"done": res.Processed, "failed": len(failed)}, []string{"done", "failed"})
		if settled >= published {
			break
		}
		if f.Now().Sub(lastMove) >= stall {
			res.GaveUp = true
			break
		}
		t := time.NewTimer(poll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			res.Stopped = true
			res.Failed = failuresOf(failed)
			return res
		}
	}
	res.Failed = failuresOf(failed)
	return res
}

func (f *Follower) processed(ctx context.Context) (int, error) {
	var n int
	err := f.DB.QueryRowContext(ctx, `SELECT count(*) FROM reprocess_log WHERE run_id = $1`, f.Run).Scan(&n)
	return n, err
}

func failuresOf(m map[string]Failure) []Failure {
	out := make([]Failure, 0, len(m))
	for _, id := range sortedKeys(m) {
		out = append(out, m[id])
	}
	return out
}

// FailedScanner reads the failed queue for a run's messages without
// removing any: every message is fetched unacked and returned to the queue
// when the channel closes (as `collector failed` lists them). At most limit
// messages are read.
func FailedScanner(conn *amqp.Connection, cfg consumer.Config, run string, limit int) func(ctx context.Context) (map[string]Failure, error) {
	return func(ctx context.Context) (map[string]Failure, error) {
		ch, err := conn.Channel()
		if err != nil {
			return nil, fmt.Errorf("open channel to read %s: %w", cfg.FailedQueue(), err)
		}
		defer ch.Close() // returns every message fetched
		out := map[string]Failure{}
		for range limit {
			if ctx.Err() != nil {
				break
			}
			d, ok, err := ch.Get(cfg.FailedQueue(), false)
			if err != nil {
				var ae *amqp.Error
				if errors.As(err, &ae) && ae.Code == amqp.NotFound {
					return out, nil // no failed queue yet: nothing failed
				}
				return nil, fmt.Errorf("read %s: %w", cfg.FailedQueue(), err)
			}
			if !ok {
				break
			}
			var m struct {
				MatchID string `json:"match_id"`
				Run     string `json:"reprocess_run"`
			}
			if json.Unmarshal(d.Body, &m) != nil || m.Run != run {
				continue
			}
			reason, _ := d.Headers[consumer.HeaderFailureReason].(string)
			typ, _ := d.Headers[consumer.HeaderErrorType].(string)
			msg, _ := d.Headers[consumer.HeaderErrorMessage].(string)
			out[m.MatchID] = Failure{MatchID: m.MatchID, Reason: reason, Detail: typ + ": " + msg}
		}
		return out, nil
	}
}
