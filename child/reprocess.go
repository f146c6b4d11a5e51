package child

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/pewstats/collector/child/store"
)

// A reprocess message is a normal queue message plus a "reprocess" list of
// tables (store.ParseTables), published by `collector reprocess`. For it the
// processor changes three things and nothing else:
//
//   - the "already fully processed" skip does not apply (the game_type gate
//     still does: a custom match stays unprocessed);
//   - exactly the steps that write a requested table run, whatever their
//     flags say, and only the requested tables' writers are kept (a step
//     that writes two tables writes only the requested one); steps writing
//     nothing requested do not run, even when their flag is false;
//   - the rows go through store.CommitReprocess, which deletes the match's
//     rows in those tables and writes the new ones in one transaction.

// parseReprocess reads the message's reprocess field: nil for a normal
// message (absent or null), an error naming the problem for anything that
// is not a valid list of tables.
func parseReprocess(raw json.RawMessage, run string) (*store.Reprocess, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		if run != "" {
			return nil, fmt.Errorf("reprocess_run %q is set but reprocess is missing", run)
		}
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		return nil, fmt.Errorf("reprocess must be a list of table names or [\"all\"], got %s", truncate(string(raw), 80))
	}
	tables, _, err := store.ParseTables(names)
	if err != nil {
		return nil, err
	}
	return &store.Reprocess{Tables: tables, Run: run}, nil
}

// ReprocessRequest is the message's validated reprocess request, nil for a
// normal message.
func (m *Message) ReprocessRequest() *store.Reprocess { return m.reprocess }

// runsStep reports whether step f runs for this delivery: for a reprocess,
// exactly the steps writing a requested table; otherwise the steps whose
// flag is not set yet.
func runsStep(re *store.Reprocess, flags store.Flags, f store.Flag) bool {
	if re != nil {
		return re.Tables.Steps().Has(f)
	}
	return !flags.Has(f)
}

// keepRequested drops, from the step just run, the writers of tables the
// reprocess did not ask for; a no-op for a normal delivery.
func (o *stepOutput) keepRequested(re *store.Reprocess) {
	if re == nil || len(o.steps) == 0 {
		return
	}
	cur := &o.steps[len(o.steps)-1]
	kept := cur.Writers[:0]
	for _, w := range cur.Writers {
		if re.Tables.Has(w.Table()) {
			kept = append(kept, w)
		}
	}
	cur.Writers = kept
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
