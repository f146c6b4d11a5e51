package reprocess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pewstats/collector/child/store"
)

// Plan is what a run would do: the selected matches, which of them have
// their telemetry file, and the tables to replace.
type Plan struct {
	Selection    Selection
	Tables       store.Tables
	Notes        []string // what the table rules added (ParseTables)
	TelemetryDir string

	Selected *Selected
	Files    map[string]File // match id -> its file, for the matches that have one
	Missing  []Match         // selected matches without a telemetry file
}

// NewPlan runs the selection and looks for every selected match's file.
func NewPlan(ctx context.Context, db *sql.DB, sel Selection, tables store.Tables, notes []string, telemetryDir string) (*Plan, error) {
	selected, err := Select(ctx, db, sel)
	if err != nil {
		return nil, err
	}
	p := &Plan{Selection: sel, Tables: tables, Notes: notes, TelemetryDir: telemetryDir, Selected: selected, Files: map[string]File{}}
	for _, m := range selected.Matches {
		if f, ok := locate(telemetryDir, m.ID); ok {
			p.Files[m.ID] = f
		} else {
			p.Missing = append(p.Missing, m)
		}
	}
	return p, nil
}

// Runnable are the selected matches whose file exists, in selection order.
func (p *Plan) Runnable() []Match {
	out := make([]Match, 0, len(p.Files))
	for _, m := range p.Selected.Matches {
		if _, ok := p.Files[m.ID]; ok {
			out = append(out, m)
		}
	}
	return out
}

// ErrNothingToDo means the selection leaves no match to reprocess.
var ErrNothingToDo = errors.New("nothing to do")

// Check returns an error wrapping ErrNothingToDo, saying why, when no
// selected match can be reprocessed.
func (p *Plan) Check() error {
	if len(p.Files) > 0 {
		return nil
	}
	var why []string
	switch {
	case len(p.Selected.Matches) == 0 && len(p.Selected.Unknown) == 0 && len(p.Selected.OtherGameType) == 0:
		why = append(why, "no match in the database fits the selection ("+p.Selection.String()+")")
	case len(p.Selected.Matches) > 0:
		why = append(why, fmt.Sprintf("none of the %d selected matches has a telemetry file under %s (looked for matchID=<id>/%s)",
			len(p.Selected.Matches), p.TelemetryDir, strings.Join(telemetryFileNames, " or ")))
	}
	if n := len(p.Selected.Unknown); n > 0 {
		why = append(why, fmt.Sprintf("%d match id(s) are not in the matches table: %s", n, firstN(p.Selected.Unknown, 5)))
	}
	if n := len(p.Selected.OtherGameType); n > 0 {
		why = append(why, fmt.Sprintf("%d match(es) are of a game type the worker does not process: %s", n, gameTypes(p.Selected.OtherGameType)))
	}
	return fmt.Errorf("%w: %s", ErrNothingToDo, strings.Join(why, "; "))
}

// Print writes the plan for people: what is selected, what is missing,
// which tables, where the messages go.
func (p *Plan) Print(w io.Writer, target string, rate float64, alreadyDone int) {
	fmt.Fprintf(w, "selection:      %s\n", p.Selection.String())
	fmt.Fprintf(w, "matches:        %d selected\n", len(p.Selected.Matches))
	if p.Tables == store.AllTables() {
		fmt.Fprintf(w, "tables:         all (%s)\n", strings.Join(p.Tables.List(), ", "))
	} else {
		fmt.Fprintf(w, "tables:         %s\n", strings.Join(p.Tables.List(), ", "))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "                note: %s\n", n)
	}
	fmt.Fprintf(w, "files:          %d found under %s, %d missing (skipped: file missing)\n", len(p.Files), p.TelemetryDir, len(p.Missing))
	if len(p.Missing) > 0 {
		fmt.Fprintf(w, "                missing, first: %s\n", matchIDs(p.Missing, 5))
	}
	if n := len(p.Selected.Unknown); n > 0 {
		fmt.Fprintf(w, "unknown:        %d match id(s) not in the matches table: %s\n", n, firstN(p.Selected.Unknown, 5))
	}
	if n := len(p.Selected.OtherGameType); n > 0 {
		fmt.Fprintf(w, "not processed:  %d match(es) of another game type (%s): the worker skips them\n", n, gameTypes(p.Selected.OtherGameType))
	}
	todo := len(p.Files) - alreadyDone
	if alreadyDone > 0 {
		fmt.Fprintf(w, "resume:         %d done by the interrupted run, %d left\n", alreadyDone, todo)
	}
	fmt.Fprintf(w, "target:         %s\n", target)
	if rate > 0 && todo > 0 {
		fmt.Fprintf(w, "duration:       at least %s at --rate %g/s\n", time.Duration(float64(todo)/rate*float64(time.Second)).Round(time.Second), rate)
	}
}

func firstN(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(", … (%d more)", len(ids)-n)
}

func matchIDs(ms []Match, n int) string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return firstN(ids, n)
}

func gameTypes(ms []Match) string {
	count := map[string]int{}
	var order []string
	for _, m := range ms {
		if count[m.GameType] == 0 {
			order = append(order, m.GameType)
		}
		count[m.GameType]++
	}
	parts := make([]string, len(order))
	for i, gt := range order {
		parts[i] = fmt.Sprintf("%s %d", gt, count[gt])
	}
	return strings.Join(parts, ", ")
}
