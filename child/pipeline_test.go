package child

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/store/storetest/ledger"
	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/protocol"
)

// openTestStore opens a store on a test database.
func openTestStore(t *testing.T, name string) *store.Store {
	t.Helper()
	p := storetest.FromEnv()
	st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: portOf(p), DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// synthMatch writes a modern generated match (the small profile has no
// landing after lift-off, so one table would stay empty) into dir, seeds db with the rows
// it needs and returns its message and tracked-player set.
func synthMatch(t *testing.T, db *sql.DB, dir string, seed uint64) ([]byte, map[string]struct{}) {
	t.Helper()
	m, err := synth.Generate(synth.Options{Profile: synth.ProfileModern, Seed: seed, TrackedFraction: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	f, err := synth.WriteMatch(dir, m, synth.EncodingDoubleGzip)
	if err != nil {
		t.Fatal(err)
	}
	sd := synth.NewSeed(m)
	if db != nil {
		if err := sd.Apply(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	}
	tracked := map[string]struct{}{}
	for _, p := range sd.Players {
		tracked[p.PlayerName] = struct{}{}
	}
	return synth.NewMessage(m, f.Path, f.Size, "").JSON(), tracked
}

// TestProcessTwiceAfterCrash processes a generated match through the whole
// child. A failure in the middle of the match transaction (a failing write,
// then a context cancelled mid-way, both after five tables were written)
// leaves no row in any of the twelve outputs and no flag; the retry stores
// in every table exactly the rows the dry run extracts; the same message
// again is skipped; and with the flags of the keyed steps cleared, running
// again changes nothing.
func TestProcessTwiceAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	migrate(t, db)
	dir := t.TempDir()
	body, tracked := synthMatch(t, db, dir, 5)
	var msg struct {
		MatchID string `json:"match_id"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	dry, err := DryRun(context.Background(), body, Config{TelemetryDir: dir}, tracked, false)
	if err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, name)
	proc := NewProcessor(st, Config{TelemetryDir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	job := &protocol.Job{Attempt: 1, Body: body}
	snap := func() ledger.Match {
		s, err := ledger.Snapshot(context.Background(), db, []string{msg.MatchID})
		if err != nil {
			t.Fatal(err)
		}
		return s[msg.MatchID]
	}
	before := snap()

	for _, crash := range []string{"writer", "cancel"} {
		ctx, cancel := context.WithCancel(context.Background())
		written := 0
		st.SetAfterWrite(func(string) error {
			if written++; written < 5 {
				return nil
			}
			if crash == "cancel" {
				cancel() // the child is told to stop mid-transaction
				return nil
			}
			return errors.New("simulated crash after five tables")
		})
		res, err := proc.Process(ctx, job)
		cancel()
		if err != nil || res.Outcome != protocol.OutcomeTransient {
			t.Fatalf("%s crash: outcome %v err %v (%s)", crash, res.Outcome, err, res.ErrorMessage)
		}
		if written < 5 {
			t.Fatalf("%s crash: only %d tables were written before the fault", crash, written)
		}
		if after := snap(); !maps.Equal(after, before) {
			t.Errorf("%s crash changed the database:\n%s", crash, ledger.Table(map[string]ledger.Match{"m": before}, map[string]ledger.Match{"m": after}))
		}
	}
	st.SetAfterWrite(nil)

	res, err := proc.Process(context.Background(), job)
	if err != nil || res.Outcome != protocol.OutcomeSuccess {
		t.Fatalf("outcome %v err %v (%s)", res.Outcome, err, res.ErrorMessage)
	}
	first := snap()
	for _, o := range ledger.Outputs {
		if o.Name == "matches" {
			continue
		}
		want := dry.Rows[o.Name]
		if o.Name == "match_summaries" {
			want = before[o.Name].Rows // updated in place, one row per participant
		}
		if got := first[o.Name].Rows; got != want || got == 0 {
			t.Errorf("%s: %d rows stored, want %d (dry run), and more than none", o.Name, got, want)
		}
		if o.Name != "match_summaries" && res.Rows[o.Name] != int64(first[o.Name].Rows) {
			t.Errorf("%s: result says %d rows, table has %d", o.Name, res.Rows[o.Name], first[o.Name].Rows)
		}
	}
	for _, label := range []string{"landings", "kills", "weapon_kills", "damage", "knock_events", "finishing_summaries", "fights", "fight_participants"} {
		if res.EventsExtracted[label] == 0 {
			t.Errorf("no %s counted: %v", label, res.EventsExtracted)
		}
	}
	if got, want := first["matches"], (ledger.Sum{}); got == want {
		t.Errorf("matches row not fingerprinted")
	}
	var status string
	var set int
	if err := db.QueryRow(`SELECT status, (landings_processed::int + kills_processed::int + weapons_processed::int + damage_processed::int
		+ finishing_processed::int + fights_processed::int + enhanced_stats_processed::int + circles_processed::int
		+ weapon_distribution_processed::int) FROM matches`).Scan(&status, &set); err != nil {
		t.Fatal(err)
	}
	if status != "completed" || set != 9 {
		t.Errorf("status %s with %d of 9 flags set", status, set)
	}

	// The same message again: every flag is set, nothing to do.
	res, err = proc.Process(context.Background(), job)
	if err != nil || res.Outcome != protocol.OutcomeSkipped {
		t.Fatalf("second run: outcome %v err %v (%s)", res.Outcome, err, res.ErrorMessage)
	}
	if again := snap(); !maps.Equal(again, first) {
		t.Errorf("a skipped run changed the database")
	}
	// The steps guarded by a key as well as a flag (the match_summaries
	// update, the weapon distribution upsert, circle samples per player)
	// write nothing new when their flags are cleared and they run again;
	// landings deleted with their flag cleared come back identical.
	if _, err := db.Exec(`UPDATE matches SET enhanced_stats_processed = false, weapon_distribution_processed = false,
		circles_processed = false, landings_processed = false`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM landings`); err != nil {
		t.Fatal(err)
	}
	res, err = proc.Process(context.Background(), job)
	if err != nil || res.Outcome != protocol.OutcomeSuccess {
		t.Fatalf("third run: outcome %v err %v (%s)", res.Outcome, err, res.ErrorMessage)
	}
	again := snap()
	for _, o := range ledger.Outputs {
		if o.Name != "matches" && o.Name != "match_summaries" && again[o.Name] != first[o.Name] {
			t.Errorf("re-running the keyed steps changed %s: %v -> %v", o.Name, first[o.Name], again[o.Name])
		}
	}
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
	// A full match: only players who land after the first circle is up
	// (isGame >= 1) give landings rows, which a small match may lack.
	m, err := synth.Generate(synth.Options{Seed: 5, GameMode: "squad-fpp", TrackedFraction: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m1.json"), m.Bytes(synth.EncodingPlain), 0o644); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"match_id":"m1","file_path":"m1.json"}`)
	tracked := map[string]struct{}{}
	for _, p := range m.Players {
		if p.Tracked {
			tracked[p.Name] = struct{}{}
		}
	}
	rep, err := DryRun(context.Background(), body, Config{TelemetryDir: dir}, tracked, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"landings", "kill_positions", "weapon_kill_events", "player_damage_events", "player_knock_events", "player_finishing_summary"} {
		if rep.Rows[table] == 0 {
			t.Errorf("dry run reports no %s rows: %v", table, rep.Rows)
		}
	}
	for _, f := range []store.Flag{store.FlagKills, store.FlagFinishing, store.FlagDamage, store.FlagWeapons} {
		if !rep.Flags.Has(f) {
			t.Errorf("flags %v lack %s", rep.Flags.List(), f)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("report does not marshal: %v", err)
	}
}
