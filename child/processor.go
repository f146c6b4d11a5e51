package child

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/failure"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/telemetry"
	"github.com/pewstats/collector/protocol"
)

// Config is the child's processing configuration.
type Config struct {
	// TelemetryDir is the only directory telemetry files are read from.
	TelemetryDir string
	// MaxTelemetryBytes bounds a file's decompressed size.
	MaxTelemetryBytes int64
}

// processedGameTypes are the only game types whose telemetry is processed;
// the reference skips every other (arcade, custom, event, …) successfully.
var processedGameTypes = map[string]bool{"competitive": true, "official": true}

// Processor processes one message at a time. It implements protocol.Processor.
type Processor struct {
	store *store.Store
	cfg   Config
	log   *slog.Logger

	mu sync.Mutex // one job at a time, as the parent expects
	// buf is the telemetry reader's memory, lent to each match in turn
	// (guarded by mu): a Match read with it lives only inside process.
	buf telemetry.Buffers
}

var _ protocol.Processor = (*Processor)(nil)

// NewProcessor returns a Processor writing through st.
func NewProcessor(st *store.Store, cfg Config, log *slog.Logger) *Processor {
	return &Processor{store: st, cfg: cfg, log: log}
}

// Ping reports whether the database answers.
func (p *Processor) Ping(ctx context.Context) error { return p.store.Ping(ctx) }

// Process runs one job. Processing failures are reported in the Result; the
// error return is reserved for a broken call.
func (p *Processor) Process(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	res := &protocol.Result{Rows: map[string]int64{}, EventsExtracted: map[string]int64{}, TableDurations: map[string]time.Duration{}}
	err := p.process(ctx, job, res)
	res.Timings.Total = time.Since(start)
	if err != nil {
		class, typ := failure.ClassOf(err)
		res.ErrorType, res.ErrorMessage = typ, err.Error()
		switch {
		case errors.Is(err, store.ErrUnknownMatch):
			res.Outcome = protocol.OutcomeUnknownMatch
		case class == failure.Transient:
			res.Outcome = protocol.OutcomeTransient
		default:
			res.Outcome = protocol.OutcomePermanent
		}
		p.log.Error("match processing failed", "match_id", res.MatchID, "attempt", job.Attempt,
			"error_type", typ, "class", class.String(), "error", err.Error())
	}
	return res, nil
}

func (p *Processor) process(ctx context.Context, job *protocol.Job, res *protocol.Result) error {
	msg, err := ParseMessage(job.Body)
	if err != nil {
		return err
	}
	res.MatchID = msg.MatchID
	re := msg.ReprocessRequest()
	if re != nil {
		res.Reprocessed = re.Tables.List()
	}
	// Refuse paths outside the telemetry directory before touching the
	// database: a hostile message must not cost a query. Other file problems
	// (missing, unreadable) surface when the file is read, after the gate,
	// and mark the match failed as the reference does.
	if _, err := telemetry.ResolvePath(p.cfg.TelemetryDir, msg.FilePath); err != nil {
		var te *telemetry.Error
		if errors.As(err, &te) && te.Kind == telemetry.ErrOutsideDir {
			return classifyRead(err)
		}
	}

	state, err := p.store.MatchState(ctx, msg.MatchID)
	if err != nil {
		return err
	}
	gameType := state.GameType
	if gameType == "" {
		gameType = "unknown" // reference: NULL game_type
	}
	if !processedGameTypes[gameType] {
		res.Outcome, res.SkipReason = protocol.OutcomeSkipped, "game_type="+gameType
		p.log.Info(fmt.Sprintf("Match %s has game_type='%s', skipping telemetry event processing", msg.MatchID, gameType),
			"match_id", msg.MatchID, "game_type", gameType)
		return nil
	}
	if re == nil && state.Flags.FullyProcessed() {
		res.Outcome, res.SkipReason = protocol.OutcomeSkipped, "already processed"
		p.log.Info(fmt.Sprintf("Match %s already fully processed, skipping", msg.MatchID), "match_id", msg.MatchID)
		return nil
	}

	readStart := time.Now()
	m, err := telemetry.ReadFile(ctx, msg.FilePath, telemetry.Options{Dir: p.cfg.TelemetryDir, MaxBytes: p.cfg.MaxTelemetryBytes, Buffers: &p.buf})
	res.Timings.Read = time.Since(readStart)
	if err != nil {
		err = classifyRead(err)
		p.markFailed(ctx, msg.MatchID, err)
		return err
	}
	res.TotalEvents = int64(m.TotalEvents)
	if m.Mismatches > 0 {
		p.log.Warn("telemetry fields of an unexpected type were treated as absent",
			"match_id", msg.MatchID, "count", m.Mismatches, "first", m.FirstMismatch)
	}

	info := msg.Info()
	info.GameType = state.GameType
	extractStart := time.Now()
	out, err := p.extract(ctx, m.Events, info, state.Flags, re)
	res.Timings.Extract = time.Since(extractStart)
	if err != nil {
		// A telemetry value the reference would have choked on (e.g. a
		// string isGame) fails the match for good, as there.
		err = classifyRead(err)
		if class, _ := failure.ClassOf(err); class == failure.Permanent {
			p.markFailed(ctx, msg.MatchID, err)
		}
		return err
	}
	res.EventsExtracted = out.extracted

	storeStart := time.Now()
	var written store.Written
	if re != nil {
		written, err = p.store.CommitReprocess(ctx, msg.MatchID, out.steps, *re)
	} else {
		written, err = p.store.CommitMatch(ctx, msg.MatchID, out.steps)
	}
	res.Timings.Store = time.Since(storeStart)
	for t, d := range written.Duration {
		res.TableDurations[t] = d
	}
	if err != nil {
		if class, _ := failure.ClassOf(err); class == failure.Permanent {
			p.markFailed(ctx, msg.MatchID, err)
		}
		return err
	}
	res.Rows, res.RowsDeleted = written.Rows, written.Deleted
	res.Outcome = protocol.OutcomeSuccess
	if re != nil {
		p.log.Info(fmt.Sprintf("Reprocessed match %s: %s", msg.MatchID, re.Tables),
			"match_id", msg.MatchID, "run", re.Run, "rows_deleted", written.Deleted, "rows_written", written.Rows)
	}
	if written.Skipped != 0 {
		// A twin delivery committed these steps while this one was reading
		// the file: nothing of theirs was written again.
		p.log.Info("steps already stored by a concurrent delivery were not written again",
			"match_id", msg.MatchID, "steps", written.Skipped)
	}
	return nil
}

// extract runs the steps whose flags are not yet set, or for a reprocess
// the steps of the requested tables (runsStep).
func (p *Processor) extract(ctx context.Context, events []telemetry.Event, info extract.MatchInfo, flags store.Flags, re *store.Reprocess) (*stepOutput, error) {
	var (
		tracked    map[string]struct{}
		trackedErr error
		loaded     bool
	)
	in := &stepInput{events: events, info: info, tracked: func() (map[string]struct{}, error) {
		if !loaded {
			tracked, trackedErr = p.store.TrackedPlayers(ctx)
			loaded = true
		}
		return tracked, trackedErr
	}}
	out := &stepOutput{extracted: map[string]int64{}}
	for _, s := range steps {
		if !runsStep(re, flags, s.flag) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out.begin(s.flag)
		if err := s.run(in, out); err != nil {
			return nil, fmt.Errorf("extract %s: %w", s.name, err)
		}
		out.keepRequested(re)
	}
	return out, nil
}

// markFailed records the failure on the match as the reference does
// ("Telemetry processing failed: …"). It is best effort: the failure itself
// is what the parent acts on.
func (p *Processor) markFailed(ctx context.Context, matchID string, cause error) {
	if err := p.store.MarkFailed(ctx, matchID, "Telemetry processing failed: "+cause.Error()); err != nil {
		p.log.Warn("could not record failed status on match", "match_id", matchID, "error", err.Error())
	}
}

// classifyRead turns a telemetry read error into a permanent failure typed
// by its kind; anything else (cancellation) keeps its own class.
func classifyRead(err error) error {
	var te *telemetry.Error
	if errors.As(err, &te) {
		return failure.New(failure.Permanent, string(te.Kind), err)
	}
	return err
}
