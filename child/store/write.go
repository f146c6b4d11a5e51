package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/extract"
)

// TableWriter writes one table's rows of a match inside the job transaction.
type TableWriter interface {
	// Table is the table name, used for row counts and timings.
	Table() string
	// Write writes the rows and returns how many were stored.
	Write(ctx context.Context, tx *sql.Tx) (int64, error)
}

// Gated is implemented by writers whose rows belong to a processing flag.
// CommitMatch skips such a writer when the flag turns out to be set already
// (a concurrent delivery of the same match committed first).
type Gated interface {
	Gate(Flags) bool
}

// Written reports what a commit stored.
type Written struct {
	Rows     map[string]int64
	Duration map[string]time.Duration
}

// CommitMatch writes every table, sets the flags and marks the match
// 'completed', all in one transaction: a child killed mid-way leaves nothing
// behind, and a retry cannot double rows because the flags commit with them.
//
// flags says which processing flags to set; a flag is only ever set to true
// here, never reset (docs/PARITY.md, "processing flags").
func (s *Store) CommitMatch(ctx context.Context, matchID string, writers []TableWriter, flags Flags) (Written, error) {
	w := Written{Rows: map[string]int64{}, Duration: map[string]time.Duration{}}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return w, Classify(fmt.Errorf("store: begin transaction for match %s: %w", matchID, err))
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	// Two deliveries of one match can run at once in different children.
	// A transaction-scoped advisory lock on the match id serializes them
	// (it works whether or not the matches row exists), and the flags are
	// re-read under it so the second one writes only what the first did not.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7261))`, matchID); err != nil {
		return w, Classify(fmt.Errorf("store: lock match %s: %w", matchID, err))
	}
	current, err := readFlags(ctx, tx, matchID)
	if err != nil {
		return w, Classify(fmt.Errorf("store: re-read flags of match %s: %w", matchID, err))
	}
	for _, tw := range writers {
		if g, ok := tw.(Gated); ok && g.Gate(current) {
			continue
		}
		start := time.Now()
		n, err := tw.Write(ctx, tx)
		w.Duration[tw.Table()] += time.Since(start)
		if err != nil {
			return w, Classify(fmt.Errorf("store: write %s for match %s: %w", tw.Table(), matchID, err))
		}
		w.Rows[tw.Table()] += n
	}
	start := time.Now()
	// OR keeps a flag that an earlier (partial) run set; the reference
	// assigned bool(rows) and so could reset it to false.
	_, err = tx.ExecContext(ctx, `
		UPDATE matches SET
			landings_processed  = COALESCE(landings_processed, false)  OR $2,
			kills_processed     = COALESCE(kills_processed, false)     OR $3,
			weapons_processed   = COALESCE(weapons_processed, false)   OR $4,
			damage_processed    = COALESCE(damage_processed, false)    OR $5,
			finishing_processed = COALESCE(finishing_processed, false) OR $6,
			fights_processed    = COALESCE(fights_processed, false)    OR $7,
			status = 'completed',
			updated_at = NOW()
		WHERE match_id = $1`,
		matchID, flags.Landings, flags.Kills, flags.Weapons, flags.Damage, flags.Finishing, flags.Fights)
	if err != nil {
		return w, Classify(fmt.Errorf("store: update flags of match %s: %w", matchID, err))
	}
	if err := tx.Commit(); err != nil {
		return w, Classify(fmt.Errorf("store: commit match %s: %w", matchID, err))
	}
	w.Duration["matches"] += time.Since(start)
	return w, nil
}

func readFlags(ctx context.Context, tx *sql.Tx, matchID string) (Flags, error) {
	var land, kills, weapons, damage, finish, fig sql.NullBool
	err := tx.QueryRowContext(ctx, `
		SELECT landings_processed, kills_processed, weapons_processed,
		       damage_processed, finishing_processed, fights_processed
		FROM matches WHERE match_id = $1`, matchID).
		Scan(&land, &kills, &weapons, &damage, &finish, &fig)
	if errors.Is(err, sql.ErrNoRows) {
		return Flags{}, nil
	}
	if err != nil {
		return Flags{}, err
	}
	return Flags{Landings: land.Bool, Kills: kills.Bool, Weapons: weapons.Bool, Damage: damage.Bool, Finishing: finish.Bool, Fights: fig.Bool}, nil
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

var stageSeq atomic.Uint64

// CopyUpsert keeps the reference's conflict behaviour on a table with a
// unique key while still loading with COPY: rows are copied into a
// transaction-local staging table, then moved with
// INSERT … SELECT … <onConflict>. It returns the rows the INSERT affected.
// onConflict is a fixed SQL fragment from the caller, e.g.
// "ON CONFLICT (match_id, player_name) DO UPDATE SET x = EXCLUDED.x".
func CopyUpsert(ctx context.Context, tx *sql.Tx, table string, columns []string, onConflict string, n int, row func(i int) []any) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	stage := fmt.Sprintf("stage_%s_%d", table, stageSeq.Add(1))
	cols := strings.Join(columns, ", ")
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(
		"CREATE TEMP TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA", stage, cols, table)); err != nil {
		return 0, fmt.Errorf("create staging table for %s: %w", table, err)
	}
	if _, err := CopyRows(ctx, tx, stage, columns, n, row); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(
		"INSERT INTO %s (%s) SELECT %s FROM %s %s", table, cols, cols, stage, onConflict))
	if err != nil {
		return 0, fmt.Errorf("insert %s from staging: %w", table, err)
	}
	affected, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+stage); err != nil {
		return 0, fmt.Errorf("drop staging table for %s: %w", table, err)
	}
	return affected, nil
}

// Null helpers turn "absent" Go zero values into SQL NULL the way the
// reference's None did.

// NullString is nil when ok is false.
func NullString(s string, ok bool) any {
	if !ok {
		return nil
	}
	return s
}

// NullFloat is nil when ok is false.
func NullFloat(f float64, ok bool) any {
	if !ok {
		return nil
	}
	return f
}

// NullInt is nil when ok is false.
func NullInt(i int64, ok bool) any {
	if !ok {
		return nil
	}
	return i
}

// NullTime is nil for the zero time.
func NullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// MatchDatetime is the match_datetime column value: the message's text, so
// PostgreSQL parses it per column type as it parsed the reference's string.
// Without the text (callers that built MatchInfo by hand) the parsed time
// is used.
func MatchDatetime(info extract.MatchInfo) any {
	if info.MatchDatetimeText != "" {
		return info.MatchDatetimeText
	}
	return NullTime(info.MatchDatetime)
}
