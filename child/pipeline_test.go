package child

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/telemetry/telemetrytest"
	"github.com/pewstats/collector/protocol"
)

var tables = []string{"landings", "kill_positions", "weapon_kill_events", "player_damage_events", "player_knock_events", "player_finishing_summary"}

type crashWriter struct{ cancel context.CancelFunc }

func (crashWriter) Table() string { return "crash" }
func (c crashWriter) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	if c.cancel != nil {
		c.cancel() // the child is told to stop mid-transaction
		_, err := tx.ExecContext(ctx, "SELECT 1")
		return 0, err
	}
	return 0, errors.New("simulated crash before commit")
}

// TestProcessTwiceAfterCrash processes one real-shaped match through the
// whole child: a crash after extraction (failing writer, then a cancelled
// context mid-transaction) leaves nothing; the retry writes every table;
// processing the same message again writes nothing more.
func TestProcessTwiceAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	migrate(t, db)
	if _, err := db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type) VALUES ('m1', 'Baltic_Main', 'squad-fpp', now(), 'competitive');
		INSERT INTO players (player_id, player_name) VALUES ('account.0', 'Player_000'), ('account.1', 'Player_007'), ('account.2', 'Player_042')`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	js := telemetrytest.Match(telemetrytest.Options{Seed: 5, Events: 12000})
	if err := os.WriteFile(filepath.Join(dir, "m1.json.gz"), telemetrytest.Gzip(js, true), 0o644); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: portOf(p), DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	proc := NewProcessor(st, Config{TelemetryDir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	job := &protocol.Job{Attempt: 1, Body: []byte(`{"match_id":"m1","file_path":"m1.json.gz","map_name":"Baltic_Main","game_mode":"squad-fpp","match_datetime":"2025-10-07T12:00:00Z"}`)}

	counts := func() map[string]int {
		out := map[string]int{}
		for _, table := range tables {
			var n int
			if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[table] = n
		}
		return out
	}
	flags := func() string {
		var s string
		if err := db.QueryRow(`SELECT concat_ws(',', landings_processed, kills_processed, weapons_processed,
			damage_processed, finishing_processed, status) FROM matches`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	orig := steps
	defer func() { steps = orig }()
	for _, crash := range []string{"writer", "cancel"} {
		ctx, cancel := context.WithCancel(context.Background())
		w := crashWriter{}
		if crash == "cancel" {
			w.cancel = cancel
		}
		steps = append(append([]step{}, orig...), step{name: "crash", run: func(_ *stepInput, out *stepOutput) error {
			out.add(w)
			return nil
		}})
		res, err := proc.Process(ctx, job)
		cancel()
		if err != nil || res.Outcome != protocol.OutcomeTransient {
			t.Fatalf("%s crash: outcome %v err %v (%s)", crash, res.Outcome, err, res.ErrorMessage)
		}
		for table, n := range counts() {
			if n != 0 {
				t.Errorf("%s crash left %d rows in %s", crash, n, table)
			}
		}
		if f := flags(); f != "f,f,f,f,f,discovered" {
			t.Errorf("%s crash left flags %s", crash, f)
		}
	}
	steps = orig

	res, err := proc.Process(context.Background(), job)
	if err != nil || res.Outcome != protocol.OutcomeSuccess {
		t.Fatalf("outcome %v err %v (%s)", res.Outcome, err, res.ErrorMessage)
	}
	first := counts()
	for table, n := range first {
		if n == 0 {
			t.Errorf("%s is empty after processing", table)
		}
		if res.Rows[table] != int64(n) {
			t.Errorf("%s: result says %d rows, table has %d", table, res.Rows[table], n)
		}
	}
	for _, label := range []string{"landings", "kills", "weapon_kills", "damage", "knock_events", "finishing_summaries"} {
		if res.EventsExtracted[label] == 0 {
			t.Errorf("no %s counted: %v", label, res.EventsExtracted)
		}
	}
	if f := flags(); f != "t,t,t,t,t,completed" {
		t.Errorf("flags %s", f)
	}

	// The same message again: every flag is set, nothing to do.
	res, err = proc.Process(context.Background(), job)
	if err != nil || res.Outcome != protocol.OutcomeSkipped {
		t.Fatalf("second run: outcome %v err %v (%s)", res.Outcome, err, res.ErrorMessage)
	}
	// With one flag cleared, only that step runs again: these tables keep
	// their rows, once.
	if _, err := db.Exec(`UPDATE matches SET fights_processed = false`); err != nil {
		t.Fatal(err)
	}
	res, err = proc.Process(context.Background(), job)
	if err != nil || res.Outcome != protocol.OutcomeSuccess {
		t.Fatalf("third run: outcome %v err %v (%s)", res.Outcome, err, res.ErrorMessage)
	}
	if again := counts(); !equal(again, first) {
		t.Errorf("reprocessing changed row counts: %v -> %v", first, again)
	}
	var dups int
	if err := db.QueryRow(`SELECT count(*) FROM (SELECT dbno_id FROM player_knock_events GROUP BY dbno_id HAVING count(*) > 1) d`).Scan(&dups); err != nil || dups != 0 {
		t.Errorf("duplicate knock rows: %d (%v)", dups, err)
	}
}

func equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestProcessBadIsGameFailsMatch: a string isGame on a counted kill is the
// reference's TypeError: a permanent failure recorded on the match.
func TestProcessBadIsGameFailsMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	migrate(t, db)
	if _, err := db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type) VALUES ('m2', 'Baltic_Main', 'squad-fpp', now(), 'official')`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := `[{"_T":"LogPlayerKillV2","common":{"isGame":"2"},"victim":{"accountId":"account.v","name":"V"}}]`
	if err := os.WriteFile(filepath.Join(dir, "m2.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: portOf(p), DB: name, User: p.User, Password: p.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	proc := NewProcessor(st, Config{TelemetryDir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	res, err := proc.Process(context.Background(), &protocol.Job{Attempt: 1, Body: []byte(`{"match_id":"m2","file_path":"m2.json"}`)})
	if err != nil || res.Outcome != protocol.OutcomePermanent || res.ErrorType != "WrongFieldType" {
		t.Fatalf("outcome %v type %q err %v (%s)", res.Outcome, res.ErrorType, err, res.ErrorMessage)
	}
	var status, msg string
	if err := db.QueryRow(`SELECT status, error_message FROM matches`).Scan(&status, &msg); err != nil || status != "failed" {
		t.Fatalf("status %q (%v)", status, err)
	}
}

// migrate creates the project's schema (child/schema) in a test database.
func migrate(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := schema.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
}

func portOf(p storetest.Params) int {
	n, _ := strconv.Atoi(p.Port)
	return n
}

// TestDryRunCountsEveryTable: the dry run (no database) reports the rows of
// every step's writers.
func TestDryRunCountsEveryTable(t *testing.T) {
	dir := t.TempDir()
	js := telemetrytest.Match(telemetrytest.Options{Seed: 5, Events: 12000})
	if err := os.WriteFile(filepath.Join(dir, "m1.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"match_id":"m1","file_path":"m1.json"}`)
	tracked := map[string]struct{}{}
	for _, n := range []string{"Player_000", "Player_010", "Player_020", "Player_030", "Player_040", "Player_050"} {
		tracked[n] = struct{}{}
	}
	rep, err := DryRun(context.Background(), body, Config{TelemetryDir: dir}, tracked, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if rep.Rows[table] == 0 {
			t.Errorf("dry run reports no %s rows: %v", table, rep.Rows)
		}
	}
	if !rep.Flags.Kills || !rep.Flags.Finishing || !rep.Flags.Damage || !rep.Flags.Weapons {
		t.Errorf("flags %+v", rep.Flags)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("report does not marshal: %v", err)
	}
}
