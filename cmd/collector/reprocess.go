package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/cmd/internal/reprocess"
	"github.com/pewstats/collector/supervisor/pool"
	"github.com/pewstats/collector/supervisor/publisher"
)

func init() { extraCommands = append(extraCommands, newReprocessCmd) }

type reprocessOptions struct {
	db        dbOptions
	amqp      amqpOptions
	log       logOptions
	telemetry telemetryOptions

	matchIDs                   []string
	since, until               string
	maps, gameModes, gameTypes []string
	missing, tables            []string
	all, dryRun, local, resume bool
	wait                       bool
	stateFile                  string
	rate                       float64
	poolSize                   int
	maxAttempts, maxTransient  int
	taskTimeout, waitTimeout   *durationValue
	maxChildMemory             *bytesValue
	failedScanLimit            int
	stdout, stderr             io.Writer
	stderrFile                 *os.File
	now                        func() time.Time
}

func newReprocessCmd() *cobra.Command {
	o := &reprocessOptions{
		taskTimeout:    newDuration(5 * time.Minute),
		waitTimeout:    newDuration(10 * time.Minute),
		maxChildMemory: newBytes(1 << 30),
		now:            time.Now,
	}
	cmd := &cobra.Command{
		Use:   "reprocess",
		Short: "Re-extract matches already in the database, replacing the rows of chosen tables",
		Long: `reprocess selects matches from the matches table and has them re-extracted by
the same engine as new matches. For each match the chosen tables' rows are
deleted and the new rows written in one transaction under the match's lock
(tables not chosen are not touched); match_summaries rows are kept and only
their enhanced-stat columns overwritten.

By default it publishes one reprocess message per match to
match.processing.<ENVIRONMENT>, so the running workers do the work, and
then follows them until every message is processed or failed. With --local
it runs the matches through its own pool of child processes instead, without
a broker. Telemetry is read from <TELEMETRY_DIR>/matchID=<id>/raw.json.gz
(or raw.json); matches without a file are skipped and counted.

Select with --match-id (repeatable, comma-separated, or @file with one id per
line), --since/--until (match_datetime, UTC), --map, --game-mode,
--game-type, --missing FLAG (a processing flag still false), or --all. Only
competitive and official matches are processed. Choose tables with
--tables: all, or some of
  ` + strings.Join(store.ReprocessTableNames()[:6], ", ") + `,
  ` + strings.Join(store.ReprocessTableNames()[6:], ", ") + `
(team_fights includes fight_participants); with --missing it defaults to the
tables of the missing steps.

--dry-run prints the plan and touches nothing. A run records each match as it
is confirmed published or processed in a state file; if it is interrupted or
killed, the same command with --resume continues where it stopped.`,
		Example: `  collector reprocess --since 2025-01-01 --tables all --dry-run
  collector reprocess --since 2025-01-01 --tables all --rate 5
  collector reprocess --missing finishing --local --pool-size 2
  collector reprocess --match-id @ids.txt --tables kill_positions,weapon_kill_events --resume`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	o.db.register(f)
	o.amqp.register(f)
	o.log.register(f)
	o.telemetry.register(f)
	// A backfill's progress bar is the interesting output; children's and
	// the pool's info lines would bury it.
	o.log.level = "warn"
	cmd.Flags().Lookup("log-level").DefValue = "warn"
	fl := cmd.Flags()
	fl.StringArrayVar(&o.matchIDs, "match-id", nil, "a match id (repeatable, comma-separated, or @file with one id per line)")
	fl.StringVar(&o.since, "since", "", "matches with match_datetime at or after this time (2025-01-01 or RFC 3339; UTC)")
	fl.StringVar(&o.until, "until", "", "matches with match_datetime before this time")
	fl.StringSliceVar(&o.maps, "map", nil, "matches on these maps (matches.map_name, e.g. \"Erangel (Remastered)\", or the API name Baltic_Main)")
	fl.StringSliceVar(&o.gameModes, "game-mode", nil, "matches of these game modes (e.g. squad-fpp)")
	fl.StringSliceVar(&o.gameTypes, "game-type", nil, "matches of these game types (competitive, official; default both)")
	fl.StringSliceVar(&o.missing, "missing", nil, "matches whose processing flag is false (e.g. finishing or finishing_processed; repeatable: any of them)")
	fl.BoolVar(&o.all, "all", false, "every competitive and official match")
	fl.StringSliceVar(&o.tables, "tables", nil, "tables to replace: all, or a comma-separated list; unset with --missing: the missing steps' tables")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the plan (matches, tables, missing files) and do nothing")
	fl.BoolVar(&o.local, "local", false, "process the matches in a local pool of child processes instead of publishing them")
	f.Int(&o.poolSize, "pool-size", "WORKER_POOL_SIZE", 2, "with --local: child processes (matches processed at once)")
	fl.Float64Var(&o.rate, "rate", 0, "at most this many matches per second (0 = no limit), so production keeps its headroom")
	fl.BoolVar(&o.resume, "resume", false, "continue the interrupted run of the same selection and tables, skipping the matches it finished")
	fl.StringVar(&o.stateFile, "state-file", "", "where the run's resume state is kept; unset: $XDG_STATE_HOME/collector/reprocess-<key>.jsonl, else ~/.local/state/collector/…")
	fl.BoolVar(&o.wait, "wait", true, "after publishing, follow the workers until every message is processed or failed")
	fl.Var(o.waitTimeout, "wait-timeout", "stop waiting for the workers after this long without progress")
	fl.IntVar(&o.failedScanLimit, "failed-scan-limit", 10000, "while waiting, read at most this many messages of the failed queue to find the run's failures")
	f.Duration(o.taskTimeout, "task-timeout", "TASK_TIMEOUT", "with --local: hard limit for one match")
	f.Bytes(o.maxChildMemory, "max-child-memory", "MAX_CHILD_MEMORY", "with --local: RSS limit of a working child (0 = none)")
	f.Int(&o.maxAttempts, "max-attempts", "MAX_ATTEMPTS", 2, "with --local: runs of one match that may crash, hang or exhaust a child")
	f.Int(&o.maxTransient, "max-transient-attempts", "MAX_TRANSIENT_ATTEMPTS", 10, "with --local: transient failures one match may have")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		if o.stdout == nil {
			o.stdout, o.stderr, o.stderrFile = cmd.OutOrStdout(), cmd.ErrOrStderr(), os.Stderr
		}
		sel, tables, notes, err := o.validate()
		if err != nil {
			return err
		}
		return o.run(cmd.Context(), sel, tables, notes)
	}
	return cmd
}

// validate checks every flag before anything connects; its errors are
// usage errors (exit 2).
func (o *reprocessOptions) validate() (reprocess.Selection, store.Tables, []string, error) {
	var sel reprocess.Selection
	for _, v := range []func() error{o.db.validate, o.log.validate, o.telemetry.validate} {
		if err := v(); err != nil {
			return sel, 0, nil, err
		}
	}
	if !o.local && !o.dryRun {
		if err := validPort("rabbitmq-port", o.amqp.port); err != nil {
			return sel, 0, nil, err
		}
		if o.amqp.environment == "" {
			return sel, 0, nil, usagef("--environment (ENVIRONMENT) must not be empty")
		}
	}
	ids, err := readMatchIDs(o.matchIDs)
	if err != nil {
		return sel, 0, nil, err
	}
	sel.MatchIDs = ids
	if len(o.matchIDs) > 0 && len(ids) == 0 {
		return sel, 0, nil, usagef("--match-id: no match id given (empty file or list)")
	}
	if sel.Since, err = parseTime("since", o.since); err != nil {
		return sel, 0, nil, err
	}
	if sel.Until, err = parseTime("until", o.until); err != nil {
		return sel, 0, nil, err
	}
	sel.Maps, sel.GameModes, sel.All = trimAll(o.maps), trimAll(o.gameModes), o.all
	for _, gt := range trimAll(o.gameTypes) {
		sel.GameTypes = append(sel.GameTypes, strings.ToLower(gt))
	}
	var missing store.Flags
	for _, m := range trimAll(o.missing) {
		flag, err := store.ParseFlag(m)
		if err != nil {
			return sel, 0, nil, usagef("--missing: %v", err)
		}
		sel.Missing = append(sel.Missing, flag)
		missing = missing.With(flag)
	}
	if err := sel.Validate(); err != nil {
		return sel, 0, nil, usagef("%v", err)
	}
	var tables store.Tables
	var notes []string
	switch names := trimAll(o.tables); {
	case len(names) > 0:
		if tables, notes, err = store.ParseTables(names); err != nil {
			return sel, 0, nil, usagef("--tables: %v", err)
		}
	case missing != 0:
		tables = reprocess.TablesForMissing(missing)
		notes = append(notes, "tables of the missing steps (--missing); give --tables to choose others")
	default:
		return sel, 0, nil, usagef("--tables is required: all, or some of %s", strings.Join(store.ReprocessTableNames(), ", "))
	}
	switch {
	case o.rate < 0:
		return sel, 0, nil, usagef("--rate must not be negative")
	case o.local && (o.poolSize < 1 || o.poolSize > 256):
		return sel, 0, nil, usagef("--pool-size must be between 1 and 256, got %d", o.poolSize)
	case o.local && o.taskTimeout.d <= 0:
		return sel, 0, nil, usagef("--task-timeout must be positive")
	case o.local && (o.maxAttempts < 1 || o.maxTransient < 1):
		return sel, 0, nil, usagef("--max-attempts and --max-transient-attempts must be at least 1")
	case o.failedScanLimit < 0:
		return sel, 0, nil, usagef("--failed-scan-limit must not be negative")
	}
	return sel, tables, notes, nil
}

// readMatchIDs expands --match-id values: comma-separated lists and @file
// (one id per line; blank lines and # comments ignored).
func readMatchIDs(values []string) ([]string, error) {
	var ids []string
	for _, v := range values {
		if name, ok := strings.CutPrefix(v, "@"); ok {
			fh, err := os.Open(name)
			if err != nil {
				return nil, usagef("--match-id @%s: %v", name, err)
			}
			sc := bufio.NewScanner(fh)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line != "" && !strings.HasPrefix(line, "#") {
					ids = append(ids, strings.Fields(line)[0])
				}
			}
			err = sc.Err()
			fh.Close()
			if err != nil {
				return nil, usagef("--match-id @%s: %v", name, err)
			}
			continue
		}
		ids = append(ids, trimAll(strings.Split(v, ","))...)
	}
	return ids, nil
}

func trimAll(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseTime reads --since/--until: a date, or a date and time (RFC 3339,
// or "2006-01-02 15:04:05"); without a zone it is UTC, like match_datetime.
func parseTime(flag, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("--%s %q is not a date (2025-01-01) or time (2025-01-01T12:00:00Z)", flag, s)
}

func (o *reprocessOptions) target() string {
	if o.local {
		return "local"
	}
	return "queue " + o.amqp.config().ProcessingQueue()
}

func (o *reprocessOptions) run(ctx context.Context, sel reprocess.Selection, tables store.Tables, notes []string) error {
	tty, width := false, 0
	if o.stderrFile != nil {
		tty, width = reprocess.IsTerminal(o.stderrFile)
	}
	prog := reprocess.NewProgress(o.stderr, tty, width)
	log := o.log.logger(prog.LogWriter(), false)

	dbc := o.db.config()
	dbc.MinConns, dbc.MaxConns = 1, 2
	st, err := store.Open(ctx, dbc)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer st.Close()
	db := st.DB()

	plan, err := reprocess.NewPlan(ctx, db, sel, tables, notes, o.telemetry.dir)
	if err != nil {
		return err
	}
	database := fmt.Sprintf("%s:%d/%s", o.db.host, o.db.port, o.db.db)
	key := reprocess.StateKey(sel.String(), tables.String(), o.target(), database)
	statePath := o.stateFile
	if statePath == "" {
		if statePath, err = reprocess.DefaultStatePath(key); err != nil {
			return usagef("%v", err)
		}
	}

	// The run to resume, if asked; otherwise a new one.
	var state *reprocess.State
	earlier := map[string]bool{}
	if o.resume {
		state, err = reprocess.OpenState(statePath)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("--resume: no interrupted run of this selection and tables (no state at %s)", statePath)
		case err != nil:
			return fmt.Errorf("--resume: %w", err)
		}
		defer state.Close()
		if state.Header.Key != key {
			return fmt.Errorf("--resume: %s is the state of another request (%s; tables %s; %s), not of this one", statePath, state.Header.Selection, state.Header.Tables, state.Header.Target)
		}
		if state.Finished() {
			return fmt.Errorf("%w: run %s of this selection and tables already finished (%s); run it without --resume to start again", reprocess.ErrNothingToDo, state.Header.Run, statePath)
		}
		logged, err := loggedMatches(ctx, db, state.Header.Run)
		if err != nil {
			return err
		}
		for _, m := range plan.Runnable() {
			if _, ok := state.Done(m.ID); ok || logged[m.ID] {
				earlier[m.ID] = true
			}
		}
	}

	header := "reprocess plan"
	if o.dryRun {
		header = "reprocess plan (dry run: nothing is published or written)"
	}
	fmt.Fprintln(o.stdout, header)
	target := o.target()
	if o.local {
		target = fmt.Sprintf("local pool of %d children (no broker)", o.poolSize)
	}
	plan.Print(o.stdout, target, o.rate, len(earlier))
	if err := plan.Check(); err != nil {
		return err
	}
	if o.dryRun {
		return nil
	}
	if state != nil && len(plan.Files) == len(earlier) {
		// Killed after its last match, before it could say so.
		if err := state.Finish(o.now()); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "run %s: every selected match was done before it was interrupted; marked finished\n", state.Header.Run)
		return nil
	}

	if state == nil {
		now := o.now()
		state, err = reprocess.CreateState(statePath, reprocess.Header{
			Run: reprocess.NewRunID(now), Key: key, Selection: sel.String(), Tables: tables.String(),
			Target: o.target(), Database: database, StartedAt: now.UTC(),
		})
		if errors.Is(err, reprocess.ErrUnfinished) {
			return fmt.Errorf("%v: add --resume to continue it, or remove the file to start over", err)
		}
		if err != nil {
			return fmt.Errorf("%v (set --state-file to a writable, lasting path)", err)
		}
		defer state.Close()
	}
	run := state.Header.Run
	fmt.Fprintf(o.stdout, "run:            %s (resume state %s)\n", run, state.Path)

	runner := &reprocess.Runner{
		Plan: plan, State: state, Run: run, Rate: o.rate, Progress: prog, Log: log, Now: o.now,
		Skip: func(id string) bool { return earlier[id] },
	}
	var summary *reprocess.Summary
	if o.local {
		summary, err = o.runLocal(ctx, runner, log)
	} else {
		summary, err = o.runQueue(ctx, runner, db, log, prog)
	}
	if err != nil {
		return err
	}
	if o.local {
		finishIfSettled(state, summary, o.now(), log)
	}
	summary.Print(o.stdout)
	return summary.Err()
}

// finishIfSettled marks the run finished when every match was settled, so
// a later run of the same request starts afresh instead of resuming. A
// local run with failures stays open: --resume tries them again. Through
// the queue it is called once everything is published: what the workers
// then fail is in the failed queue, to requeue there.
func finishIfSettled(state *reprocess.State, s *reprocess.Summary, now time.Time, log *slog.Logger) {
	if s.Aborted != nil || s.Interrupted || s.Stopped > 0 || (!s.Published && len(s.Failed) > 0) {
		return
	}
	if err := state.Finish(now); err != nil {
		log.Warn("could not mark the run finished in its state", "error", err.Error())
	}
}

// loggedMatches are the matches reprocess_log has for a run: committed,
// whatever the state file says (a child can commit and the command be
// killed before it records the match).
func loggedMatches(ctx context.Context, db *sql.DB, run string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT match_id FROM reprocess_log WHERE run_id = $1`, run)
	if err != nil {
		return nil, fmt.Errorf("read reprocess_log (run `collector migrate`?): %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// runLocal processes the plan on a local pool of the children `collector
// supervise` starts (the same command line and environment).
func (o *reprocessOptions) runLocal(ctx context.Context, runner *reprocess.Runner, log *slog.Logger) (*reprocess.Summary, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable to start children: %w", err)
	}
	sup := &superviseOptions{db: o.db, log: o.log, telemetry: o.telemetry, poolSize: o.poolSize, maxChildMemory: o.maxChildMemory}
	p := pool.New(pool.Config{
		Size: o.poolSize, Start: pool.Plugin(pool.PluginConfig{Command: sup.childCommand(exe), Log: log}), Log: log,
		TaskTimeout: o.taskTimeout.d, MaxChildMemory: o.maxChildMemory.n,
	})
	if err := p.Start(ctx); err != nil {
		p.Shutdown(context.Background())
		return nil, fmt.Errorf("start the local pool: %w", err)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case err := <-p.Fatal():
			cancel(err)
		case <-runCtx.Done():
		}
	}()
	runner.Target = &reprocess.Local{Pool: p, MaxAttempts: o.maxAttempts, MaxTransientAttempts: o.maxTransient}
	runner.Workers = o.poolSize
	summary := runner.Execute(runCtx)
	if err := context.Cause(runCtx); err != nil && ctx.Err() == nil && summary.Aborted == nil {
		summary.Aborted = err
		summary.Interrupted = false
	}
	// Jobs already running finish (each is bounded by --task-timeout); the
	// runner returned only after they did.
	p.Shutdown(context.Background())
	return summary, nil
}

// runQueue publishes the plan's messages through the confirmed publisher
// and, with --wait, follows the workers until each is processed or failed.
func (o *reprocessOptions) runQueue(ctx context.Context, runner *reprocess.Runner, db *sql.DB, log *slog.Logger, prog *reprocess.Progress) (*reprocess.Summary, error) {
	conn, err := o.amqp.dial()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	cfg := o.amqp.config()
	if ch, err := conn.Channel(); err == nil {
		if q, err := ch.QueueDeclarePassive(cfg.ProcessingQueue(), true, false, false, false, nil); err == nil && q.Consumers == 0 {
			log.Warn("no worker consumes the processing queue: the messages wait there until one does", "queue", cfg.ProcessingQueue())
		}
		ch.Close()
	}
	pub := publisher.OnConnection(conn, log)
	defer pub.Close()
	runner.Target = &reprocess.Queue{Publisher: pub, QueueName: cfg.ProcessingQueue()}
	runner.Workers = 1 // the publisher has one confirm in flight at a time
	runner.Published = true
	summary := runner.Execute(ctx)
	finishIfSettled(runner.State, summary, o.now(), log)
	if !o.wait || summary.Aborted != nil || summary.Interrupted {
		return summary, nil
	}
	// Published by this run, now or before it was resumed (a match with a
	// reprocess_log row of the run was published even if the state missed
	// it).
	published := 0
	for _, m := range runner.Plan.Runnable() {
		if st, ok := runner.State.Done(m.ID); (ok && st == string(reprocess.Done)) || runner.Skip(m.ID) {
			published++
		}
	}
	f := &reprocess.Follower{DB: db, Run: runner.Run, StallTimeout: o.waitTimeout.d, Progress: prog, Now: o.now}
	if o.failedScanLimit > 0 {
		f.ScanFailed = reprocess.FailedScanner(conn, cfg, runner.Run, o.failedScanLimit)
	}
	start := o.now()
	summary.FollowResult = f.Wait(ctx, published)
	summary.Elapsed += o.now().Sub(start)
	return summary, nil
}
