// Command bench is the end-to-end half of `make bench`: it generates K modern
// matches of each kind with `collector synth`, measures the `gzip -dc` floor
// on them, then for each pool size publishes them and drains the queue with
// `collector supervise`, and reports matches per minute, per-match latency
// percentiles, the children's read/extract/store times, peak RSS of the
// parent and of each child, and where the CPU went: the children's, the
// parent's and the PostgreSQL backends' that served them, per match. It
// also reports rows written per table (and per second of that table's
// writes) and the system-catalog rows the run wrote, per match.
//
// Two kinds of matches are measured by default, because they load the
// database very differently: "production" (few tracked players, as in a
// PewStats community: a tenth of the participants plus a group of four
// friends) and "heavy" (most participants tracked, so damage events and
// circle samples are written for hundreds of players' events).
//
// -bins old=path,new=path compares binaries: every round runs each kind and
// pool with each binary, alternating which goes first, and the report gives
// the median and the spread over the rounds. On a shared machine that is
// the only comparison worth making.
//
// Results are printed as benchstat-compatible lines (Benchmark… N value unit
// …) and as tables for docs/PERFORMANCE.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pewstats/collector/child/store"
)

// kind is one family of generated matches.
type kind struct {
	name            string
	trackedFraction float64
}

// kinds are the match families bench knows. production is synth's default
// (a tenth of the participants tracked plus a group of four: ~210
// tracked-player damage rows per modern match); heavy gives ~340, the load
// issue 13 was measured on; stress tracks nine in ten participants (~3,900
// damage rows and ~5,400 circle samples per match), where the database's
// share dominates.
var kinds = map[string]kind{
	"production": {name: "production", trackedFraction: 0.1},
	"heavy":      {name: "heavy", trackedFraction: 0.15},
	"stress":     {name: "stress", trackedFraction: 0.9},
}

// binary is one collector build under test.
type binary struct{ label, path string }

type options struct {
	bins                  []binary
	dir, profile, metrics string
	env, db               string
	matches, rounds       int
	pools                 []int
	kinds                 []kind
	pg                    struct{ host, port, user, password string }
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags() (*options, error) {
	o := &options{}
	var bin, bins, pools, kindList string
	flag.StringVar(&bin, "bin", "bin/collector", "the collector binary")
	flag.StringVar(&bins, "bins", "", "label=path,… of binaries to compare, interleaved (overrides -bin)")
	flag.StringVar(&o.dir, "dir", ".bench", "working directory")
	flag.StringVar(&o.profile, "profile", "modern", "synth profile")
	flag.IntVar(&o.matches, "matches", 40, "matches per run (K)")
	flag.IntVar(&o.rounds, "rounds", 1, "rounds: each runs every kind, pool and binary once")
	flag.StringVar(&pools, "pools", "1,2", "pool sizes to measure")
	flag.StringVar(&kindList, "kinds", "production,heavy", "match kinds: production, heavy, stress, or name=tracked-fraction")
	flag.StringVar(&o.metrics, "metrics-addr", "127.0.0.1:19494", "supervisor metrics address")
	flag.StringVar(&o.env, "environment", "bench", "ENVIRONMENT of the supervisor (queue suffix)")
	flag.StringVar(&o.db, "db", "collector_bench", "database (dropped and created for every run)")
	flag.Parse()
	if bins == "" {
		bins = "run=" + bin
	}
	for _, b := range strings.Split(bins, ",") {
		label, path, ok := strings.Cut(b, "=")
		if !ok || label == "" || path == "" {
			return nil, fmt.Errorf("bad -bins entry %q (want label=path)", b)
		}
		o.bins = append(o.bins, binary{label, path})
	}
	for _, p := range strings.Split(pools, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad pool size %q", p)
		}
		o.pools = append(o.pools, n)
	}
	for _, k := range strings.Split(kindList, ",") {
		kd, err := parseKind(k)
		if err != nil {
			return nil, err
		}
		o.kinds = append(o.kinds, kd)
	}
	if o.rounds < 1 || o.matches < 1 {
		return nil, errors.New("-rounds and -matches must be at least 1")
	}
	o.pg.host, o.pg.port = env("POSTGRES_HOST", "127.0.0.1"), env("POSTGRES_PORT", "5432")
	o.pg.user, o.pg.password = env("POSTGRES_USER", "postgres"), os.Getenv("POSTGRES_PASSWORD")
	return o, nil
}

// parseKind reads a -kinds entry: a known kind's name, or name=fraction
// for another share of tracked players.
func parseKind(s string) (kind, error) {
	name, frac, custom := strings.Cut(strings.TrimSpace(s), "=")
	if !custom {
		k, ok := kinds[name]
		if !ok {
			return kind{}, fmt.Errorf("unknown kind %q (want production, heavy, stress or name=fraction)", s)
		}
		return k, nil
	}
	f, err := strconv.ParseFloat(frac, 64)
	if err != nil || f < 0 || f > 1 || name == "" {
		return kind{}, fmt.Errorf("bad kind %q (want name=fraction, fraction within [0, 1])", s)
	}
	return kind{name: name, trackedFraction: f}, nil
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (o *options) collector(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"POSTGRES_HOST="+o.pg.host, "POSTGRES_PORT="+o.pg.port, "POSTGRES_USER="+o.pg.user,
		"POSTGRES_PASSWORD="+o.pg.password, "POSTGRES_DB="+o.db,
		"RABBITMQ_HOST="+env("RABBITMQ_HOST", "127.0.0.1"), "ENVIRONMENT="+o.env, "WORKER_ID=bench-worker")
	cmd.Stderr = os.Stderr
	return cmd
}

// dsn is the bench's own connection string, built as the collector builds
// its own but under another application name: the bench reads the
// collector's backends by application_name and must not count itself.
func (o *options) dsn(db string) string {
	port, _ := strconv.Atoi(o.pg.port)
	return store.Config{Host: o.pg.host, Port: port, User: o.pg.user, Password: o.pg.password, DB: db, ApplicationName: "collector-bench"}.DSN()
}

// matchSet is one kind's generated files.
type matchSet struct {
	kind               kind
	dir                string // holds telemetry/, messages.jsonl, seed.sql
	floorPerMatch      float64
	unpackedPerMatchMB float64
}

func run(ctx context.Context, o *options) error {
	if err := os.RemoveAll(o.dir); err != nil {
		return err
	}
	var sets []*matchSet
	for _, k := range o.kinds {
		s, err := o.generate(k)
		if err != nil {
			return err
		}
		sets = append(sets, s)
	}
	var results []*result
	for round := range o.rounds {
		for _, s := range sets {
			for _, pool := range o.pools {
				for i := range o.bins {
					// Alternate which binary goes first, so neither
					// always runs on a machine the other just warmed.
					b := o.bins[(i+round)%len(o.bins)]
					if err := o.resetDB(ctx, b.path, s); err != nil {
						return err
					}
					r, err := o.drain(ctx, b, s, pool, round)
					if err != nil {
						return fmt.Errorf("%s %s pool %d: %w", b.label, s.kind.name, pool, err)
					}
					results = append(results, r)
					fmt.Fprintf(os.Stderr, "bench: round %d %s %s pool %d: %.0f matches/min, child %.0f ms, postgres %.0f ms CPU per match\n",
						round+1, b.label, s.kind.name, pool, r.matchesPerMin(), r.childCPU*1000/float64(r.n()), r.pgCPU*1000/float64(r.n()))
				}
			}
		}
	}
	report(os.Stdout, o, sets, results)
	return nil
}

// generate writes K matches of kind k with the first binary's synth.
func (o *options) generate(k kind) (*matchSet, error) {
	s := &matchSet{kind: k, dir: filepath.Join(o.dir, k.name)}
	telemetry := filepath.Join(s.dir, "telemetry")
	if err := os.MkdirAll(telemetry, 0o755); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "bench: generating %d %s %s matches (tracked fraction %.2f)\n", o.matches, k.name, o.profile, k.trackedFraction)
	gen := o.collector(o.bins[0].path, "synth", "--profile="+o.profile, fmt.Sprintf("--count=%d", o.matches), "--seed=4242",
		fmt.Sprintf("--tracked-fraction=%g", k.trackedFraction),
		"--out-dir="+telemetry, "--encoding=gzip", "--seed-sql="+filepath.Join(s.dir, "seed.sql"), "--messages="+filepath.Join(s.dir, "messages.jsonl"))
	gen.Stdout, gen.Stderr = io.Discard, io.Discard
	if err := gen.Run(); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	floor, unpacked, err := gunzipFloor(telemetry)
	if err != nil {
		return nil, err
	}
	s.floorPerMatch = floor / float64(o.matches)
	s.unpackedPerMatchMB = float64(unpacked) / float64(o.matches) / 1e6
	fmt.Fprintf(os.Stderr, "bench: gzip -dc floor %.1f ms per match (%.1f MB unpacked per match)\n", s.floorPerMatch*1000, s.unpackedPerMatchMB)
	return s, nil
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
		start := nowSeconds()
		if err := cmd.Start(); err != nil {
			return 0, 0, fmt.Errorf("gzip: %w", err)
		}
		n, _ := io.Copy(io.Discard, out)
		if err := cmd.Wait(); err != nil {
			return 0, 0, fmt.Errorf("gzip -dc %s: %w", f, err)
		}
		seconds += nowSeconds() - start
		unpacked += n
	}
	return seconds, unpacked, nil
}
