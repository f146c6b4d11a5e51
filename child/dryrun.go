package child

import (
	"context"
	"fmt"

	"github.com/pewstats/collector/child/failure"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/telemetry"
)

// DryRunReport is what --dry-run prints: the extraction, no database.
type DryRunReport struct {
	MatchID     string              `json:"match_id"`
	TotalEvents int                 `json:"total_events"`
	Kept        int                 `json:"events_kept"`
	Rows        map[string]int      `json:"rows"`
	Extracted   map[string]int64    `json:"events_extracted"`
	Flags       store.Flags         `json:"flags_that_would_be_set"`
	Tables      []store.TableWriter `json:"tables,omitempty"`
	Note        string              `json:"note,omitempty"`
}

// lenner is implemented by table writers that can count their rows.
type lenner interface{ Len() int }

// DryRun reads the message's file and runs every extraction step, without a
// database. Damage events and circle positions are filtered by tracked, the
// given set of player names standing in for the players table.
func DryRun(ctx context.Context, body []byte, cfg Config, tracked map[string]struct{}, withRows bool) (*DryRunReport, error) {
	msg, err := ParseMessage(body)
	if err != nil {
		return nil, err
	}
	m, err := telemetry.ReadFile(ctx, msg.FilePath, telemetry.Options{Dir: cfg.TelemetryDir, MaxBytes: cfg.MaxTelemetryBytes})
	if err != nil {
		return nil, classifyRead(err)
	}
	in := &stepInput{events: m.Events, info: msg.Info(), tracked: func() (map[string]struct{}, error) { return tracked, nil }}
	out := &stepOutput{extracted: map[string]int64{}}
	for _, s := range steps {
		out.begin(s.flag)
		if err := s.run(in, out); err != nil {
			return nil, failure.New(failure.Permanent, "ExtractionError", fmt.Errorf("extract %s: %w", s.name, err))
		}
	}
	rep := &DryRunReport{MatchID: msg.MatchID, TotalEvents: m.TotalEvents, Kept: len(m.Events), Rows: map[string]int{}, Extracted: out.extracted,
		Note: "dry run: nothing was written; the tracked-player filter used --tracked-players"}
	for _, st := range out.steps {
		n := 0
		for _, w := range st.Writers {
			if l, ok := w.(lenner); ok {
				rep.Rows[w.Table()] += l.Len()
				n += l.Len()
			}
		}
		if n > 0 {
			rep.Flags = rep.Flags.With(st.Flag)
		}
	}
	if withRows {
		rep.Tables = out.writers()
	}
	return rep, nil
}
