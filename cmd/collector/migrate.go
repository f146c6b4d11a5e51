package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
)

func init() { extraCommands = append(extraCommands, newMigrateCmd) }

func newMigrateCmd() *cobra.Command {
	db := &dbOptions{}
	lo := &logOptions{}
	timeout := newDuration(10 * time.Minute)
	lockTimeout := newDuration(schema.DefaultLockTimeout)
	stmtTimeout := newDuration(schema.DefaultStatementTimeout)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade every table the telemetry worker reads or writes (idempotent, never drops data)",
		Long: `migrate brings the database to the schema this binary needs: players, matches
(with every *_processed flag), match_summaries (with the enhanced-stat
columns) and the telemetry tables. It is safe to run twice and against a
production database that already has these tables: it only creates what is
missing and never drops or rewrites data. Concurrent runs serialize on an
advisory lock. Indexes missing from existing tables are built CONCURRENTLY;
every statement runs under lock_timeout and statement_timeout, and one that
times out waiting for a lock is retried after a pause, so writers are never
held up behind migrate for longer than --lock-timeout. See docs/SCHEMA.md.`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	db.registerConn(f)
	lo.register(f)
	f.Duration(timeout, "timeout", "MIGRATE_TIMEOUT", "give up after this long, lock retries included (index builds on large tables take time)")
	f.Duration(lockTimeout, "lock-timeout", "MIGRATE_LOCK_TIMEOUT", "PostgreSQL lock_timeout of every statement: the longest migrate (and any writer queued behind it) waits for a table lock before it retries")
	f.Duration(stmtTimeout, "statement-timeout", "MIGRATE_STATEMENT_TIMEOUT", "PostgreSQL statement_timeout of every statement, index builds included")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		if err := db.validate(); err != nil {
			return err
		}
		if err := lo.validate(); err != nil {
			return err
		}
		for _, d := range []struct {
			name string
			v    *durationValue
		}{{"timeout", timeout}, {"lock-timeout", lockTimeout}, {"statement-timeout", stmtTimeout}} {
			// 0 would mean "wait forever" to PostgreSQL: exactly what these
			// settings exist to prevent.
			if d.v.d <= 0 {
				return usagef("--%s must be positive, got %s", d.name, d.v.d)
			}
		}
		log := lo.logger(os.Stderr, false)
		ctx, cancel := context.WithTimeout(cmd.Context(), timeout.d)
		defer cancel()
		cfg := db.config()
		cfg.MinConns, cfg.MaxConns = 1, 1
		st, err := store.Open(ctx, cfg)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer st.Close()
		applied, err := schema.MigrateWith(ctx, st.DB(), log, schema.Options{
			LockTimeout: lockTimeout.d, StatementTimeout: stmtTimeout.d,
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", cfg.Redacted(), err)
		}
		if len(applied) == 0 {
			fmt.Fprintf(cmd.OutOrStdout(), "schema of %s is up to date\n", cfg.Redacted())
		} else {
			fmt.Fprintf(cmd.OutOrStdout(), "applied to %s: %s\n", cfg.Redacted(), strings.Join(applied, ", "))
		}
		return nil
	}
	return cmd
}
