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
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade every table the telemetry worker reads or writes (idempotent, never drops data)",
		Long: `migrate brings the database to the schema this binary needs: players, matches
(with every *_processed flag), match_summaries (with the enhanced-stat
columns) and the telemetry tables. It is safe to run twice and against a
production database that already has these tables: it only creates what is
missing and never drops or rewrites data. Concurrent runs serialize on an
advisory lock. See docs/SCHEMA.md.`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	db.registerConn(f)
	lo.register(f)
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long (index builds on large tables take time)")
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
		log := lo.logger(os.Stderr, false)
		ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
		defer cancel()
		cfg := db.config()
		cfg.MinConns, cfg.MaxConns = 1, 1
		st, err := store.Open(ctx, cfg)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer st.Close()
		applied, err := schema.Migrate(ctx, st.DB(), log)
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
