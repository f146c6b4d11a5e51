package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"

	"github.com/pewstats/collector/cmd/internal/scrape"
)

// result is one drain of the queue.
type result struct {
	bin                  string
	kind                 string
	pool, round          int
	wall                 time.Duration
	perMatch             []float64 // seconds, from the supervisor's log
	read, extract, store []float64 // seconds, as children measured
	parentPeakRSS        int64
	childPeakRSS         []int64
	// CPU seconds while the queue drained (from consuming to the last
	// settled message): children, parent, and the PostgreSQL backends
	// serving the children.
	childCPU, parentCPU, pgCPU float64
	// brokerCPU is the RabbitMQ server's (beam.smp) CPU over the same
	// time; machineBusy and machineIdle are the whole machine's busy and
	// idle CPU seconds from /proc/stat.
	brokerCPU, pgBackgroundCPU, machineBusy, machineIdle float64
	rows                                                 map[string]int64   // per table, from the children's results
	writeSeconds                                         map[string]float64 // per table, database time as children measured it
	catalog                                              catalogWrites      // system-catalog rows written during the run
	failed                                               int
}

func (r *result) n() int { return max(1, len(r.perMatch)) }

func (r *result) matchesPerMin() float64 { return float64(len(r.perMatch)) / r.wall.Minutes() }

// pipelineCPU is the CPU seconds one match cost the whole pipeline:
// children, parent, the backends serving them and the broker.
func (r *result) pipelineCPU() float64 {
	return (r.childCPU + r.parentCPU + r.pgCPU + r.brokerCPU) / float64(r.n())
}

func nowSeconds() float64 { return float64(time.Now().UnixNano()) / 1e9 }

// resetDB drops and recreates the bench database, migrates and seeds it
// with the match set's rows.
func (o *options) resetDB(ctx context.Context, bin string, s *matchSet) error {
	admin, err := sql.Open("postgres", o.dsn("postgres"))
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+o.db+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop bench database: %w", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+o.db); err != nil {
		return err
	}
	mig := o.collector(bin, "migrate", "--log-level=warn")
	mig.Stdout = io.Discard
	if err := mig.Run(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(s.dir, "seed.sql"))
	if err != nil {
		return err
	}
	db, err := sql.Open("postgres", o.dsn(o.db))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, string(b)); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

func (o *options) drain(ctx context.Context, b binary, s *matchSet, pool, round int) (*result, error) {
	pub := o.collector(b.path, "publish", "--purge-first", "--messages="+filepath.Join(s.dir, "messages.jsonl"))
	pub.Stderr = io.Discard
	if err := pub.Run(); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	db, err := sql.Open("postgres", o.dsn(o.db))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	catBefore, err := settledCatalogWrites(ctx, db)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(o.dir, fmt.Sprintf("supervisor-%s-%s-pool%d-round%d.log", b.label, s.kind.name, pool, round+1))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	sup := o.collector(b.path, "supervise", fmt.Sprintf("--pool-size=%d", pool), "--telemetry-dir="+filepath.Join(s.dir, "telemetry"),
		"--metrics-addr="+o.metrics, "--log-format=json")
	sup.Stdout, sup.Stderr = logFile, logFile
	fmt.Fprintf(os.Stderr, "bench: %s: draining %d %s matches with --pool-size=%d\n", b.label, o.matches, s.kind.name, pool)
	if err := sup.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- sup.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = sup.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			_ = sup.Process.Kill()
			<-exited
		}
	}
	defer stop()

	r := &result{bin: b.label, kind: s.kind.name, pool: pool, round: round}
	cpu := newCPUWatch(db, o.db, sup.Process.Pid)
	var start time.Time
	var peaks map[int]int64
	var m map[string]float64
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("supervisor exited early: %v (see %s)", err, logPath)
		case <-time.After(100 * time.Millisecond):
		}
		m = scrape.Metrics(o.metrics)
		done := m[`queue_messages_processed_total{queue_name="telemetry_processing",status="success"}`] + m[`queue_messages_processed_total{queue_name="telemetry_processing",status="failed"}`]
		if start.IsZero() && m[`collector_amqp_consumer_up`] == 1 {
			start = time.Now() // the clock starts when consuming starts
			cpu.start(ctx)
		}
		if !start.IsZero() {
			cpu.sample(ctx)
		}
		// Children's VmHWM is a high-water mark; read it while they live.
		peaks = childPeaks(sup.Process.Pid)
		if int(done) >= o.matches {
			r.failed = int(m[`queue_messages_processed_total{queue_name="telemetry_processing",status="failed"}`])
			break
		}
	}
	r.wall = time.Since(start)
	cpu.sample(ctx)
	r.childCPU, r.parentCPU, r.pgCPU = cpu.used()
	r.brokerCPU, r.pgBackgroundCPU, r.machineBusy, r.machineIdle = cpu.machine()
	r.parentPeakRSS = statusKB(sup.Process.Pid, "VmHWM") * 1024
	for _, v := range peaks {
		r.childPeakRSS = append(r.childPeakRSS, v)
	}
	sort.Slice(r.childPeakRSS, func(i, j int) bool { return r.childPeakRSS[i] > r.childPeakRSS[j] })
	r.writeSeconds = writeSeconds(m)
	// Backends flush their statistics when they exit: stop the supervisor
	// (and so its children and their connections) before reading them.
	stop()
	catAfter, err := settledCatalogWrites(ctx, db)
	if err != nil {
		return nil, err
	}
	r.catalog = catAfter.minus(catBefore)
	if err := parseLog(logPath, r); err != nil {
		return nil, err
	}
	return r, nil
}

// writeSeconds reads the children's per-table database time from the
// supervisor's histogram sums.
func writeSeconds(m map[string]float64) map[string]float64 {
	const prefix = `database_operation_duration_seconds_sum{operation="write",table="`
	out := map[string]float64{}
	for k, v := range m {
		if t, ok := strings.CutPrefix(k, prefix); ok {
			out[strings.TrimSuffix(t, `"}`)] = v
		}
	}
	return out
}

func parseLog(path string, r *result) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r.rows = map[string]int64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		msg, _ := rec["msg"].(string)
		i := strings.LastIndex(msg, " in ")
		if rec["outcome"] != "success" || i < 0 {
			continue
		}
		secs, err := strconv.ParseFloat(strings.TrimSuffix(msg[i+4:], "s"), 64)
		if err != nil {
			continue
		}
		r.perMatch = append(r.perMatch, secs)
		get := func(k string) float64 { v, _ := rec[k].(float64); return v / 1000 }
		r.read = append(r.read, get("read_ms"))
		r.extract = append(r.extract, get("extract_ms"))
		r.store = append(r.store, get("store_ms"))
		if rows, ok := rec["rows"].(map[string]any); ok {
			for t, v := range rows {
				n, _ := v.(float64)
				r.rows[t] += int64(n)
			}
		}
	}
	if len(r.perMatch) == 0 {
		return errors.New("no successful matches in " + path)
	}
	return sc.Err()
}
