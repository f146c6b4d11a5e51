package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/failure"
)

// TableWriter writes one table's rows of a match inside the job transaction.
type TableWriter interface {
	// Table is the table name, used for row counts and timings.
	Table() string
	// Write writes the rows and returns how many were stored.
	Write(ctx context.Context, tx *sql.Tx) (int64, error)
}

// Step is one extraction step's output for the match transaction: the flag
// the step owns and the writers of its tables. A writer reaches the database
// only through a Step, so it cannot be written without its flag's gate.
type Step struct {
	Flag    Flag
	Writers []TableWriter
}

// Written reports what a commit stored.
type Written struct {
	Rows     map[string]int64
	Duration map[string]time.Duration
	// Set are the flags this commit turned on; Skipped the steps whose flag
	// a concurrent delivery had set first (their tables were not touched).
	Set, Skipped Flags
	// Deleted counts the rows a reprocess removed before writing, per table
	// (CommitReprocess; for match_summaries, rows whose enhanced columns it
	// reset). Nil for a normal commit.
	Deleted map[string]int64
}

// lockMatchSQL serializes the commits of one match; flagsSQL re-reads its
// flags once the lock is held. They stay two statements: a statement's
// snapshot is taken when it starts, so flags read by the statement that
// waited for the lock could predate a twin's commit.
var (
	lockMatchSQL = prepared(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7261))`)
	flagsSQL     = prepared("SELECT " + flagSelectList + " FROM matches WHERE match_id = $1")
)

// prepare readies the store's prepared statements (once per store, then
// once per connection as each meets them) and hands them to the writers
// through the context.
func (s *Store) prepare(ctx context.Context) context.Context {
	s.stmts.prepareAll(ctx, s.db)
	return withStatements(ctx, &s.stmts)
}

// CommitMatch writes the steps' tables, sets their flags and marks the
// match 'completed', all in one transaction: a child killed mid-way leaves
// nothing behind.
//
// It is written for a concurrent twin of itself: two deliveries of one match
// can run at once in different children or supervisors, and a retry can
// follow a commit whose ack was lost. A transaction-scoped advisory lock on
// the match id serializes them, and the flags are re-read under it; a step
// whose flag is already set is skipped whole, so the second commit writes
// only what the first did not. A step's flag is set when its tables received
// at least one row (the reference's bool(rows)); a step that stored nothing
// runs again on the next delivery.
func (s *Store) CommitMatch(ctx context.Context, matchID string, steps []Step) (Written, error) {
	return s.commit(ctx, matchID, steps, nil)
}

// commit is CommitMatch, or CommitReprocess when re is set (reprocess.go:
// requested steps run whatever their flag, their tables are emptied first,
// and the run is logged).
func (s *Store) commit(ctx context.Context, matchID string, steps []Step, re *Reprocess) (Written, error) {
	w := Written{Rows: map[string]int64{}, Duration: map[string]time.Duration{}}
	var seen Flags
	for _, st := range steps {
		if !st.Flag.Valid() || seen.Has(st.Flag) {
			return w, failure.Permanentf("InternalError", "store: step with flag %d is invalid or repeated", st.Flag)
		}
		seen = seen.With(st.Flag)
	}
	ctx = s.prepare(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return w, Classify(fmt.Errorf("store: begin transaction for match %s: %w", matchID, err))
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := execTx(ctx, tx, lockMatchSQL, matchID); err != nil {
		return w, Classify(fmt.Errorf("store: lock match %s: %w", matchID, err))
	}
	current, err := scanFlags(queryRowTx(ctx, tx, flagsSQL, matchID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return w, unknownMatch(matchID)
	}
	if err != nil {
		return w, Classify(fmt.Errorf("store: re-read flags of match %s: %w", matchID, err))
	}
	for _, st := range steps {
		if current.Has(st.Flag) && !re.replaces(st.Flag) {
			w.Skipped = w.Skipped.With(st.Flag)
			continue
		}
		if err := re.clear(ctx, tx, matchID, st.Flag, &w); err != nil {
			return w, Classify(err)
		}
		var stored int64
		for _, tw := range st.Writers {
			start := time.Now()
			n, err := tw.Write(ctx, tx)
			w.Duration[tw.Table()] += time.Since(start)
			if err != nil {
				return w, Classify(fmt.Errorf("store: write %s for match %s: %w", tw.Table(), matchID, err))
			}
			w.Rows[tw.Table()] += n
			stored += n
			if s.afterWrite != nil {
				if err := s.afterWrite(tw.Table()); err != nil {
					return w, Classify(fmt.Errorf("store: after writing %s for match %s: %w", tw.Table(), matchID, err))
				}
			}
		}
		if stored > 0 {
			w.Set = w.Set.With(st.Flag)
		}
	}
	if err := re.record(ctx, tx, matchID, w); err != nil {
		return w, Classify(err)
	}
	start := time.Now()
	if _, err := execTx(ctx, tx, setFlagsSQL, setFlagsArgs(matchID, w.Set)...); err != nil {
		return w, Classify(fmt.Errorf("store: update flags of match %s: %w", matchID, err))
	}
	if err := tx.Commit(); err != nil {
		return w, Classify(fmt.Errorf("store: commit match %s: %w", matchID, err))
	}
	w.Duration["matches"] += time.Since(start)
	return w, nil
}

// CopyRows bulk-loads n rows into table with COPY FROM STDIN. row(i) returns
// the values of row i in column order (nil for NULL).
func CopyRows(ctx context.Context, tx *sql.Tx, table string, columns []string, n int, row func(i int) []any) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	stmt, err := tx.PrepareContext(ctx, copyStatement(table, columns))
	if err != nil {
		return 0, fmt.Errorf("prepare COPY %s: %w", table, err)
	}
	for i := range n {
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			stmt.Close()
			return 0, fmt.Errorf("COPY %s row %d: %w", table, i, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return 0, fmt.Errorf("flush COPY %s: %w", table, err)
	}
	if err := stmt.Close(); err != nil {
		return 0, fmt.Errorf("close COPY %s: %w", table, err)
	}
	return int64(n), nil
}

// copyStatement is COPY table (columns) FROM STDIN with quoted identifiers;
// lib/pq turns a prepared COPY into its bulk-load protocol.
func copyStatement(table string, columns []string) string {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	return "COPY " + pq.QuoteIdentifier(table) + " (" + strings.Join(quoted, ", ") + ") FROM STDIN"
}

// UpsertRows keeps the reference's conflict behaviour on a table with a
// unique key: the n rows go in as one JSON parameter, expanded by
// json_populate_recordset over the table's own row type, and are moved with
// one INSERT … SELECT … <onConflict>. It returns the rows the INSERT
// affected. Each value is converted by the input function of the target
// column's type and typmod from the same text COPY received, so it stores
// what COPY into a staging table of the target's shape stored, without
// creating one. onConflict is a fixed SQL fragment from the caller, e.g.
// "ON CONFLICT (match_id, player_name) DO UPDATE SET x = EXCLUDED.x".
func UpsertRows(ctx context.Context, tx *sql.Tx, table string, columns []string, onConflict string, n int, row func(i int) []any) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	records, err := jsonRecords(columns, n, row)
	if err != nil {
		return 0, err
	}
	res, err := execTx(ctx, tx, upsertStatement(table, columns, onConflict), records)
	if err != nil {
		return 0, fmt.Errorf("upsert %s: %w", table, err)
	}
	affected, _ := res.RowsAffected()
	return affected, nil
}

// CopyUpsert is UpsertRows, under the name it had when it loaded a
// temporary staging table with COPY.
//
// Deprecated: use UpsertRows.
func CopyUpsert(ctx context.Context, tx *sql.Tx, table string, columns []string, onConflict string, n int, row func(i int) []any) (int64, error) {
	return UpsertRows(ctx, tx, table, columns, onConflict, n, row)
}

// upsertStatement is UpsertRows' statement; writers register theirs for
// preparation with prepared(upsertStatement(…)).
func upsertStatement(table string, columns []string, onConflict string) string {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	cols := strings.Join(quoted, ", ")
	t := pq.QuoteIdentifier(table)
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM json_populate_recordset(NULL::%s, $1::json) %s", t, cols, cols, t, onConflict)
}

// MatchDatetime is the match_datetime column value: the message's text, so
// PostgreSQL parses it per column type as it parsed the reference's string.
// Without the text (callers that built MatchInfo by hand) the parsed time
// is used (NULL when zero).
func MatchDatetime(info extract.MatchInfo) any {
	switch {
	case info.MatchDatetimeText != "":
		return info.MatchDatetimeText
	case info.MatchDatetime.IsZero():
		return nil
	}
	return info.MatchDatetime.UTC()
}
