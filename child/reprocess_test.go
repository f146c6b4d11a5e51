package child_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/store/storetest/ledger"
	"github.com/pewstats/collector/child/store/storetest/legacy"
	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/protocol"
)

// world is one database with generated matches processed by in-process
// children (two processors on two pools, as two supervisors' children).
type world struct {
	db     *sql.DB
	procs  [2]*child.Processor
	bodies map[string][]byte // normal message per match
	ids    []string
}

// matchWorld generates the matches once (files in dir) and gives each call a
// fresh database seeded for them.
type matchWorld struct {
	dir  string
	seed *synth.Seed
	msgs []synth.Message
}

func newMatchWorld(t *testing.T, seeds ...uint64) *matchWorld {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	mw := &matchWorld{dir: t.TempDir()}
	var ms []*synth.Match
	for _, s := range seeds {
		m, err := synth.Generate(synth.Options{Profile: synth.ProfileModern, Seed: s, TrackedFraction: 0.4})
		if err != nil {
			t.Fatal(err)
		}
		f, err := synth.WriteMatch(mw.dir, m, synth.EncodingDoubleGzip)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
		mw.msgs = append(mw.msgs, synth.NewMessage(m, f.Path, f.Size, ""))
	}
	mw.seed = synth.NewSeed(ms...)
	return mw
}

func (mw *matchWorld) open(t *testing.T) *world {
	t.Helper()
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	if _, err := schema.Migrate(context.Background(), db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if err := mw.seed.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, bodies: map[string][]byte{}}
	p := storetest.FromEnv()
	port, _ := strconv.Atoi(p.Port)
	for i := range w.procs {
		st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: port, User: p.User, Password: p.Password, DB: name, MinConns: 1, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		w.procs[i] = child.NewProcessor(st, child.Config{TelemetryDir: mw.dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	for _, m := range mw.msgs {
		w.bodies[m.MatchID] = m.JSON()
		w.ids = append(w.ids, m.MatchID)
	}
	return w
}

// reprocessBody is the match's normal message plus a reprocess request.
func (w *world) reprocessBody(t *testing.T, id string, tables ...string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.bodies[id], &m); err != nil {
		t.Fatal(err)
	}
	m["reprocess"] = tables
	m["reprocess_run"] = "test-run"
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (w *world) process(t *testing.T, proc int, body []byte) *protocol.Result {
	t.Helper()
	res, err := w.procs[proc].Process(context.Background(), &protocol.Job{Body: body, Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() {
		t.Fatalf("%s: %s: %s", res.MatchID, res.ErrorType, res.ErrorMessage)
	}
	return res
}

func (w *world) processAll(t *testing.T) {
	t.Helper()
	for _, id := range w.ids {
		w.process(t, 0, w.bodies[id])
	}
}

func (w *world) snapshot(t *testing.T) map[string]ledger.Match {
	t.Helper()
	s, err := ledger.Snapshot(context.Background(), w.db, w.ids)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func requireEqual(t *testing.T, what string, want, got map[string]ledger.Match) {
	t.Helper()
	if d := ledger.Diff(want, got); len(d) > 0 {
		t.Errorf("%s differs from a fresh run:\n%s\n%s", what, strings.Join(d, "\n"), ledger.Table(want, got))
	}
}

// TestReprocessRepairsALegacyDatabase: matches as the Python worker left
// them (package legacy: the columns it never filled, the flags it never
// had, doubled circle samples, display map names and reset flags of
// republished matches), reprocessed with every table, equal a fresh
// collector run of the same matches, table by table; reprocessing them
// again changes nothing.
func TestReprocessRepairsALegacyDatabase(t *testing.T) {
	mw := newMatchWorld(t, 11, 12)
	fresh := mw.open(t)
	fresh.processAll(t)
	want := fresh.snapshot(t)

	old := mw.open(t)
	old.processAll(t)
	if err := legacy.Apply(context.Background(), old.db, old.ids); err != nil {
		t.Fatal(err)
	}
	before := old.snapshot(t)
	for _, out := range []string{"matches", "kill_positions", "weapon_kill_events", "player_knock_events", "team_fights", "player_circle_positions"} {
		for i, id := range old.ids {
			republished := i%2 == 1 // legacy doubles the samples of every second match only
			if before[id][out] == want[id][out] && want[id][out].Rows > 0 && (out != "player_circle_positions" || republished) {
				t.Fatalf("legacy.Apply left %s of %s as a fresh run has it: the test would prove nothing", out, id)
			}
		}
	}
	// A normal delivery does not repair it: every reference flag of the
	// first match is set, so it is skipped.
	if res := old.process(t, 0, old.bodies[old.ids[0]]); res.Outcome != protocol.OutcomeSkipped {
		t.Fatalf("normal delivery of a legacy match: %v, want skipped", res.Outcome)
	}

	for round := 1; round <= 2; round++ {
		for _, id := range old.ids {
			res := old.process(t, 1, old.reprocessBody(t, id, "all"))
			if res.Outcome != protocol.OutcomeSuccess || !slices.Equal(res.Reprocessed, store.ReprocessTableNames()) {
				t.Fatalf("round %d: %s: outcome %v, tables %v", round, id, res.Outcome, res.Reprocessed)
			}
			if res.RowsDeleted["kill_positions"] == 0 || res.Rows["kill_positions"] != res.RowsDeleted["kill_positions"] {
				t.Errorf("round %d: %s: kill_positions deleted %d, written %d", round, id, res.RowsDeleted["kill_positions"], res.Rows["kill_positions"])
			}
		}
		requireEqual(t, fmt.Sprintf("legacy database after reprocessing %d time(s)", round), want, old.snapshot(t))
	}
	var commits []int
	rows, err := old.db.Query(`SELECT commits FROM reprocess_log WHERE run_id = 'test-run' ORDER BY match_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		commits = append(commits, n)
	}
	if !slices.Equal(commits, []int{2, 2}) {
		t.Errorf("reprocess_log commits %v, want two per match", commits)
	}
}

// rowIdentity is, per table, every row of the match with its physical
// identity (xmin: the transaction that wrote it; ctid: where it lies) and
// serial id where it has one: equal only if no row was deleted, rewritten
// or added.
func rowIdentity(t *testing.T, db *sql.DB, id string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range store.ReprocessTableNames() {
		var s sql.NullString
		q := fmt.Sprintf(`SELECT string_agg(xmin::text || ctid::text || (to_jsonb(t) ->> 'id'), ',' ORDER BY ctid) FROM %s t WHERE match_id = $1`, table)
		if err := db.QueryRow(q, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		out[table] = s.String
	}
	return out
}

// TestReprocessOfOneTableLeavesTheOthersAlone: replacing one table leaves
// every other table's rows, their row ids and even their physical rows as
// they were, while the replaced table gets rows equal to a fresh run's.
func TestReprocessOfOneTableLeavesTheOthersAlone(t *testing.T) {
	mw := newMatchWorld(t, 21)
	w := mw.open(t)
	w.processAll(t)
	id := w.ids[0]
	want := w.snapshot(t)
	for _, tables := range [][]string{{"player_knock_events"}, {"team_fights"}, {"match_summaries"}, {"landings", "player_circle_positions"}} {
		t.Run(strings.Join(tables, "+"), func(t *testing.T) {
			before := rowIdentity(t, w.db, id)
			res := w.process(t, 0, w.reprocessBody(t, id, tables...))
			expanded, _, _ := store.ParseTables(tables)
			if !slices.Equal(res.Reprocessed, expanded.List()) {
				t.Errorf("result names %v, want %v", res.Reprocessed, expanded.List())
			}
			after := rowIdentity(t, w.db, id)
			for _, table := range store.ReprocessTableNames() {
				changed := before[table] != after[table]
				if expanded.Has(table) != changed && before[table] != "" {
					t.Errorf("%s: changed=%v, but requested=%v", table, changed, expanded.Has(table))
				}
				if !expanded.Has(table) && res.Rows[table]+res.RowsDeleted[table] != 0 {
					t.Errorf("%s not requested but the result counts %d written, %d deleted", table, res.Rows[table], res.RowsDeleted[table])
				}
			}
			requireEqual(t, "after reprocessing "+strings.Join(tables, ","), want, w.snapshot(t))
		})
	}
}

// TestReprocessRacingNormalDeliveries: a reprocess and a normal delivery
// of the same match at the same moment, on two pools, leave every table as
// one run leaves it, whichever commits first; over several rounds, from a
// match never processed and from a legacy one.
func TestReprocessRacingNormalDeliveries(t *testing.T) {
	mw := newMatchWorld(t, 31)
	fresh := mw.open(t)
	fresh.processAll(t)
	want := fresh.snapshot(t)

	w := mw.open(t)
	id := w.ids[0]
	normal, re := w.bodies[id], w.reprocessBody(t, id, "all")
	reset := map[string]func(){
		"unprocessed": func() {
			// Participants before their fights (foreign key).
			for _, table := range append([]string{"fight_participants"}, store.ReprocessTableNames()...) {
				if table != "match_summaries" {
					if _, err := w.db.Exec("DELETE FROM " + table); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := w.db.Exec(`UPDATE match_summaries SET heals_used = DEFAULT, boosts_used = DEFAULT, throwables_used = DEFAULT,
				smokes_thrown = DEFAULT, killsteals = DEFAULT, throwable_damage = DEFAULT, damage_received = DEFAULT,
				avg_distance_from_center = DEFAULT, avg_distance_from_edge = DEFAULT, max_distance_from_center = DEFAULT,
				min_distance_from_edge = DEFAULT, time_outside_zone_seconds = DEFAULT;
				UPDATE matches SET status = 'discovered', landings_processed = false, kills_processed = false, weapons_processed = false,
				damage_processed = false, finishing_processed = false, fights_processed = false, enhanced_stats_processed = false,
				circles_processed = false, weapon_distribution_processed = false`); err != nil {
				t.Fatal(err)
			}
		},
		"legacy": func() {
			if err := legacy.Apply(context.Background(), w.db, w.ids); err != nil {
				t.Fatal(err)
			}
		},
	}
	for round := range 4 {
		start := []string{"unprocessed", "legacy"}[round%2]
		if round > 0 {
			reset[start]()
		} else {
			reset["unprocessed"]()
		}
		var wg sync.WaitGroup
		results := make([]*protocol.Result, 3)
		gate := make(chan struct{})
		// Round r: the reprocess on pool r%2, two normal deliveries around it.
		for i, body := range [][]byte{normal, re, normal} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				res, err := w.procs[(i+round)%2].Process(context.Background(), &protocol.Job{Body: body, Attempt: 1})
				if err != nil {
					t.Error(err)
					return
				}
				results[i] = res
			}()
		}
		close(gate)
		wg.Wait()
		for i, res := range results {
			if res == nil || res.Failed() {
				t.Fatalf("round %d (%s), job %d: %+v", round, start, i, res)
			}
		}
		requireEqual(t, fmt.Sprintf("round %d from %s", round, start), want, w.snapshot(t))
	}
}

// TestReprocessMessageValidation: a bad reprocess field fails the message
// for good, naming the problem, before the database is touched; the
// game_type gate still applies; a fully processed match is not skipped.
func TestReprocessMessageValidation(t *testing.T) {
	f := newFixture(t)
	f.file(t, "m.json.gz", landingsJSON, true)
	f.match(t, "m1", "competitive")
	f.match(t, "c1", "custom")
	for _, tc := range []struct {
		reprocess, want string
	}{
		{`["kills"]`, `unknown table "kills"`},
		{`"all"`, `reprocess must be a list of table names`},
		{`[]`, `lists no table`},
		{`["fight_participants"]`, `without team_fights`},
		{`[1]`, `reprocess must be a list`},
	} {
		res := f.run(t, `{"match_id":"m1","file_path":"m.json.gz","reprocess":`+tc.reprocess+`}`)
		if res.Outcome != protocol.OutcomePermanent || res.ErrorType != "ValidationError" || !strings.Contains(res.ErrorMessage, tc.want) {
			t.Errorf("reprocess %s: %v %s %q, want a ValidationError containing %q", tc.reprocess, res.Outcome, res.ErrorType, res.ErrorMessage, tc.want)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM matches WHERE status = 'failed'`); n != 0 {
		t.Errorf("a refused message marked %d matches failed", n)
	}
	if res := f.run(t, `{"match_id":"m1","file_path":"m.json.gz","reprocess_run":"r"}`); res.ErrorType != "ValidationError" {
		t.Errorf("reprocess_run without reprocess: %v %s", res.Outcome, res.ErrorType)
	}

	if res := f.run(t, `{"match_id":"c1","file_path":"m.json.gz","reprocess":["all"]}`); res.Outcome != protocol.OutcomeSkipped || res.SkipReason != "game_type=custom" {
		t.Errorf("custom match: %v %q, want skipped by the game_type gate", res.Outcome, res.SkipReason)
	}
	// A null reprocess is a normal message.
	if res := f.run(t, `{"match_id":"m1","file_path":"m.json.gz","reprocess":null}`); res.Outcome != protocol.OutcomeSuccess || res.Reprocessed != nil {
		t.Fatalf("normal message: %v %v", res.Outcome, res.Reprocessed)
	}
	f.exec(t, `UPDATE matches SET landings_processed = true, kills_processed = true, weapons_processed = true, damage_processed = true,
		finishing_processed = true, fights_processed = true WHERE match_id = 'm1'`)
	if res := f.run(t, `{"match_id":"m1","file_path":"m.json.gz"}`); res.Outcome != protocol.OutcomeSkipped {
		t.Fatalf("normal message for a fully processed match: %v", res.Outcome)
	}
	res := f.run(t, `{"match_id":"m1","file_path":"m.json.gz","reprocess":["landings"]}`)
	if res.Outcome != protocol.OutcomeSuccess || res.RowsDeleted["landings"] != 2 || res.Rows["landings"] != 2 {
		t.Errorf("reprocess of a fully processed match: %v, deleted %v, written %v", res.Outcome, res.RowsDeleted, res.Rows)
	}
	if got := slices.Collect(maps.Keys(res.Rows)); len(got) != 1 {
		t.Errorf("rows reported for %v, want landings only", got)
	}
}
