// Command bench is the end-to-end half of `make bench`: it generates K modern
// matches with `collector synth`, measures the `gzip -dc` floor on them, then
// for each pool size publishes them and drains the queue with `collector
// supervise`, and reports matches per minute, per-match latency percentiles,
// the children's read/extract/store times, peak RSS of the parent and of each
// child, CPU seconds per match, and the scaling ratio between pool sizes.
//
// Results are printed as benchstat-compatible lines (Benchmark… N value unit
// …) and as a table for docs/PERFORMANCE.md.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"

	"github.com/pewstats/collector/cmd/internal/scrape"
)

type options struct {
	bin, dir, profile, metrics string
	matches                    int
	pools                      []int
	pg                         struct{ host, port, user, password, db string }
}

func main() {
	var o options
	var pools string
	flag.StringVar(&o.bin, "bin", "bin/collector", "the collector binary")
	flag.StringVar(&o.dir, "dir", ".bench", "working directory")
	flag.StringVar(&o.profile, "profile", "modern", "synth profile")
	flag.IntVar(&o.matches, "matches", 40, "matches per run (K)")
	flag.StringVar(&pools, "pools", "1,2", "pool sizes to measure")
	flag.StringVar(&o.metrics, "metrics-addr", "127.0.0.1:19494", "supervisor metrics address")
	flag.Parse()
	for _, p := range strings.Split(pools, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: bad pool size %q\n", p)
			os.Exit(2)
		}
		o.pools = append(o.pools, n)
	}
	o.pg.host, o.pg.port = env("POSTGRES_HOST", "127.0.0.1"), env("POSTGRES_PORT", "5432")
	o.pg.user, o.pg.password, o.pg.db = env("POSTGRES_USER", "postgres"), os.Getenv("POSTGRES_PASSWORD"), "collector_bench"
	if err := run(context.Background(), &o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (o *options) collector(args ...string) *exec.Cmd {
	cmd := exec.Command(o.bin, args...)
	cmd.Env = append(os.Environ(),
		"POSTGRES_HOST="+o.pg.host, "POSTGRES_PORT="+o.pg.port, "POSTGRES_USER="+o.pg.user,
		"POSTGRES_PASSWORD="+o.pg.password, "POSTGRES_DB="+o.pg.db,
		"RABBITMQ_HOST="+env("RABBITMQ_HOST", "127.0.0.1"), "ENVIRONMENT=bench", "WORKER_ID=bench-worker")
	cmd.Stderr = os.Stderr
	return cmd
}

func (o *options) dsn(db string) string {
	s := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", o.pg.host, o.pg.port, o.pg.user, db)
	if o.pg.password != "" {
		s += " password=" + o.pg.password
	}
	return s
}

// result is one drain of the queue.
type result struct {
	pool                 int
	wall                 time.Duration
	perMatch             []float64 // seconds, from the supervisor's log
	read, extract, store []float64 // seconds, as children measured
	parentPeakRSS        int64
	childPeakRSS         []int64
	cpuSeconds           float64 // parent + children user+system
	failed               int
}

func run(ctx context.Context, o *options) error {
	telemetry := filepath.Join(o.dir, "telemetry")
	messages := filepath.Join(o.dir, "messages.jsonl")
	if err := os.RemoveAll(o.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(telemetry, 0o755); err != nil {
		return err
	}
	if err := o.resetDB(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: generating %d %s matches\n", o.matches, o.profile)
	gen := o.collector("synth", "--profile="+o.profile, fmt.Sprintf("--count=%d", o.matches), "--seed=4242",
		"--out-dir="+telemetry, "--encoding=gzip", "--seed-sql="+filepath.Join(o.dir, "seed.sql"), "--messages="+messages)
	gen.Stderr = io.Discard
	if err := gen.Run(); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	floor, bytesUnpacked, err := gunzipFloor(telemetry)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: gzip -dc floor %.1f ms per match (%.1f MB unpacked per match)\n", floor*1000/float64(o.matches), float64(bytesUnpacked)/float64(o.matches)/1e6)

	var results []*result
	for _, pool := range o.pools {
		if err := o.resetDB(ctx); err != nil {
			return err
		}
		r, err := o.drain(ctx, pool, telemetry, messages)
		if err != nil {
			return fmt.Errorf("pool %d: %w", pool, err)
		}
		results = append(results, r)
	}
	report(os.Stdout, o, results, floor/float64(o.matches))
	return nil
}

func (o *options) resetDB(ctx context.Context) error {
	admin, err := sql.Open("postgres", o.dsn("postgres"))
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+o.pg.db+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop bench database: %w", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+o.pg.db); err != nil {
		return err
	}
	mig := o.collector("migrate", "--log-level=warn")
	mig.Stdout = io.Discard
	if err := mig.Run(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	seed := filepath.Join(o.dir, "seed.sql")
	if _, err := os.Stat(seed); err == nil {
		b, err := os.ReadFile(seed)
		if err != nil {
			return err
		}
		db, err := sql.Open("postgres", o.dsn(o.pg.db))
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

// gunzipFloor times `gzip -dc` over every file: the cost of just unpacking.
func gunzipFloor(dir string) (seconds float64, unpacked int64, err error) {
	var files []string
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".gz") {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		cmd := exec.Command("gzip", "-dc", f)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, 0, err
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return 0, 0, fmt.Errorf("gzip: %w", err)
		}
		n, _ := io.Copy(io.Discard, out)
		if err := cmd.Wait(); err != nil {
			return 0, 0, fmt.Errorf("gzip -dc %s: %w", f, err)
		}
		seconds += time.Since(start).Seconds()
		unpacked += n
	}
	return seconds, unpacked, nil
}

func (o *options) drain(ctx context.Context, pool int, telemetry, messages string) (*result, error) {
	pub := o.collector("publish", "--purge-first", "--messages="+messages)
	pub.Stderr = io.Discard
	if err := pub.Run(); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	logPath := filepath.Join(o.dir, fmt.Sprintf("supervisor-pool%d.log", pool))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	sup := o.collector("supervise", fmt.Sprintf("--pool-size=%d", pool), "--telemetry-dir="+telemetry,
		"--metrics-addr="+o.metrics, "--log-format=json")
	sup.Stdout, sup.Stderr = logFile, logFile
	fmt.Fprintf(os.Stderr, "bench: draining %d matches with --pool-size=%d\n", o.matches, pool)
	if err := sup.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- sup.Wait() }()
	defer func() {
		_ = sup.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			_ = sup.Process.Kill()
		}
	}()

	var start time.Time
	r := &result{pool: pool}
	var peaks map[int]int64
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("supervisor exited early: %v (see %s)", err, logPath)
		case <-time.After(100 * time.Millisecond):
		}
		m := scrape.Metrics(o.metrics)
		done := m[`queue_messages_processed_total{queue_name="telemetry_processing",status="success"}`] + m[`queue_messages_processed_total{queue_name="telemetry_processing",status="failed"}`]
		if start.IsZero() && m[`collector_amqp_consumer_up`] == 1 {
			start = time.Now() // the clock starts when consuming starts
		}
		// Children's VmHWM is a high-water mark; read it while they live.
		peaks = childPeaks(sup.Process.Pid)
		if int(done) >= o.matches {
			r.failed = int(m[`queue_messages_processed_total{queue_name="telemetry_processing",status="failed"}`])
			break
		}
	}
	r.wall = time.Since(start)
	r.parentPeakRSS = statusKB(sup.Process.Pid, "VmHWM") * 1024
	for _, v := range peaks {
		r.childPeakRSS = append(r.childPeakRSS, v)
	}
	sort.Slice(r.childPeakRSS, func(i, j int) bool { return r.childPeakRSS[i] > r.childPeakRSS[j] })
	r.cpuSeconds = cpuSeconds(sup.Process.Pid)
	for _, c := range children(sup.Process.Pid) {
		r.cpuSeconds += cpuSeconds(c)
	}
	if err := parseLog(logPath, r); err != nil {
		return nil, err
	}
	return r, nil
}

func parseLog(path string, r *result) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
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
	}
	if len(r.perMatch) == 0 {
		return errors.New("no successful matches in " + path)
	}
	return sc.Err()
}

func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

func childPeaks(pid int) map[int]int64 {
	out := map[int]int64{}
	for _, c := range children(pid) {
		out[c] = statusKB(c, "VmHWM") * 1024
	}
	return out
}

func statusKB(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			f := strings.Fields(line[len(key)+1:])
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// cpuSeconds is a process's user+system time so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(p*float64(len(s)-1) + 0.5)
	return s[i]
}

func mean(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t / float64(max(1, len(xs)))
}

func report(w io.Writer, o *options, rs []*result, floorPerMatch float64) {
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/pewstats/collector/cmd/bench\ncpu-count: %d\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	for _, r := range rs {
		n := len(r.perMatch)
		mpm := float64(n) / r.wall.Minutes()
		maxChild := int64(0)
		if len(r.childPeakRSS) > 0 {
			maxChild = r.childPeakRSS[0]
		}
		pe := mean(r.read) + mean(r.extract)
		fmt.Fprintf(w, "BenchmarkEndToEnd/profile=%s/pool=%d %d %.0f ns/match %.1f matches/min %.1f p50-ms %.1f p95-ms %.1f p99-ms %.1f read-ms %.1f extract-ms %.1f store-ms %.2f parse+extract/gunzip %.3f cpu-s/match %.1f parent-peak-MiB %.1f child-peak-MiB\n",
			o.profile, r.pool, n, float64(r.wall.Nanoseconds())/float64(n), mpm,
			percentile(r.perMatch, .50)*1000, percentile(r.perMatch, .95)*1000, percentile(r.perMatch, .99)*1000,
			mean(r.read)*1000, mean(r.extract)*1000, mean(r.store)*1000, pe/floorPerMatch,
			r.cpuSeconds/float64(n), float64(r.parentPeakRSS)/(1<<20), float64(maxChild)/(1<<20))
	}
	fmt.Fprintf(w, "\n| pool | matches | wall | matches/min | p50 | p95 | p99 | read | extract | store | parse+extract ÷ gzip -dc | CPU s/match | parent peak RSS | child peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		var kids []string
		for _, c := range r.childPeakRSS {
			kids = append(kids, fmt.Sprintf("%.0f", float64(c)/(1<<20)))
		}
		fmt.Fprintf(w, "| %d | %d (%d failed) | %.1fs | %.0f | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.2f× | %.3f | %.0f MiB | %s MiB |\n",
			r.pool, len(r.perMatch), r.failed, r.wall.Seconds(), float64(len(r.perMatch))/r.wall.Minutes(),
			percentile(r.perMatch, .50)*1000, percentile(r.perMatch, .95)*1000, percentile(r.perMatch, .99)*1000,
			mean(r.read)*1000, mean(r.extract)*1000, mean(r.store)*1000, (mean(r.read)+mean(r.extract))/floorPerMatch,
			r.cpuSeconds/float64(len(r.perMatch)), float64(r.parentPeakRSS)/(1<<20), strings.Join(kids, ", "))
	}
	fmt.Fprintf(w, "\ngzip -dc floor: %.1f ms per match\n", floorPerMatch*1000)
	if len(rs) >= 2 {
		a, b := rs[0], rs[len(rs)-1]
		fmt.Fprintf(w, "scaling pool %d over pool %d: %.2f×\n", b.pool, a.pool,
			(float64(len(b.perMatch))/b.wall.Minutes())/(float64(len(a.perMatch))/a.wall.Minutes()))
	}
}
