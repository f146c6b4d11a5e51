package protocol

import (
	"context"
	"time"
)

// Outcome is how a job ended. It decides what the parent does with the message.
type Outcome int

const (
	OutcomeUnspecified Outcome = iota
	// OutcomeSuccess: rows written and committed; ack.
	OutcomeSuccess
	// OutcomeSkipped: nothing to do (game type not processed, already done); ack.
	OutcomeSkipped
	// OutcomePermanent: the same input would fail again; dead-letter then ack.
	OutcomePermanent
	// OutcomeTransient: may succeed later (database down, deadlock); requeue.
	OutcomeTransient
	// OutcomeUnknownMatch: the match is not in the database; dead-letter
	// with reason unknown_match (requeue-able once discovery stored it).
	OutcomeUnknownMatch
)

func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomeSkipped:
		return "skipped"
	case OutcomePermanent:
		return "permanent_failure"
	case OutcomeTransient:
		return "transient_failure"
	case OutcomeUnknownMatch:
		return "unknown_match"
	default:
		return "unspecified"
	}
}

// Job is one queue message handed to a child.
type Job struct {
	// Body is the raw message body.
	Body []byte
	// Attempt is the delivery attempt as the parent counts it, from 1.
	Attempt int
	// ID identifies the job in logs.
	ID string
	// MatchID is the parent's reading of the body's match_id, for its own
	// status view; it does not travel to the child, which reads the body.
	MatchID string
}

// Timings break down where a job spent its time.
type Timings struct {
	Read    time.Duration // open, decompress, parse
	Extract time.Duration
	Store   time.Duration // the database transaction
	Total   time.Duration
}

// Result is what a child reports for a job.
type Result struct {
	Outcome      Outcome
	ErrorType    string // short class for metrics/logs, e.g. "FileNotFound"
	ErrorMessage string
	MatchID      string
	SkipReason   string
	// Rows written per table in the job's transaction.
	Rows map[string]int64
	// Reprocessed lists the tables of a reprocess message (nil for a normal
	// one); RowsDeleted the rows the reprocess removed per table before
	// writing (for match_summaries: rows whose enhanced columns it reset).
	Reprocessed []string
	RowsDeleted map[string]int64
	// EventsExtracted per reference event_type label.
	EventsExtracted map[string]int64
	// TableDurations is database time per table.
	TableDurations map[string]time.Duration
	Timings        Timings
	TotalEvents    int64
}

// Failed reports whether the outcome is a failure of either kind.
func (r *Result) Failed() bool {
	return r.Outcome == OutcomePermanent || r.Outcome == OutcomeTransient || r.Outcome == OutcomeUnknownMatch
}

// Processor is implemented by the child and called by the parent.
type Processor interface {
	// Process runs one job to completion. A non-nil error means the call
	// itself failed (child gone, RPC broken); processing failures are
	// reported in the Result.
	Process(ctx context.Context, job *Job) (*Result, error)
	// Ping answers when the processor is ready to take a job.
	Ping(ctx context.Context) error
}
