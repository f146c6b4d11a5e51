package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lib/pq"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// lockKey is the session-level advisory lock a Migrate call holds from start
// to end, so concurrent calls against one database run one at a time. It is
// the ASCII of "pewstats" read as a big-endian int64.
const lockKey int64 = 0x7065777374617473

// ledgerTable records applied migrations. The name is part of the contract
// with operators (they may inspect or seed it), so it is not configurable.
const ledgerTable = "schema_migrations"

// fileName is the required shape of an embedded migration: a three-digit
// sequence number, an underscore, a lower-case name, ".sql".
var fileName = regexp.MustCompile(`^([0-9]{3})_[a-z0-9_]+\.sql$`)

type migration struct {
	version string // file name without ".sql", e.g. "001_players_matches"
	sql     string
}

// Versions lists the embedded migrations in the order Migrate applies them;
// each entry is the value Migrate records in schema_migrations.version.
func Versions() []string {
	ms, err := load()
	if err != nil {
		// The files are compiled in; a bad name is a build-time mistake that
		// the package tests catch.
		panic(err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.version
	}
	return out
}

func load() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("schema: read embedded migrations: %w", err)
	}
	seen := make(map[string]string)
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		sub := fileName.FindStringSubmatch(name)
		if sub == nil {
			return nil, fmt.Errorf("schema: migration file %q is not named NNN_name.sql", name)
		}
		if prev, dup := seen[sub[1]]; dup {
			return nil, fmt.Errorf("schema: migrations %q and %q share number %s", prev, name, sub[1])
		}
		seen[sub[1]] = name
		body, err := migrationFS.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("schema: read %s: %w", name, err)
		}
		ms = append(ms, migration{version: strings.TrimSuffix(name, ".sql"), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Options bound how migrate waits on a live database. The zero value means
// the defaults below.
type Options struct {
	// LockTimeout is PostgreSQL's lock_timeout for every statement: the
	// longest one statement waits for a table lock. While ALTER TABLE waits
	// for its ACCESS EXCLUSIVE lock behind a writer's transaction, every
	// later writer of that table queues behind it, so this is also the
	// longest a writer can be held up by one attempt. A statement that
	// times out is retried after a pause in which writers run.
	LockTimeout time.Duration
	// StatementTimeout is PostgreSQL's statement_timeout for every
	// statement, index builds included. A build cut by it is not retried.
	StatementTimeout time.Duration
	// retryBackoff is the first pause after a lock timeout or deadlock;
	// it doubles per attempt up to 15 s. Retries go on until ctx ends.
	retryBackoff time.Duration

	// beforeDeferred, when set (tests only), runs after a file's
	// transaction has committed and before its deferred index builds.
	beforeDeferred func(version string)
}

// Defaults of Options.
const (
	DefaultLockTimeout      = 5 * time.Second
	DefaultStatementTimeout = 5 * time.Minute
	defaultRetryBackoff     = time.Second
	maxRetryBackoff         = 15 * time.Second
	lockPollInterval        = 500 * time.Millisecond
)

func (o Options) withDefaults() Options {
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = DefaultStatementTimeout
	}
	if o.retryBackoff <= 0 {
		o.retryBackoff = defaultRetryBackoff
	}
	return o
}

// Migrate is MigrateWith with the default Options.
func Migrate(ctx context.Context, db *sql.DB, log *slog.Logger) (applied []string, err error) {
	return MigrateWith(ctx, db, log, Options{})
}

// MigrateWith brings the database behind db up to the schema the telemetry
// worker needs and returns the versions it applied in this call (empty when
// the database was already current).
//
// It works on one session that holds a session-level advisory lock for the
// whole run, so concurrent callers wait for each other and exactly one of
// them applies each file. For each file the ledger (schema_migrations) does
// not list yet:
//
//  1. every statement except the deferred index builds of step 2 runs in one
//     transaction; a failing statement rolls the whole file back;
//  2. each named CREATE INDEX on a table that existed before the file ran
//     (and any the file marks CONCURRENTLY) is built afterwards with CREATE
//     INDEX CONCURRENTLY, outside any transaction, so writers of that table
//     are never blocked by the build. An index of that name that is already
//     valid is left alone; an invalid one (the remains of an interrupted
//     concurrent build) is dropped and built again;
//  3. the file is recorded in the ledger, in the same transaction as step 1
//     when there is nothing to defer.
//
// Every statement runs under lock_timeout and statement_timeout (opts). A
// lock timeout or deadlock rolls back and retries the step after a pause, so
// migrate never holds writers queued behind it for longer than LockTimeout
// at a time; retries stop when ctx ends.
//
// Tables are created in the connection's current schema (search_path). log
// may be nil. Nothing identifying the server or its credentials is logged.
func MigrateWith(ctx context.Context, db *sql.DB, log *slog.Logger, opts Options) (applied []string, err error) {
	if db == nil {
		return nil, errors.New("schema: nil *sql.DB")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	ms, err := load()
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("schema: connect: %w", err)
	}
	// The session carries the advisory lock and the timeouts; closing the
	// physical connection afterwards drops both, whatever state a failure
	// left it in, instead of handing it back to db's pool.
	defer func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
	}()
	r := &runner{conn: conn, log: log, opts: opts}
	if err := r.lock(ctx); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET lock_timeout = %d; SET statement_timeout = %d",
		opts.LockTimeout.Milliseconds(), opts.StatementTimeout.Milliseconds())); err != nil {
		return nil, fmt.Errorf("schema: set timeouts: %w", err)
	}
	if err := r.retry(ctx, "ledger", r.ensureLedger); err != nil {
		return nil, err
	}
	applied = []string{}
	for _, m := range ms {
		start := time.Now()
		did, err := r.apply(ctx, m)
		if err != nil {
			log.Error("schema migration failed", "version", m.version, "err", err)
			return applied, err
		}
		if did {
			applied = append(applied, m.version)
			log.Info("schema migration applied", "version", m.version, "duration", time.Since(start).Round(time.Millisecond))
		} else {
			log.Debug("schema migration already applied", "version", m.version)
		}
	}
	log.Info("schema up to date", "applied", len(applied), "known", len(ms))
	return applied, nil
}

// runner applies migrations on one session that holds the migration lock.
type runner struct {
	conn *sql.Conn
	log  *slog.Logger
	opts Options
}

// lock takes the session-level advisory lock, polling rather than blocking
// so that a lock_timeout configured for the role cannot make a second
// migrate fail instead of wait.
func (r *runner) lock(ctx context.Context) error {
	logged := false
	for {
		var ok bool
		if err := r.conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, lockKey).Scan(&ok); err != nil {
			return fmt.Errorf("schema: take migration lock: %w", err)
		}
		if ok {
			return nil
		}
		if !logged {
			r.log.Info("another migrate holds the migration lock; waiting for it")
			logged = true
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("schema: waiting for the migration lock: %w", ctx.Err())
		case <-time.After(lockPollInterval):
		}
	}
}

// retry runs step until it succeeds, fails for a reason other than a lock
// timeout or deadlock, or ctx ends, pausing between attempts so that the
// writers queued behind a lock request get their turn.
func (r *runner) retry(ctx context.Context, what string, step func(context.Context) error) error {
	wait := r.opts.retryBackoff
	for attempt := 1; ; attempt++ {
		err := step(ctx)
		if err == nil || !retryable(err) {
			return err
		}
		r.log.Warn("schema migration step waited too long for a lock; retrying",
			"step", what, "attempt", attempt, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("schema: %s: gave up after %d attempts: %w", what, attempt, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRetryBackoff)
	}
}

// retryable reports a lock_timeout (55P03 lock_not_available) or a deadlock
// (40P01): the same statement will succeed once the other session is done.
func retryable(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "55P03" || pe.Code == "40P01")
}

// ensureLedger creates schema_migrations and checks that an existing table
// of that name is ours.
func (r *runner) ensureLedger(ctx context.Context) error {
	return inTx(ctx, r.conn, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+ledgerTable+` (
    version    TEXT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`); err != nil {
			return fmt.Errorf("schema: create %s: %w", ledgerTable, err)
		}
		rows, err := tx.QueryContext(ctx, `
SELECT column_name, data_type
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1`, ledgerTable)
		if err != nil {
			return fmt.Errorf("schema: inspect %s: %w", ledgerTable, err)
		}
		defer rows.Close()
		got := map[string]string{}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				return fmt.Errorf("schema: inspect %s: %w", ledgerTable, err)
			}
			got[name] = typ
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("schema: inspect %s: %w", ledgerTable, err)
		}
		if got["version"] != "text" || got["applied_at"] != "timestamp with time zone" {
			return fmt.Errorf("schema: existing table %s is not this package's ledger "+
				"(want version text, applied_at timestamptz; found %v) — refusing to migrate", ledgerTable, got)
		}
		return nil
	})
}

// apply runs one migration if the ledger does not list it yet, reporting
// whether it ran.
func (r *runner) apply(ctx context.Context, m migration) (ran bool, err error) {
	var done bool
	if err := r.conn.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM `+ledgerTable+` WHERE version = $1)`, m.version).Scan(&done); err != nil {
		return false, fmt.Errorf("schema: read ledger for %s: %w", m.version, err)
	}
	if done {
		return false, nil
	}
	stmts, err := splitStatements(m.sql)
	if err != nil {
		return false, fmt.Errorf("schema: migration %s: %w", m.version, err)
	}
	inline, deferred, err := r.plan(ctx, stmts)
	if err != nil {
		return false, fmt.Errorf("schema: migration %s: %w", m.version, err)
	}
	record := func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO `+ledgerTable+` (version, applied_at) VALUES ($1, now())`, m.version); err != nil {
			return fmt.Errorf("schema: record %s: %w", m.version, err)
		}
		return nil
	}
	err = r.retry(ctx, m.version, func(ctx context.Context) error {
		return inTx(ctx, r.conn, func(tx *sql.Tx) error {
			for _, s := range inline {
				// No arguments: lib/pq sends a simple query, which also
				// carries DO blocks and other statements as written.
				if _, err := tx.ExecContext(ctx, s.sql); err != nil {
					return fmt.Errorf("schema: migration %s, statement at line %d (%s): %w", m.version, s.line, firstWords(s.sql), err)
				}
			}
			if len(deferred) == 0 {
				return record(ctx, tx)
			}
			return nil
		})
	})
	if err != nil {
		return false, err
	}
	if len(deferred) > 0 && r.opts.beforeDeferred != nil {
		r.opts.beforeDeferred(m.version)
	}
	for _, d := range deferred {
		if err := r.buildConcurrently(ctx, m.version, d); err != nil {
			return false, err
		}
	}
	if len(deferred) > 0 {
		if err := r.retry(ctx, m.version, func(ctx context.Context) error {
			return inTx(ctx, r.conn, func(tx *sql.Tx) error { return record(ctx, tx) })
		}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// deferredIndex is an index built concurrently after the file's transaction.
type deferredIndex struct {
	statement
	ix     *indexStmt
	schema string // namespace of the table, where the index lives
}

// plan splits a file's statements into those run in its transaction and the
// index builds deferred out of it: named CREATE INDEX statements on tables
// (plain or materialized views) that exist before the file runs, and any the
// file itself marks CONCURRENTLY. An index on a table the same file creates
// is built inline: the table is new and empty, so nobody waits for it.
func (r *runner) plan(ctx context.Context, stmts []statement) (inline []statement, deferred []deferredIndex, err error) {
	for _, s := range stmts {
		ix := parseIndex(s.sql)
		if ix == nil {
			inline = append(inline, s)
			continue
		}
		var kind, schema sql.NullString
		if err := r.conn.QueryRowContext(ctx, `
SELECT c.relkind::text, n.nspname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass($1)`, ix.table).Scan(&kind, &schema); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, fmt.Errorf("look up table %s: %w", ix.table, err)
		}
		// Partitioned tables cannot be indexed concurrently.
		exists := kind.Valid && (kind.String == "r" || kind.String == "m")
		switch {
		case exists:
			deferred = append(deferred, deferredIndex{statement: s, ix: ix, schema: schema.String})
		case ix.concurrently:
			// On a table this file creates: after the transaction, in the
			// schema the table is created in.
			deferred = append(deferred, deferredIndex{statement: s, ix: ix})
		default:
			inline = append(inline, s)
		}
	}
	return inline, deferred, nil
}

// buildConcurrently makes sure one deferred index exists and is valid.
func (r *runner) buildConcurrently(ctx context.Context, version string, d deferredIndex) error {
	name := unquoteName(d.ix.name)
	qualified := pq.QuoteIdentifier(name)
	if d.schema != "" {
		qualified = pq.QuoteIdentifier(d.schema) + "." + qualified
	}
	where := fmt.Sprintf("%s, index %s", version, name)
	return r.retry(ctx, where, func(ctx context.Context) error {
		valid, found, err := r.indexState(ctx, name, d.schema)
		if err != nil {
			return fmt.Errorf("schema: migration %s: %w", where, err)
		}
		if found && valid {
			r.log.Debug("schema index already exists", "version", version, "index", name)
			return nil
		}
		if found {
			// What an interrupted CREATE INDEX CONCURRENTLY leaves behind: an
			// index that is maintained but never used. IF NOT EXISTS would
			// skip it for good, so it is dropped and built again.
			r.log.Warn("schema index is invalid (an interrupted build); dropping it to build it again", "version", version, "index", name)
			if _, err := r.conn.ExecContext(ctx, `DROP INDEX CONCURRENTLY IF EXISTS `+qualified); err != nil {
				return fmt.Errorf("schema: migration %s: drop invalid index: %w", where, err)
			}
		}
		start := time.Now()
		if _, err := r.conn.ExecContext(ctx, d.ix.concurrentSQL()); err != nil {
			if !retryable(err) {
				// Best effort: leave no invalid index behind. The next run
				// drops it anyway.
				_, _ = r.conn.ExecContext(ctx, `DROP INDEX CONCURRENTLY IF EXISTS `+qualified)
			}
			return fmt.Errorf("schema: migration %s, statement at line %d (CREATE INDEX CONCURRENTLY): %w", version, d.line, err)
		}
		r.log.Info("schema index built concurrently", "version", version, "index", name, "table", d.ix.table,
			"duration", time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// indexState looks an index up by name in schema ("" = the current one).
func (r *runner) indexState(ctx context.Context, name, schema string) (valid, found bool, err error) {
	err = r.conn.QueryRowContext(ctx, `
SELECT i.indisvalid
FROM pg_class c
JOIN pg_index i ON i.indexrelid = c.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = $1 AND n.nspname = coalesce(nullif($2, ''), current_schema())`,
		name, schema).Scan(&valid)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("look up index %s: %w", name, err)
	}
	return valid, true, nil
}

// firstWords is the start of a statement, for error messages.
func firstWords(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

func inTx(ctx context.Context, conn *sql.Conn, fn func(*sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("schema: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("schema: commit: %w", err)
	}
	return nil
}
