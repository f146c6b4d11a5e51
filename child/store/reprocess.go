package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/failure"
)

// Reprocess asks a match transaction to replace some tables' rows instead of
// filling what is missing: `collector reprocess` after an extraction rule
// changed, or to fill history the Python worker left empty or wrong.
type Reprocess struct {
	Tables Tables
	// Run identifies the `collector reprocess` run in reprocess_log; "" for
	// a reprocess message published by hand.
	Run string
}

// CommitReprocess replaces the rows of re.Tables for the match with the
// steps' rows, in one transaction under the same per-match advisory lock as
// CommitMatch (it is CommitMatch with three differences):
//
//   - a requested step is written whatever its flag says;
//   - before a step's writers run, the match's rows in the step's requested
//     tables are deleted (a fight's participants before the fight; for
//     match_summaries, whose rows belong to the summary service, the
//     enhanced-stat columns are reset to their column defaults instead, so
//     the update that follows leaves exactly the new values);
//   - a reprocess_log row records the run, the tables and the rows deleted
//     and written, in the same transaction.
//
// Flags are set as usual (flag OR stored rows), and the match is marked
// completed. The steps must be exactly the requested steps, and their
// writers may only write requested tables: a table not asked for is never
// touched, so its rows and row ids stay as they are.
//
// Why this cannot double or empty a table when it races a normal delivery
// of the same match, or another reprocess: all of them take the lock
// first. A reprocess that commits first sets the flags of the steps that
// stored rows, so a normal delivery after it skips those steps; one that
// commits second deletes what the normal delivery wrote and writes the same
// extraction once. Two reprocesses each delete and write the whole table.
func (s *Store) CommitReprocess(ctx context.Context, matchID string, steps []Step, re Reprocess) (Written, error) {
	want := re.Tables.Steps()
	if want == 0 {
		return Written{}, failure.Permanentf("InternalError", "store: reprocess of match %s names no table", matchID)
	}
	var got Flags
	for _, st := range steps {
		if !want.Has(st.Flag) {
			return Written{}, failure.Permanentf("InternalError", "store: reprocess of %s for match %s was given step %s, which writes none of them", re.Tables, matchID, st.Flag)
		}
		for _, tw := range st.Writers {
			if !re.Tables.Has(tw.Table()) {
				return Written{}, failure.Permanentf("InternalError", "store: reprocess of %s for match %s was given a writer of %s", re.Tables, matchID, tw.Table())
			}
		}
		got = got.With(st.Flag)
	}
	if got != want {
		return Written{}, failure.Permanentf("InternalError", "store: reprocess of %s for match %s lacks the step of some table (steps %v, want %v)", re.Tables, matchID, got.List(), want.List())
	}
	return s.commit(ctx, matchID, steps, &re)
}

// replaces reports whether step f is reprocessed (nil: a normal commit).
func (re *Reprocess) replaces(f Flag) bool { return re != nil && re.Tables.Steps().Has(f) }

// clear empties step f's requested tables for the match before the step's
// writers run; a no-op for a normal commit or a step not requested.
func (re *Reprocess) clear(ctx context.Context, tx *sql.Tx, matchID string, f Flag, w *Written) error {
	if !re.replaces(f) {
		return nil
	}
	for _, table := range re.Tables.Of(f) {
		start := time.Now()
		n, err := clearTable(ctx, tx, matchID, table)
		w.Duration[table] += time.Since(start)
		if err != nil {
			return fmt.Errorf("store: empty %s of match %s to reprocess it: %w", table, matchID, err)
		}
		if w.Deleted == nil {
			w.Deleted = map[string]int64{}
		}
		w.Deleted[table] += n
	}
	return nil
}

// enhancedColumns are the match_summaries columns the enhanced_stats step
// writes (EnhancedStats); TestEnhancedColumnsAreTheWritersColumns keeps the
// two lists equal.
var enhancedColumns = []string{
	"heals_used", "boosts_used", "throwables_used", "smokes_thrown",
	"killsteals", "throwable_damage", "damage_received",
	"avg_distance_from_center", "avg_distance_from_edge",
	"max_distance_from_center", "min_distance_from_edge",
	"time_outside_zone_seconds",
}

// clearStatements empty one table's rows of match $1. Table names come from
// this list only, never from a message.
var clearStatements = func() map[string]string {
	m := map[string]string{}
	for _, t := range reprocessTables {
		m[t.name] = "DELETE FROM " + t.name + " WHERE match_id = $1"
	}
	// A participant whose match_id is missing or wrong still references a
	// fight of this match, and would stop the fight's deletion (foreign key).
	m["fight_participants"] = `DELETE FROM fight_participants
		WHERE match_id = $1 OR fight_id IN (SELECT id FROM team_fights WHERE match_id = $1)`
	// The summary service owns these rows: only the columns this worker
	// writes go back to their defaults (what a row has before its first
	// processing), so that the update after it leaves exactly the new values
	// where the normal update's COALESCE(new, current) keeps stale ones.
	set := make([]string, len(enhancedColumns))
	for i, c := range enhancedColumns {
		set[i] = c + " = DEFAULT"
	}
	m["match_summaries"] = "UPDATE match_summaries SET " + strings.Join(set, ", ") + ", updated_at = NOW() WHERE match_id = $1"
	return m
}()

func clearTable(ctx context.Context, tx *sql.Tx, matchID, table string) (int64, error) {
	q, ok := clearStatements[table]
	if !ok {
		return 0, failure.Permanentf("InternalError", "store: no way to empty table %q", table)
	}
	res, err := tx.ExecContext(ctx, q, matchID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// record writes the match's reprocess_log row; a no-op for a normal commit.
// A second commit of the same run on the same match (its message published
// twice) replaces the counts and raises commits.
func (re *Reprocess) record(ctx context.Context, tx *sql.Tx, matchID string, w Written) error {
	if re == nil {
		return nil
	}
	deleted, err := countsJSON(re.Tables, w.Deleted)
	if err != nil {
		return err
	}
	written, err := countsJSON(re.Tables, w.Rows)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO reprocess_log (run_id, match_id, tables, rows_deleted, rows_written)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (run_id, match_id) DO UPDATE SET
			tables = EXCLUDED.tables, rows_deleted = EXCLUDED.rows_deleted, rows_written = EXCLUDED.rows_written,
			commits = reprocess_log.commits + 1, reprocessed_at = NOW()`,
		re.Run, matchID, pq.StringArray(re.Tables.List()), deleted, written)
	if err != nil {
		return fmt.Errorf("store: record reprocess of match %s in reprocess_log (run `collector migrate`?): %w", matchID, err)
	}
	return nil
}

// countsJSON is {"table": n} for every requested table, zeros included.
func countsJSON(t Tables, counts map[string]int64) (string, error) {
	m := make(map[string]int64, len(t.List()))
	for _, name := range t.List() {
		m[name] = counts[name]
	}
	b, err := json.Marshal(m)
	return string(b), err
}
