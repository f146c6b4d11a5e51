package e2etest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/pewstats/collector/child/synth"
)

// SynthMatch is a generated match written to the env's telemetry directory
// and seeded in its database.
type SynthMatch struct {
	ID   string
	Body []byte // the queue message the download worker would publish
}

// SynthMatches generates one match per seed with the given profile, writes
// each doubly gzipped in the download worker's layout, seeds the rows the
// worker needs (matches, tracked players, match summaries) and returns the
// matches with their messages. extra fields (e.g. x_test_fault) are added to
// the messages of the first k matches.
func (e *Env) SynthMatches(profile synth.Profile, seeds []uint64, extra map[string]any, k int) []SynthMatch {
	e.T.Helper()
	out := make([]SynthMatch, 0, len(seeds))
	var all []*synth.Match
	for i, s := range seeds {
		m, err := synth.Generate(synth.Options{Profile: profile, Seed: s, TrackedFraction: 0.3})
		if err != nil {
			e.T.Fatalf("e2etest: generate match (seed %d): %v", s, err)
		}
		f, err := synth.WriteMatch(e.TelemetryDir, m, synth.EncodingDoubleGzip)
		if err != nil {
			e.T.Fatalf("e2etest: write match %s: %v", m.ID, err)
		}
		body := synth.NewMessage(m, f.Path, f.Size, "").JSON()
		if i < k && len(extra) > 0 {
			body = withFields(body, extra)
		}
		out = append(out, SynthMatch{ID: m.ID, Body: body})
		all = append(all, m)
	}
	seed := synth.NewSeed(all...)
	e.seed(func(ctx context.Context, db *sql.DB) error { return seed.Apply(ctx, db) })
	return out
}

// IDs lists the matches' ids.
func IDs(ms []SynthMatch) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// withFields adds fields to a JSON object body.
func withFields(body []byte, extra map[string]any) []byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		panic(err) // bodies built here are always objects
	}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// SynthWithBinary is SynthMatches done by `collector synth` of the given
// binary (for runs under the race detector, where generating in-process is
// slow): count matches of the profile from seed on, doubly gzipped, seeded
// in the env's database (and in CleanRun's). extra fields go on the first k
// messages.
func (e *Env) SynthWithBinary(bin, profile string, seed uint64, count int, extra map[string]any, k int) []SynthMatch {
	e.T.Helper()
	dir := e.T.TempDir()
	msgs, seedSQL := filepath.Join(dir, "messages.jsonl"), filepath.Join(dir, "seed.sql")
	cmd := exec.Command(bin, "synth", "--profile="+profile, fmt.Sprintf("--seed=%d", seed), fmt.Sprintf("--count=%d", count),
		"--encoding=double-gzip", "--out-dir="+e.TelemetryDir, "--messages="+msgs, "--seed-sql="+seedSQL)
	if out, err := cmd.CombinedOutput(); err != nil {
		e.T.Fatalf("e2etest: collector synth: %v\n%s", err, out)
	}
	sqlText, err := os.ReadFile(seedSQL)
	if err != nil {
		e.T.Fatalf("e2etest: %v", err)
	}
	e.seed(func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, string(sqlText))
		return err
	})
	raw, err := os.ReadFile(msgs)
	if err != nil {
		e.T.Fatalf("e2etest: %v", err)
	}
	var out []SynthMatch
	for i, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var m struct {
			MatchID string `json:"match_id"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			e.T.Fatalf("e2etest: synth message %q: %v", line, err)
		}
		body := append([]byte(nil), line...)
		if i < k && len(extra) > 0 {
			body = withFields(body, extra)
		}
		out = append(out, SynthMatch{ID: m.MatchID, Body: body})
	}
	if len(out) != count {
		e.T.Fatalf("e2etest: collector synth wrote %d messages, want %d", len(out), count)
	}
	return out
}
