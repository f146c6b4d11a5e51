package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pewstats/collector/child/store/storetest"
)

func runCollector(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

type synthMessage struct {
	MatchID    string  `json:"match_id"`
	FilePath   string  `json:"file_path"`
	FileSizeMB float64 `json:"file_size_mb"`
	MapName    string  `json:"map_name"`
	GameMode   string  `json:"game_mode"`
}

func readMessages(t *testing.T, path string) []synthMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []synthMessage
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var m synthMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("message line %q: %v", line, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func TestSynthCommand(t *testing.T) {
	dir := t.TempDir()
	run := func(name string, jobs string, extra ...string) (string, []synthMessage) {
		out := filepath.Join(dir, name)
		args := append([]string{"synth", "--profile", "small", "--seed", "5", "--count", "3",
			"--out-dir", filepath.Join(out, "tel"), "--encoding", "double-gzip",
			"--messages", filepath.Join(out, "msgs.jsonl"), "--seed-sql", filepath.Join(out, "seed.sql"),
			"--telemetry-dir-prefix", "/data/telemetry", "--group-size", "2", "--jobs", jobs}, extra...)
		if _, stderr, err := runCollector(t, args...); err != nil {
			t.Fatalf("synth: %v\n%s", err, stderr)
		}
		return out, readMessages(t, filepath.Join(out, "msgs.jsonl"))
	}
	a, msgsA := run("a", "2")
	b, msgsB := run("b", "1")
	if len(msgsA) != 3 {
		t.Fatalf("%d messages", len(msgsA))
	}
	ids := map[string]bool{}
	for i, m := range msgsA {
		ids[m.MatchID] = true
		want := "/data/telemetry/matchID=" + m.MatchID + "/raw.json.gz"
		if m.FilePath != want {
			t.Errorf("file_path %s, want %s", m.FilePath, want)
		}
		local := filepath.Join(a, "tel", "matchID="+m.MatchID, "raw.json.gz")
		da, err := os.ReadFile(local)
		if err != nil {
			t.Fatal(err)
		}
		if len(da) < 4 || da[0] != 0x1f || da[1] != 0x8b {
			t.Errorf("%s is not gzip", local)
		}
		if got := float64(len(da)) / (1 << 20); got != m.FileSizeMB {
			t.Errorf("file_size_mb %v, file has %v MiB", m.FileSizeMB, got)
		}
		db, err := os.ReadFile(filepath.Join(b, "tel", "matchID="+m.MatchID, "raw.json.gz"))
		if err != nil || !bytes.Equal(da, db) {
			t.Errorf("match %d differs between --jobs 2 and --jobs 1 (%v)", i, err)
		}
		if msgsB[i] != m {
			t.Errorf("message %d differs between runs: %+v vs %+v", i, m, msgsB[i])
		}
	}
	if len(ids) != 3 {
		t.Errorf("%d distinct match ids", len(ids))
	}
	sqlText, err := os.ReadFile(filepath.Join(a, "seed.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for id := range ids {
		if !strings.Contains(string(sqlText), "'"+id+"'") {
			t.Errorf("seed SQL lacks match %s", id)
		}
	}

	// a corrupt kind replaces the telemetry
	c, _ := run("c", "2", "--corrupt", "zero-bytes", "--count", "1")
	msgs := readMessages(t, filepath.Join(c, "msgs.jsonl"))
	st, err := os.Stat(filepath.Join(c, "tel", "matchID="+msgs[0].MatchID, "raw.json.gz"))
	if err != nil || st.Size() != 0 || msgs[0].FileSizeMB != 0 {
		t.Errorf("zero-bytes file: %v, size %d, message %v MB", err, st.Size(), msgs[0].FileSizeMB)
	}
}

func TestSynthUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--profile", "huge"},
		{"--encoding", "zip"},
		{"--corrupt", "bit-rot"},
		{"--count", "0"},
		{"--game-mode", "squad-tpp-extreme"},
		{"--tracked-fraction", "2"},
	} {
		_, _, err := runCollector(t, append([]string{"synth", "--out-dir", dir}, args...)...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("synth %v: error %v (exit %d), want a usage error", args, err, exitCode(err))
		}
	}
}

func TestSynthSeedDB(t *testing.T) {
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	if _, err := db.Exec(`
CREATE TABLE matches (match_id VARCHAR(255) PRIMARY KEY, map_name VARCHAR(100) NOT NULL, game_mode VARCHAR(100) NOT NULL,
    match_datetime TIMESTAMP NOT NULL, game_type VARCHAR(100) DEFAULT 'unknown');
CREATE TABLE players (player_id VARCHAR(255) PRIMARY KEY, player_name VARCHAR(100) NOT NULL);
CREATE TABLE match_summaries (id SERIAL PRIMARY KEY, match_id VARCHAR(255) NOT NULL, participant_id VARCHAR(255) NOT NULL,
    player_id VARCHAR(255) NOT NULL, player_name VARCHAR(100) NOT NULL, team_id INTEGER, team_rank INTEGER, won BOOLEAN,
    map_name VARCHAR(50), game_mode VARCHAR(50), match_duration INTEGER, match_datetime TIMESTAMP, kills INTEGER, dbnos INTEGER,
    assists INTEGER, damage_dealt NUMERIC(10,4), time_survived INTEGER, win_place INTEGER, UNIQUE (match_id, participant_id));`); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	t.Setenv("POSTGRES_PASSWORD", p.Password)
	args := []string{"synth", "--profile", "small", "--count", "2", "--seed", "9", "--out-dir", t.TempDir(), "--seed-db",
		"--postgres-host", p.Host, "--postgres-port", p.Port, "--postgres-user", p.User, "--postgres-db", name, "--game-type", "official"}
	for round := 0; round < 2; round++ {
		if _, stderr, err := runCollector(t, args...); err != nil {
			t.Fatalf("synth --seed-db: %v\n%s", err, stderr)
		}
	}
	var matches, official, summaries int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE game_type = 'official') FROM matches`).Scan(&matches, &official); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM match_summaries`).Scan(&summaries); err != nil {
		t.Fatal(err)
	}
	if matches != 2 || official != 2 || summaries < 24 {
		t.Errorf("%d matches (%d official), %d summaries", matches, official, summaries)
	}
}
