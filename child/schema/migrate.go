package schema

import (
	"context"
	"database/sql"
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
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// lockKey is the pg_advisory_xact_lock key every migration transaction takes
// first, so concurrent Migrate calls against one database run one file at a
// time. It is the ASCII of "pewstats" read as a big-endian int64.
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

// Migrate brings the database behind db up to the schema the telemetry worker
// needs and returns the versions it applied in this call (empty when the
// database was already current).
//
// Each migration file runs in its own transaction that first takes a
// transaction-scoped advisory lock, then skips the file if
// schema_migrations already lists it, otherwise runs it and records it.
// Concurrent callers therefore wait for each other instead of failing, and
// exactly one of them applies each file. A failing file is rolled back as a
// whole and stops the run; files applied before it stay applied.
//
// Tables are created in the connection's current schema (search_path). log
// may be nil. Nothing identifying the server or its credentials is logged.
func Migrate(ctx context.Context, db *sql.DB, log *slog.Logger) (applied []string, err error) {
	if db == nil {
		return nil, errors.New("schema: nil *sql.DB")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ms, err := load()
	if err != nil {
		return nil, err
	}
	if err := ensureLedger(ctx, db); err != nil {
		return nil, err
	}
	applied = []string{}
	for _, m := range ms {
		start := time.Now()
		did, err := apply(ctx, db, m)
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

// ensureLedger creates schema_migrations under the advisory lock (two
// sessions racing on CREATE TABLE IF NOT EXISTS can otherwise collide on the
// catalog) and checks that an existing table of that name is ours.
func ensureLedger(ctx context.Context, db *sql.DB) error {
	return inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
			return fmt.Errorf("schema: take migration lock: %w", err)
		}
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
func apply(ctx context.Context, db *sql.DB, m migration) (ran bool, err error) {
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
			return fmt.Errorf("schema: take migration lock: %w", err)
		}
		var done bool
		if err := tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM `+ledgerTable+` WHERE version = $1)`, m.version).Scan(&done); err != nil {
			return fmt.Errorf("schema: read ledger for %s: %w", m.version, err)
		}
		if done {
			return nil
		}
		// No arguments: lib/pq sends this as a simple query, which may hold
		// many statements, and runs it inside tx.
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("schema: migration %s: %w", m.version, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO `+ledgerTable+` (version, applied_at) VALUES ($1, now())`, m.version); err != nil {
			return fmt.Errorf("schema: record %s: %w", m.version, err)
		}
		ran = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return ran, nil
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
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
