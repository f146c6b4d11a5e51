// Command demo is `make demo`: it migrates a fresh collector_demo database,
// generates realistic matches with `collector synth`, publishes their
// messages, runs `collector supervise --pool-size=2` until the queue is
// drained (printing a live progress line), prints rows per table and the
// throughput, and stops everything it started. Re-running starts clean.
//
// It drives the real binary (built by make) as an operator would, so the
// demo exercises exactly what ships.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"

	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/cmd/internal/scrape"
)

type config struct {
	bin, dir, profile, metrics string
	count, pool                int
	pg                         struct{ host, port, user, password, db string }
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "bin/collector", "the collector binary")
	flag.StringVar(&c.dir, "dir", ".demo", "working directory for telemetry, messages and logs")
	flag.StringVar(&c.profile, "profile", "modern", "synth profile: modern or small")
	flag.IntVar(&c.count, "count", 20, "matches to generate")
	flag.IntVar(&c.pool, "pool-size", 2, "children of the supervisor")
	flag.StringVar(&c.metrics, "metrics-addr", "127.0.0.1:19393", "supervisor metrics address")
	flag.Parse()
	c.pg.host, c.pg.port = env("POSTGRES_HOST", "127.0.0.1"), env("POSTGRES_PORT", "5432")
	c.pg.user, c.pg.password, c.pg.db = env("POSTGRES_USER", "postgres"), os.Getenv("POSTGRES_PASSWORD"), "collector_demo"

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, &c); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func step(format string, args ...any) { fmt.Printf("\n== "+format+"\n", args...) }

// collector runs a subcommand of the binary with the demo's environment.
func (c *config) collector(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(os.Environ(),
		"POSTGRES_HOST="+c.pg.host, "POSTGRES_PORT="+c.pg.port, "POSTGRES_USER="+c.pg.user,
		"POSTGRES_PASSWORD="+c.pg.password, "POSTGRES_DB="+c.pg.db,
		"RABBITMQ_HOST="+env("RABBITMQ_HOST", "127.0.0.1"), "ENVIRONMENT=demo", "WORKER_ID=demo-worker-1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd
}

// dsn is the connection string for database db, built the way the
// collector builds its own (store.Config).
func (c *config) dsn(db string) string {
	port, _ := strconv.Atoi(c.pg.port)
	return store.Config{Host: c.pg.host, Port: port, User: c.pg.user, Password: c.pg.password, DB: db}.DSN()
}

func run(ctx context.Context, c *config) error {
	step("fresh database %s", c.pg.db)
	admin, err := sql.Open("postgres", c.dsn("postgres"))
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+c.pg.db+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop demo database (is PostgreSQL up?): %w", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+c.pg.db); err != nil {
		return err
	}
	if err := c.collector(ctx, "migrate", "--log-level=warn").Run(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	telemetry := filepath.Join(c.dir, "telemetry")
	messages := filepath.Join(c.dir, "messages.jsonl")
	step("generating %d %s matches in %s", c.count, c.profile, telemetry)
	if err := os.RemoveAll(c.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(telemetry, 0o755); err != nil {
		return err
	}
	start := time.Now()
	if err := c.collector(ctx, "synth", "--profile="+c.profile, fmt.Sprintf("--count=%d", c.count), "--seed=20261129",
		"--out-dir="+telemetry, "--encoding=gzip", "--seed-db", "--messages="+messages).Run(); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	fmt.Printf("generated in %.1fs (%s on disk)\n", time.Since(start).Seconds(), humanBytes(dirSize(telemetry)))

	step("publishing to match.processing.demo")
	if err := c.collector(ctx, "publish", "--purge-first", "--messages="+messages).Run(); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	total, err := countLines(messages)
	if err != nil {
		return err
	}

	step("collector supervise --pool-size=%d", c.pool)
	logPath := filepath.Join(c.dir, "supervisor.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	sup := c.collector(context.Background(), "supervise", fmt.Sprintf("--pool-size=%d", c.pool), "--telemetry-dir="+telemetry,
		"--metrics-addr="+c.metrics, "--log-format=json")
	sup.Stdout, sup.Stderr = logFile, logFile
	if err := sup.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- sup.Wait() }()
	stopSup := func() error {
		_ = sup.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(60 * time.Second):
			_ = sup.Process.Kill()
			return errors.New("supervisor did not stop within 60s of SIGTERM")
		}
	}

	t0 := time.Now()
	var ok, failed float64
	shown := false
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("supervisor exited early (%v); see %s", err, logPath)
		case <-ctx.Done():
			_ = stopSup()
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		m := scrape.Metrics(c.metrics)
		ok = m[`queue_messages_processed_total{queue_name="telemetry_processing",status="success"}`]
		failed = m[`queue_messages_processed_total{queue_name="telemetry_processing",status="failed"}`]
		done := int(ok + failed)
		el := time.Since(t0).Seconds()
		fmt.Printf("\r  %d/%d matches  %.2f matches/s  %d failed   ", done, total, float64(done)/el, int(failed))
		if done >= total {
			break
		}
		// Once, while the children work: what an operator sees with
		// `collector status`.
		if !shown && done >= total/3 {
			shown = true
			fmt.Printf("\n\n  $ collector status --metrics-addr=%s\n", c.metrics)
			st := c.collector(ctx, "status", "--metrics-addr="+c.metrics)
			if err := st.Run(); err != nil {
				fmt.Printf("  (collector status: %v)\n", err)
			}
			fmt.Println()
		}
	}
	elapsed := time.Since(t0)
	fmt.Println()
	if err := stopSup(); err != nil {
		return fmt.Errorf("supervisor: %w", err)
	}

	step("rows per table")
	db, err := sql.Open("postgres", c.dsn(c.pg.db))
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []struct{ label, sql string }{
		{"landings", "SELECT count(*) FROM landings"},
		{"kill_positions", "SELECT count(*) FROM kill_positions"},
		{"weapon_kill_events", "SELECT count(*) FROM weapon_kill_events"},
		{"player_damage_events", "SELECT count(*) FROM player_damage_events"},
		{"player_knock_events", "SELECT count(*) FROM player_knock_events"},
		{"player_finishing_summary", "SELECT count(*) FROM player_finishing_summary"},
		{"team_fights", "SELECT count(*) FROM team_fights"},
		{"fight_participants", "SELECT count(*) FROM fight_participants"},
		{"player_circle_positions", "SELECT count(*) FROM player_circle_positions"},
		{"player_match_weapon_distribution", "SELECT count(*) FROM player_match_weapon_distribution"},
		{"match_summaries with enhanced stats", "SELECT count(*) FROM match_summaries WHERE avg_distance_from_center IS NOT NULL"},
		{"matches completed", "SELECT count(*) FROM matches WHERE status = 'completed'"},
	} {
		var n int64
		if err := db.QueryRowContext(ctx, q.sql).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", q.label, err)
		}
		fmt.Printf("  %-38s %10d\n", q.label, n)
	}

	step("throughput")
	fmt.Printf("  %d matches in %.1fs with --pool-size=%d: %.0f matches/minute, %d failed\n",
		int(ok+failed), elapsed.Seconds(), c.pool, (ok+failed)*60/elapsed.Seconds(), int(failed))
	fmt.Printf("  supervisor log: %s\n", logPath)
	if failed > 0 {
		return fmt.Errorf("%d matches failed; see %s and `collector failed --environment demo`", int(failed), logPath)
	}
	return nil
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	return n, sc.Err()
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
