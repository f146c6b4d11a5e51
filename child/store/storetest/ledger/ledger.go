// Package ledger fingerprints what the collector stored for a match, table
// by table, so that a run under faults can be compared with a clean run of
// the same matches: every one of the twelve outputs, every row, every
// column that the telemetry decides.
//
// The matches output is the row's status and processing flags.
//
// A table's fingerprint is its row count and an MD5 over the sorted JSON
// text of its rows with the columns the database fills by itself removed
// (serial ids, created_at, updated_at). Fight participants refer to their
// fight by serial id, so the id is replaced by the fight's own content.
// Sorting makes the fingerprint independent of insert order; a doubled row
// changes both the count and the checksum.
//
// It is test and tooling code (make chaos, the end-to-end tests); nothing in
// the product imports it.
package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/pewstats/collector/child/store"
)

// volatile are the columns PostgreSQL fills (ids, timestamps of the write);
// they differ between two correct runs and are left out.
const volatile = `'id', 'created_at', 'updated_at'`

// Output is one of the things a processed match leaves in the database.
type Output struct {
	Name string
	// query selects one text per stored row of match $1.
	query string
}

// row is the canonical text of a row: its JSON without volatile columns.
func row(alias string) string {
	return fmt.Sprintf("(to_jsonb(%s) - ARRAY[%s])::text", alias, volatile)
}

// Outputs are the twelve outputs of a match, in the order of the reference's
// process_message.
var Outputs = []Output{
	{"matches", "SELECT concat_ws(',', status, " + flagColumns() + ") FROM matches WHERE match_id = $1"},
	{"landings", "SELECT " + row("t") + " FROM landings t WHERE match_id = $1"},
	{"kill_positions", "SELECT " + row("t") + " FROM kill_positions t WHERE match_id = $1"},
	{"weapon_kill_events", "SELECT " + row("t") + " FROM weapon_kill_events t WHERE match_id = $1"},
	{"player_damage_events", "SELECT " + row("t") + " FROM player_damage_events t WHERE match_id = $1"},
	{"player_knock_events", "SELECT " + row("t") + " FROM player_knock_events t WHERE match_id = $1"},
	{"player_finishing_summary", "SELECT " + row("t") + " FROM player_finishing_summary t WHERE match_id = $1"},
	{"team_fights", "SELECT " + row("t") + " FROM team_fights t WHERE match_id = $1"},
	{"fight_participants", `SELECT ((to_jsonb(p) - ARRAY[` + volatile + `, 'fight_id'])
		|| jsonb_build_object('fight', to_jsonb(f) - ARRAY[` + volatile + `]))::text
		FROM fight_participants p LEFT JOIN team_fights f ON f.id = p.fight_id WHERE p.match_id = $1`},
	// match_summaries rows are seeded before processing; the worker only
	// updates their enhanced columns, so the whole row is compared.
	{"match_summaries", "SELECT " + row("t") + " FROM match_summaries t WHERE match_id = $1"},
	{"player_circle_positions", "SELECT " + row("t") + " FROM player_circle_positions t WHERE match_id = $1"},
	{"player_match_weapon_distribution", "SELECT " + row("t") + " FROM player_match_weapon_distribution t WHERE match_id = $1"},
}

// flagColumns lists every processing flag column (store owns the list).
func flagColumns() string {
	cols := make([]string, 0, 9)
	for _, f := range store.AllFlags() {
		cols = append(cols, f.Column())
	}
	return strings.Join(cols, ", ")
}

// Sum is one output's fingerprint for one match.
type Sum struct {
	Rows     int
	Checksum string // MD5 of the sorted row texts; "" for no rows
}

func (s Sum) String() string {
	if s.Rows == 0 {
		return "0 rows"
	}
	return fmt.Sprintf("%d rows %s", s.Rows, s.Checksum[:8])
}

// Match is a match's fingerprint: output name -> Sum.
type Match map[string]Sum

// Total is the number of rows over all outputs but matches.
func (m Match) Total() int {
	n := 0
	for name, s := range m {
		if name != "matches" {
			n += s.Rows
		}
	}
	return n
}

// Snapshot fingerprints every output of each match.
func Snapshot(ctx context.Context, db *sql.DB, matchIDs []string) (map[string]Match, error) {
	out := make(map[string]Match, len(matchIDs))
	for _, id := range matchIDs {
		m := Match{}
		for _, o := range Outputs {
			q := `SELECT count(*), coalesce(md5(string_agg(r, E'\n' ORDER BY r)), '') FROM (` + o.query + `) AS s(r)`
			var s Sum
			if err := db.QueryRowContext(ctx, q, id).Scan(&s.Rows, &s.Checksum); err != nil {
				return nil, fmt.Errorf("ledger: %s of match %s: %w", o.Name, id, err)
			}
			m[o.Name] = s
		}
		out[id] = m
	}
	return out, nil
}

// Diff lists, one line per difference, where got differs from want. Matches
// absent from got are compared as if they had no rows anywhere.
func Diff(want, got map[string]Match) []string {
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var diffs []string
	for _, id := range ids {
		for _, o := range Outputs {
			w, g := want[id][o.Name], got[id][o.Name]
			if w != g {
				diffs = append(diffs, fmt.Sprintf("match %s %s: got %s, want %s", id, o.Name, g, w))
			}
		}
	}
	return diffs
}

// Table renders per-output totals over all matches as a fixed-width table:
// rows expected, rows found, matches whose output differs (lost or
// doubled rows, or different content).
func Table(want, got map[string]Match) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %10s %10s %10s\n", "output", "expected", "found", "differing")
	for _, o := range Outputs {
		var we, gf, bad int
		for id, w := range want {
			we += w[o.Name].Rows
			gf += got[id][o.Name].Rows
			if w[o.Name] != got[id][o.Name] {
				bad++
			}
		}
		fmt.Fprintf(&b, "%-34s %10d %10d %10d\n", o.Name, we, gf, bad)
	}
	return b.String()
}
