package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq" // driver for --seed-db
	"github.com/spf13/cobra"

	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/synth"
)

func init() { extraCommands = append(extraCommands, newSynthCmd) }

type synthOptions struct {
	profile         string
	seed            uint64
	count           int
	outDir          string
	encoding        string
	corrupt         string
	bombSize        int64
	gameMode        string
	mapName         string
	gameType        string
	trackedFraction float64
	groupSize       int
	seedSQL         string
	seedDB          bool
	messages        string
	dirPrefix       string
	workerID        string
	jobs            int
	db              dbOptions
}

func newSynthCmd() *cobra.Command {
	o := &synthOptions{}
	cmd := &cobra.Command{
		Use:   "synth",
		Short: "Generate realistic PUBG telemetry files, their queue messages and database seed rows",
		Long: `Generate deterministic PUBG match telemetry in the real wire format, laid out as
the download worker leaves it (<out-dir>/matchID=<id>/raw.json.gz), together with
the processing-queue message for each file and the matches / players /
match_summaries rows the processing worker expects to find.

The same --seed always produces the same bytes. --corrupt writes one of the bad
files the reader must refuse instead of the telemetry.`,
		Example: `  collector synth --profile modern --seed 7 --count 20 --out-dir .demo/telemetry \
      --messages .demo/messages.jsonl --seed-sql .demo/seed.sql
  collector synth --profile small --corrupt gzip-bomb --out-dir /tmp/bad
  POSTGRES_DB=pewstats collector synth --count 5 --seed-db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSynth(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", "modern", "match scale: modern (≈54k events, 35–40 MB) or small (≈5k events)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the first match; the same seed gives the same bytes")
	f.IntVar(&o.count, "count", 1, "number of matches")
	f.StringVar(&o.outDir, "out-dir", ".demo/telemetry", "directory that receives matchID=<id>/raw.json[.gz]")
	f.StringVar(&o.encoding, "encoding", "gzip", "file encoding: plain, gzip or double-gzip")
	f.StringVar(&o.corrupt, "corrupt", "", "write bad files instead: "+corruptNames())
	f.Int64Var(&o.bombSize, "bomb-size", synth.DefaultBombSize, "bytes a gzip-bomb inflates to")
	f.StringVar(&o.gameMode, "game-mode", "", "game mode ("+strings.Join(synth.GameModes, ", ")+"); empty picks one per match")
	f.StringVar(&o.mapName, "map", "", "internal map name (Baltic_Main, Desert_Main, Tiger_Main, …); empty picks one per match")
	f.StringVar(&o.gameType, "game-type", synth.DefaultGameType, "matches.game_type of the seed rows")
	f.Float64Var(&o.trackedFraction, "tracked-fraction", 0.1, "share of human participants written as tracked players")
	f.IntVar(&o.groupSize, "group-size", 4, "tracked friends (derived from --seed) who play every match together; 0 for none")
	f.StringVar(&o.seedSQL, "seed-sql", "", "write the seed rows as SQL to this file")
	f.BoolVar(&o.seedDB, "seed-db", false, "insert the seed rows into PostgreSQL (--postgres-* / POSTGRES_*)")
	f.StringVar(&o.messages, "messages", "", "write one processing-queue message per line to this file (- for stdout)")
	f.StringVar(&o.dirPrefix, "telemetry-dir-prefix", "", "directory the consumer sees for --out-dir, used in file_path (default: --out-dir made absolute)")
	f.StringVar(&o.workerID, "worker-id", synth.DefaultWorkerID, "worker_id of the messages")
	f.IntVar(&o.jobs, "jobs", runtime.GOMAXPROCS(0), "matches generated in parallel")
	o.db.registerConn(newEnvFlags(cmd))
	return cmd
}

func corruptNames() string {
	var names []string
	for _, c := range synth.Corruptions() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

// synthResult is one generated match, as written.
type synthResult struct {
	match  *synth.Match
	out    synth.Output
	events int
	bytes  int64
	err    error
}

func runSynth(cmd *cobra.Command, o *synthOptions) error {
	prof, err := synth.ProfileByName(o.profile)
	if err != nil {
		return usagef("%v", err)
	}
	enc, err := synth.ParseEncoding(o.encoding)
	if err != nil {
		return usagef("%v", err)
	}
	var corrupt synth.Corruption
	if o.corrupt != "" {
		if corrupt, err = synth.ParseCorruption(o.corrupt); err != nil {
			return usagef("%v", err)
		}
	}
	switch {
	case o.count < 1:
		return usagef("--count must be at least 1")
	case o.trackedFraction < 0 || o.trackedFraction > 1:
		return usagef("--tracked-fraction must be within [0, 1]")
	case o.groupSize < 0 || o.groupSize > 16:
		return usagef("--group-size must be within 0..16")
	case o.outDir == "":
		return usagef("--out-dir must not be empty")
	case o.jobs < 1:
		return usagef("--jobs must be at least 1")
	}
	if o.gameMode != "" {
		if !validMode(o.gameMode) {
			return usagef("--game-mode: unknown mode %q (want one of %s)", o.gameMode, strings.Join(synth.GameModes, ", "))
		}
	}
	if o.seedDB {
		if err := o.db.flags.apply(); err != nil {
			return err
		}
		if err := o.db.validate(); err != nil {
			return err
		}
	}
	prefix := o.dirPrefix
	if prefix == "" {
		if prefix, err = filepath.Abs(o.outDir); err != nil {
			return err
		}
	}

	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	group := synth.TrackedGroup(o.seed, o.groupSize)
	results := make([]synthResult, o.count)
	progress := newSynthProgress(o.count)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(o.jobs, o.count); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = synthOne(o, prof, enc, corrupt, group, i)
				progress.done()
			}
		}()
	}
	for i := 0; i < o.count && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	progress.finish()
	if err := ctx.Err(); err != nil {
		return err
	}

	seed := synth.NewSeed()
	var msgs [][]byte
	stderr := cmd.ErrOrStderr()
	for _, r := range results {
		if r.err != nil {
			return r.err
		}
		m := r.match
		seed.Add(m)
		path := filepath.Join(prefix, filepath.Base(filepath.Dir(r.out.Path)), filepath.Base(r.out.Path))
		msgs = append(msgs, synth.NewMessage(m, path, r.out.Size, o.workerID).JSON())
		kind := fmt.Sprintf("%d events, %.1f MB JSON", r.events, float64(r.bytes)/1e6)
		if corrupt != "" {
			kind = string(corrupt)
		}
		fmt.Fprintf(stderr, "%s  %s %s %s  %s, %.2f MiB on disk\n", r.out.Path, m.MapName, m.GameMode, m.MatchDatetime(), kind, float64(r.out.Size)/(1<<20))
	}
	if o.messages != "" {
		if err := writeSynthLines(cmd, o.messages, msgs); err != nil {
			return fmt.Errorf("write messages: %w", err)
		}
	}
	if o.seedSQL != "" {
		if err := writeSynthSQL(o.seedSQL, seed); err != nil {
			return fmt.Errorf("write seed SQL: %w", err)
		}
	}
	if o.seedDB {
		if err := applySynthSeed(ctx, o.db.config(), seed); err != nil {
			return fmt.Errorf("seed database: %w", err)
		}
		fmt.Fprintf(stderr, "seeded %s: %d matches, %d players, %d match summaries\n", o.db.db, len(seed.Matches), len(seed.Players), len(seed.Summaries))
	}
	return nil
}

func validMode(m string) bool {
	for _, g := range synth.GameModes {
		if g == m {
			return true
		}
	}
	return false
}

func synthOne(o *synthOptions, prof synth.Profile, enc synth.Encoding, corrupt synth.Corruption, group []synth.Identity, i int) synthResult {
	m, err := synth.Generate(synth.Options{
		Profile:         prof,
		Seed:            synth.SeriesSeed(o.seed, i),
		GameMode:        o.gameMode,
		MapName:         o.mapName,
		GameType:        o.gameType,
		TrackedFraction: o.trackedFraction,
		Include:         group,
	})
	if err != nil {
		return synthResult{err: err}
	}
	var out synth.Output
	if corrupt != "" {
		out, err = synth.WriteCorruptMatch(o.outDir, corrupt, m, enc, synth.CorruptOptions{BombSize: o.bombSize})
	} else {
		out, err = synth.WriteMatch(o.outDir, m, enc)
	}
	if err != nil {
		return synthResult{err: fmt.Errorf("write match %s: %w", m.ID, err)}
	}
	return synthResult{match: m, out: out, events: m.Events(), bytes: m.Size()}
}

func writeSynthLines(cmd *cobra.Command, path string, lines [][]byte) error {
	var w io.Writer
	var f *os.File
	if path == "-" {
		w = cmd.OutOrStdout()
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		bw.Write(l)
		bw.WriteByte('\n')
	}
	err := bw.Flush()
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func writeSynthSQL(path string, seed *synth.Seed) error {
	text, err := seed.SQL()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func applySynthSeed(ctx context.Context, pg store.Config, seed *synth.Seed) error {
	db, err := sql.Open("postgres", pg.DSN())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to %s: %w", pg.Redacted(), err)
	}
	return seed.Apply(ctx, db)
}

// synthProgress draws "\rsynth: k/n matches" on stderr when --count > 1 and
// stderr is a terminal.
type synthProgress struct {
	mu    sync.Mutex
	n, k  int
	on    bool
	start time.Time
}

func newSynthProgress(n int) *synthProgress {
	p := &synthProgress{n: n, start: time.Now()}
	if n > 1 {
		if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
			p.draw()
		}
	}
	return p
}

func (p *synthProgress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.k++
	if p.on {
		p.draw()
	}
}

func (p *synthProgress) draw() {
	const width = 30
	fill := p.k * width / p.n
	fmt.Fprintf(os.Stderr, "\rsynth [%s%s] %d/%d matches %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		p.k, p.n, time.Since(p.start).Round(time.Second))
}

func (p *synthProgress) finish() {
	if p.on {
		fmt.Fprintln(os.Stderr)
	}
}
