package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/store/storetest"
)

// These tests run migrate the way it runs in production: against tables that
// writers are using at that moment. What they show: a writer holding rows
// (and so a lock) in a table makes migrate wait and retry, never fail the
// writer and never hold other writers queued for longer than lock_timeout;
// index builds on existing tables do not block writers at all; and once the
// writer is done, migrate finishes with every row intact and every index
// valid.

// writerStats is what a background writer measured.
type writerStats struct {
	n          int           // statements committed
	maxLatency time.Duration // longest single statement
	err        error         // first failure, if any
}

// startWriter runs insert(i) in a loop on its own session until the returned
// stop function is called, timing each statement.
func startWriter(t *testing.T, db *sql.DB, insert string) (stop func() writerStats) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan writerStats, 1)
	prefix := fmt.Sprintf("w%d-", time.Now().UnixNano())
	go func() {
		var s writerStats
		for i := 0; ctx.Err() == nil; i++ {
			start := time.Now()
			_, err := db.ExecContext(ctx, insert, fmt.Sprintf("%s%d", prefix, i))
			if err != nil {
				if ctx.Err() == nil { // not cut by stop()
					s.err = err
				}
				break
			}
			s.n++
			s.maxLatency = max(s.maxLatency, time.Since(start))
			time.Sleep(10 * time.Millisecond)
		}
		done <- s
	}()
	return func() writerStats {
		cancel()
		return <-done
	}
}

// recorder is a slog.Handler that keeps every message.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Message)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) count(substr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.Contains(m, substr) {
			n++
		}
	}
	return n
}

func invalidIndexes(t *testing.T, db *sql.DB) int {
	t.Helper()
	return count(t, db, `SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid`)
}

const insertMatch = `INSERT INTO matches (match_id, map_name, game_mode, match_datetime) VALUES ($1, 'Erangel_Main', 'squad', now())`

// A writer's open transaction holds a lock on matches that ALTER TABLE
// needs. First, with a deadline shorter than the writer's transaction,
// migrate must give up cleanly: the file rolled back, nothing recorded, no
// invalid index, and another writer never stalled longer than about
// lock_timeout. Then, with the writer committing halfway through a run,
// migrate must finish and every row must be there.
func TestMigrateBesideAWriterHoldingRows(t *testing.T) {
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	mustExec(t, db, oldProductionDDL)
	mustExec(t, db, oldProductionRows)
	oldRows := `SELECT string_agg(r::text, '|' ORDER BY match_id) FROM (SELECT match_id, map_name, status, landings_processed, created_at FROM matches WHERE match_id LIKE 'old-%') r`
	var before string
	if err := db.QueryRow(oldRows).Scan(&before); err != nil {
		t.Fatal(err)
	}

	holder := storetest.Open(t, name)
	hold, err := holder.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hold.Rollback() }()
	if _, err := hold.Exec(insertMatch, "held-1"); err != nil {
		t.Fatal(err)
	}

	const lockTimeout = 200 * time.Millisecond
	// A writer queued behind ALTER TABLE's lock request waits as long as
	// migrate waits: about lock_timeout. Without it, the writer would wait
	// as long as the holder's transaction (the whole first phase, 4 s). The
	// margin is for a loaded CI machine.
	const maxWriterStall = 2 * time.Second
	opts := Options{LockTimeout: lockTimeout, retryBackoff: 100 * time.Millisecond}
	writerDB := storetest.Open(t, name)

	// Phase 1: the holder outlasts migrate's deadline.
	rec := &recorder{}
	stop := startWriter(t, writerDB, insertMatch)
	ctx1, cancel1 := context.WithTimeout(testCtx(t), 4*time.Second)
	applied, err := MigrateWith(ctx1, db, slog.New(rec), opts)
	cancel1()
	w1 := stop()
	var pe *pq.Error
	if err == nil || !errors.As(err, &pe) || pe.Code != "55P03" {
		t.Fatalf("Migrate while the lock was held = %v, %v; want a lock timeout (55P03)", applied, err)
	}
	if len(applied) != 0 {
		t.Errorf("applied %v while matches was locked", applied)
	}
	if rec.count("retrying") < 2 {
		t.Errorf("migrate retried %d times, want several", rec.count("retrying"))
	}
	if w1.err != nil || w1.n == 0 {
		t.Fatalf("writer during phase 1: %d inserts, err %v", w1.n, w1.err)
	}
	if w1.maxLatency > maxWriterStall {
		t.Errorf("a writer waited %v behind migrate (lock_timeout %v)", w1.maxLatency, lockTimeout)
	}
	if n := count(t, db, `SELECT count(*) FROM schema_migrations`); n != 0 {
		t.Errorf("ledger has %d rows after a failed run", n)
	}
	if n := count(t, db, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'matches' AND column_name = 'fights_processed'`); n != 0 {
		t.Error("001 was half applied: matches.fights_processed exists")
	}
	if n := invalidIndexes(t, db); n != 0 {
		t.Errorf("%d invalid indexes after a failed run", n)
	}

	// Phase 2: the holder commits while migrate waits for it.
	rec = &recorder{}
	stop = startWriter(t, writerDB, insertMatch)
	result := make(chan error, 1)
	go func() {
		_, err := MigrateWith(testCtx(t), db, slog.New(rec), opts)
		result <- err
	}()
	time.Sleep(time.Second)
	select {
	case err := <-result:
		t.Fatalf("Migrate returned while the lock was still held: %v", err)
	default:
	}
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatalf("Migrate after the holder committed: %v", err)
	}
	w2 := stop()
	if w2.err != nil || w2.n == 0 {
		t.Fatalf("writer during phase 2: %d inserts, err %v", w2.n, w2.err)
	}
	if w2.maxLatency > maxWriterStall {
		t.Errorf("a writer waited %v behind migrate (lock_timeout %v)", w2.maxLatency, lockTimeout)
	}

	// Nothing lost, nothing changed, everything applied and valid.
	if n := count(t, db, `SELECT count(*) FROM matches WHERE match_id = 'held-1'`); n != 1 {
		t.Error("the holder's row is missing")
	}
	if n, want := count(t, db, `SELECT count(*) FROM matches WHERE match_id LIKE 'w%'`), w1.n+w2.n; n != want {
		t.Errorf("%d writer rows in matches, want %d", n, want)
	}
	var after string
	if err := db.QueryRow(oldRows).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("old rows changed:\n before %s\n after  %s", before, after)
	}
	if n := count(t, db, `SELECT count(*) FROM schema_migrations`); n != len(Versions()) {
		t.Errorf("ledger has %d rows, want %d", n, len(Versions()))
	}
	if n := invalidIndexes(t, db); n != 0 {
		t.Errorf("%d invalid indexes", n)
	}
	assertShape(t, db, shapeOverrides{
		types:  map[string]string{"landings.is_game": "numeric"},
		unique: map[string][]string{"players": {"player_id"}},
	})
}

// Indexes missing from an existing table are built with CREATE INDEX
// CONCURRENTLY: a writer holding an open transaction on the table makes the
// build wait (and retry), while other writers keep inserting without
// waiting. An invalid index left by an earlier interrupted build is replaced
// by the right one.
func TestMigrateBuildsMissingIndexesConcurrently(t *testing.T) {
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	mustMigrate(t, db)
	seedCurrent(t, db)
	mustExec(t, db, `INSERT INTO player_circle_positions (match_id, player_name, elapsed_time, is_in_safe_zone)
		SELECT 'm-1', 'p' || (g % 64), g, g % 3 = 0 FROM generate_series(1, 20000) g`)
	mustExec(t, db, `DROP INDEX idx_circle_pos_match_id, idx_circle_pos_player_name, idx_circle_pos_elapsed_time`)
	// What an interrupted concurrent build leaves: an invalid index under
	// the name the migration uses, here with the wrong definition too.
	if _, err := db.Exec(`CREATE UNIQUE INDEX CONCURRENTLY idx_circle_pos_elapsed_time ON player_circle_positions (match_id)`); err == nil {
		t.Fatal("the failing unique build succeeded")
	}
	if n := invalidIndexes(t, db); n != 1 {
		t.Fatalf("fixture: %d invalid indexes, want 1", n)
	}
	mustExec(t, db, `DELETE FROM schema_migrations WHERE version = '006_circle_positions'`)

	const insertPos = `INSERT INTO player_circle_positions (match_id, player_name, elapsed_time) VALUES ('m-1', $1, 1)`
	const lockTimeout = 2 * time.Second
	holder := storetest.Open(t, name)
	writerDB := storetest.Open(t, name)
	var (
		hold      *sql.Tx
		stop      func() writerStats
		committed atomic.Bool
		holdErr   = make(chan error, 1)
	)
	rec := &recorder{}
	opts := Options{
		LockTimeout:  lockTimeout,
		retryBackoff: 100 * time.Millisecond,
		beforeDeferred: func(version string) {
			if version != "006_circle_positions" {
				return
			}
			var err error
			if hold, err = holder.Begin(); err == nil {
				_, err = hold.Exec(insertPos, "held")
			}
			if err != nil {
				holdErr <- err
				return
			}
			stop = startWriter(t, writerDB, insertPos)
			go func() {
				time.Sleep(2*lockTimeout + time.Second)
				committed.Store(true)
				holdErr <- hold.Commit()
			}()
		},
	}
	applied, err := MigrateWith(testCtx(t), db, slog.New(rec), opts)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := <-holdErr; err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0] != "006_circle_positions" {
		t.Fatalf("applied %v, want [006_circle_positions]", applied)
	}
	w := stop()
	if !committed.Load() {
		t.Error("migrate finished before the holder committed: the builds did not wait for it")
	}
	if rec.count("retrying") == 0 {
		t.Error("no build waited for the open transaction")
	}
	if w.err != nil || w.n == 0 {
		t.Fatalf("writer: %d inserts, err %v", w.n, w.err)
	}
	// A plain CREATE INDEX would have queued each insert behind its lock
	// request for up to lock_timeout.
	if w.maxLatency >= lockTimeout/2 {
		t.Errorf("a writer waited %v during the concurrent builds", w.maxLatency)
	}
	if n := invalidIndexes(t, db); n != 0 {
		t.Errorf("%d invalid indexes", n)
	}
	var def string
	if err := db.QueryRow(`SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_circle_pos_elapsed_time'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(def, "UNIQUE") || !strings.Contains(def, "(elapsed_time)") {
		t.Errorf("idx_circle_pos_elapsed_time = %s; want the migration's definition", def)
	}
	if n, want := count(t, db, `SELECT count(*) FROM player_circle_positions`), 20000+1+w.n; n != want {
		t.Errorf("player_circle_positions has %d rows, want %d", n, want)
	}
	assertShape(t, db, shapeOverrides{})
}
