package child_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/protocol"
)

type fixture struct {
	db   *sql.DB
	dir  string
	proc *child.Processor
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	if _, err := schema.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	port, _ := strconv.Atoi(p.Port)
	st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: port, User: p.User, Password: p.Password, DB: name, MinConns: 1, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := t.TempDir()
	return &fixture{db: db, dir: dir, proc: child.NewProcessor(st, child.Config{TelemetryDir: dir, MaxTelemetryBytes: 1 << 20}, slog.New(slog.NewTextHandler(io.Discard, nil)))}
}

const landingsJSON = `[{"_T":"LogParachuteLanding","character":{"name":"a","teamId":1,"location":{"x":1,"y":2,"z":3},"accountId":"account.a"},"common":{"isGame":1}},
{"_T":"LogParachuteLanding","character":{"name":"b","teamId":2,"location":{"x":1,"y":2,"z":3},"accountId":"account.b"},"common":{"isGame":1}}]`

func (f *fixture) file(t *testing.T, name, content string, gz bool) {
	t.Helper()
	b := []byte(content)
	if gz {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		b = buf.Bytes()
	}
	if err := os.WriteFile(filepath.Join(f.dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) match(t *testing.T, id, gameType string) {
	t.Helper()
	if _, err := f.db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type) VALUES ($1,'Baltic_Main','squad-fpp',now(),$2)`, id, gameType); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) run(t *testing.T, body string) *protocol.Result {
	t.Helper()
	res, err := f.proc.Process(context.Background(), &protocol.Job{Body: []byte(body), Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// exec runs a statement and returns the rows it affected.
func (f *fixture) exec(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	res, err := f.db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatalf("%s: rows affected: %v", q, err)
	}
	return n
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProcessorGateAndOutcomes(t *testing.T) {
	f := newFixture(t)
	f.file(t, "m.json.gz", landingsJSON, true)
	f.file(t, "plain.json", landingsJSON, false)
	f.file(t, "empty.json", "", false)
	f.match(t, "comp", "competitive")
	f.match(t, "off", "official")
	f.match(t, "arcade", "arcade")
	f.match(t, "nulltype", "")
	if n := f.exec(t, `UPDATE matches SET game_type = NULL WHERE match_id = 'nulltype'`); n != 1 {
		t.Fatalf("setting game_type NULL updated %d rows, want 1", n)
	}
	f.match(t, "bad", "competitive")

	tests := []struct {
		name, body  string
		outcome     protocol.Outcome
		errType     string
		skipReason  string
		landingRows int64
	}{
		{"competitive processed", `{"match_id":"comp","file_path":"m.json.gz"}`, protocol.OutcomeSuccess, "", "", 2},
		{"official processed, plain JSON", `{"match_id":"off","file_path":"plain.json"}`, protocol.OutcomeSuccess, "", "", 2},
		{"arcade skipped", `{"match_id":"arcade","file_path":"m.json.gz"}`, protocol.OutcomeSkipped, "", "game_type=arcade", 0},
		{"NULL game type skipped as unknown", `{"match_id":"nulltype","file_path":"m.json.gz"}`, protocol.OutcomeSkipped, "", "game_type=unknown", 0},
		{"unknown match to the failed queue", `{"match_id":"nope","file_path":"m.json.gz"}`, protocol.OutcomeUnknownMatch, "UnknownMatch", "", 0},
		{"second run writes nothing new", `{"match_id":"comp","file_path":"m.json.gz"}`, protocol.OutcomeSuccess, "", "", 0},
		{"missing match_id", `{"file_path":"m.json.gz"}`, protocol.OutcomePermanent, "ValidationError", "", 0},
		{"missing file_path", `{"match_id":"comp"}`, protocol.OutcomePermanent, "ValidationError", "", 0},
		{"not an object", `[1,2]`, protocol.OutcomePermanent, "ValidationError", "", 0},
		{"outside the telemetry dir", `{"match_id":"comp","file_path":"/etc/hostname"}`, protocol.OutcomePermanent, "FileOutsideTelemetryDir", "", 0},
		{"empty file", `{"match_id":"bad","file_path":"empty.json"}`, protocol.OutcomePermanent, "EmptyFile", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.run(t, tc.body)
			if res.Outcome != tc.outcome || res.ErrorType != tc.errType || res.SkipReason != tc.skipReason {
				t.Fatalf("got outcome=%s type=%q skip=%q (%s), want %s %q %q", res.Outcome, res.ErrorType, res.SkipReason, res.ErrorMessage, tc.outcome, tc.errType, tc.skipReason)
			}
			if res.Rows["landings"] != tc.landingRows {
				t.Fatalf("landings written = %d, want %d", res.Rows["landings"], tc.landingRows)
			}
		})
	}
	if n := f.count(t, `SELECT count(*) FROM landings WHERE match_id = 'comp'`); n != 2 {
		t.Fatalf("comp has %d landings after two runs, want 2", n)
	}
	if n := f.count(t, `SELECT count(*) FROM matches WHERE match_id = 'bad' AND status = 'failed' AND error_message LIKE 'Telemetry processing failed: %EmptyFile%'`); n != 1 {
		t.Fatal("the bad match is not marked failed with the reference's message prefix")
	}
	if n := f.count(t, `SELECT count(*) FROM matches WHERE match_id = 'arcade' AND status = 'discovered'`); n != 1 {
		t.Fatal("a skipped match must be left untouched")
	}
}

// A child whose database is down reports a transient failure, not a
// permanent one, so the message is retried rather than dead-lettered.
func TestProcessorDatabaseDownIsTransient(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "m.json"), []byte(landingsJSON), 0o644)
	st, err := store.Open(context.Background(), store.Config{Host: "127.0.0.1", Port: 1, User: "postgres", DB: "x", MinConns: 0, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	proc := child.NewProcessor(st, child.Config{TelemetryDir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	res, err := proc.Process(context.Background(), &protocol.Job{Body: []byte(`{"match_id":"m","file_path":"m.json"}`), Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != protocol.OutcomeTransient || res.ErrorType != "DatabaseUnavailable" {
		t.Fatalf("got %s %q (%s), want transient DatabaseUnavailable", res.Outcome, res.ErrorType, res.ErrorMessage)
	}
	if err := proc.Ping(context.Background()); err == nil {
		t.Fatal("ping succeeded against a closed port")
	}
}

// TestPlayerNameTooLongForAnIndexFailsPermanently: a value PostgreSQL
// refuses every time (here a 4,000-byte player name, too large for the
// landings player_name index: SQLSTATE 54000) is a permanent failure, not a
// transient one retried for ever.
func TestPlayerNameTooLongForAnIndexFailsPermanently(t *testing.T) {
	f := newFixture(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	name := make([]byte, 4000)
	for i := range name {
		name[i] = letters[rnd.IntN(len(letters))] // incompressible: the index cannot shrink it
	}
	f.file(t, "long.json", `[{"_T":"LogParachuteLanding","character":{"name":"`+string(name)+`","teamId":1,"location":{"x":1,"y":2,"z":3},"accountId":"account.long"},"common":{"isGame":1}}]`, false)
	f.match(t, "long", "competitive")
	res := f.run(t, `{"match_id":"long","file_path":"long.json"}`)
	if res.Outcome != protocol.OutcomePermanent || res.ErrorType != "ProgramLimitExceeded" {
		t.Fatalf("outcome %s type %q (%s), want a permanent ProgramLimitExceeded", res.Outcome, res.ErrorType, res.ErrorMessage)
	}
}
