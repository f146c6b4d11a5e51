package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/child/faultinject"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/protocol"
)

func init() { extraCommands = append(extraCommands, newChildCmd) }

type childOptions struct {
	db        dbOptions
	log       logOptions
	telemetry telemetryOptions

	message    string
	file       string
	matchID    string
	dryRun     bool
	withRows   bool
	tracked    string
	debugServe bool
	testHooks  bool
}

func newChildCmd() *cobra.Command {
	o := &childOptions{}
	cmd := &cobra.Command{
		Use:   "child",
		Short: "Process telemetry: as a supervisor's child, or one match by hand",
		Long: `When started by 'collector supervise' (which sets the go-plugin handshake
cookie), child serves the supervisor over gRPC and processes one job at a time.

Run by a person, it processes a single match in-process and prints what it
wrote, for debugging:

  collector child --message msg.json            # a message as published on the queue
  collector child --file F --match-id ID        # or just a file and a match id
  collector child --message msg.json --dry-run  # extract and print, write nothing

With --debug-serve it serves like a supervised child and prints a reattach
config for 'collector supervise --reattach', so one child can run under a
debugger while a real supervisor feeds it.`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	o.db.register(f)
	o.log.register(f)
	o.telemetry.register(f)
	fl := cmd.Flags()
	fl.StringVar(&o.message, "message", "", "process the message in this JSON file ('-' for stdin) and exit")
	fl.StringVar(&o.file, "file", "", "process this telemetry file (with --match-id) and exit")
	fl.StringVar(&o.matchID, "match-id", "", "match id for --file")
	fl.BoolVar(&o.dryRun, "dry-run", false, "read and extract only; print the extraction, touch no database")
	fl.BoolVar(&o.withRows, "rows", false, "with --dry-run, print every extracted row as JSON")
	fl.StringVar(&o.tracked, "tracked-players", "", "with --dry-run, comma-separated player names standing in for the players table")
	fl.BoolVar(&o.debugServe, "debug-serve", false, "serve as a child without a supervisor and print its reattach config")
	fl.BoolVar(&o.testHooks, "test-hooks", false, "honour x_test_fault in messages and COLLECTOR_TEST_EXIT_AT_START (integration tests only; see child/faultinject)")
	_ = fl.MarkHidden("test-hooks")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		if err := o.validate(); err != nil {
			return err
		}
		return o.run(cmd.Context(), cmd.OutOrStdout())
	}
	return cmd
}

func (o *childOptions) validate() error {
	for _, v := range []func() error{o.db.validate, o.log.validate, o.telemetry.validate} {
		if err := v(); err != nil {
			return err
		}
	}
	if o.file != "" && o.message != "" {
		return usagef("use either --message or --file, not both")
	}
	if o.file != "" && o.matchID == "" {
		return usagef("--file needs --match-id")
	}
	return nil
}

func (o *childOptions) processorConfig() child.Config {
	return child.Config{TelemetryDir: o.telemetry.dir, MaxTelemetryBytes: o.telemetry.maxBytes.n}
}

func (o *childOptions) run(ctx context.Context, stdout io.Writer) error {
	switch {
	case protocol.IsPluginLaunch(os.Getenv):
		return o.serve(ctx)
	case o.debugServe:
		return o.serveDebug(ctx, stdout)
	case o.message != "" || o.file != "":
		return o.runOnce(ctx, stdout)
	}
	return usagef("collector child is started by 'collector supervise'; to process one match by hand use --message FILE or --file F --match-id ID (see --help)")
}

// serve is the supervised mode. Logs are JSON on stderr, which the parent
// re-emits tagged with the child's id; stdout belongs to go-plugin.
func (o *childOptions) serve(ctx context.Context) error {
	// No pid attribute: the parent tags forwarded lines with child and pid.
	log := o.log.logger(os.Stderr, true)
	if o.testHooks {
		faultinject.ExitAtStartIfAsked(log)
	}
	child.WatchParent(log, 500*time.Millisecond)
	st := o.openStore(ctx, log)
	defer st.Close()
	child.Serve(o.processor(st, log))
	return nil
}

// processor is the child's Processor, wrapped with fault injection when
// the child was started with --test-hooks (integration tests only).
func (o *childOptions) processor(st *store.Store, log *slog.Logger) protocol.Processor {
	var p protocol.Processor = child.NewProcessor(st, o.processorConfig(), log)
	if o.testHooks {
		p = faultinject.Wrap(p, st, log)
	}
	return p
}

func (o *childOptions) serveDebug(ctx context.Context, stdout io.Writer) error {
	log := o.log.logger(os.Stderr, false)
	st := o.openStore(ctx, log)
	defer st.Close()
	return child.ServeDebug(ctx, o.processor(st, log), stdout)
}

// openStore opens the pool. An unreachable database at start is logged, not
// fatal: jobs then fail as transient and the supervisor backs off, instead of
// the child crash-looping through a database outage.
func (o *childOptions) openStore(ctx context.Context, log *slog.Logger) *store.Store {
	cfg := o.db.config()
	openCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := store.Open(openCtx, cfg)
	if err != nil {
		log.Warn("database not reachable at start; jobs will fail as transient until it is", "database", cfg.Redacted(), "error", err.Error())
		cfg.MinConns = 0
		st, err = store.Open(ctx, cfg)
		if err != nil { // only configuration errors get here
			log.Error("cannot configure database pool", "error", err.Error())
			os.Exit(1)
		}
	}
	return st
}

func (o *childOptions) body() ([]byte, error) {
	if o.file != "" {
		return json.Marshal(map[string]string{"match_id": o.matchID, "file_path": o.file})
	}
	if o.message == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(o.message)
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	return b, nil
}

func (o *childOptions) runOnce(ctx context.Context, stdout io.Writer) error {
	log := o.log.logger(os.Stderr, false)
	body, err := o.body()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	cfg := o.processorConfig()
	if o.dryRun {
		tracked := map[string]struct{}{}
		for _, n := range strings.Split(o.tracked, ",") {
			if n = strings.TrimSpace(n); n != "" {
				tracked[n] = struct{}{}
			}
		}
		rep, err := child.DryRun(ctx, body, cfg, tracked, o.withRows)
		if err != nil {
			return err
		}
		return enc.Encode(rep)
	}
	st, err := store.Open(ctx, o.db.config())
	if err != nil {
		return err
	}
	defer st.Close()
	var id [6]byte
	_, _ = rand.Read(id[:])
	res, err := o.processor(st, log).Process(ctx, &protocol.Job{Body: body, Attempt: 1, ID: "manual-" + hex.EncodeToString(id[:])})
	if err != nil {
		return err
	}
	if err := enc.Encode(resultView(res)); err != nil {
		return err
	}
	if res.Failed() {
		return errors.New(res.ErrorType + ": " + res.ErrorMessage)
	}
	return nil
}

// resultView renders a Result for people.
func resultView(r *protocol.Result) map[string]any {
	return map[string]any{
		"match_id":         r.MatchID,
		"outcome":          r.Outcome.String(),
		"error_type":       r.ErrorType,
		"error":            r.ErrorMessage,
		"skip_reason":      r.SkipReason,
		"total_events":     r.TotalEvents,
		"rows_written":     r.Rows,
		"events_extracted": r.EventsExtracted,
		"table_ms":         tableMillis(r.TableDurations),
		"timings": map[string]string{
			"read": r.Timings.Read.String(), "extract": r.Timings.Extract.String(),
			"store": r.Timings.Store.String(), "total": r.Timings.Total.String(),
		},
	}
}

func tableMillis(m map[string]time.Duration) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, d := range m {
		out[k] = float64(d.Microseconds()) / 1000
	}
	return out
}
