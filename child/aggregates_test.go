package child_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
	"github.com/pewstats/collector/protocol"
)

// TestAggregatesFullMatchStoresWhatExtractorsReturn processes a generated
// full-size match (child/synth: ~55,000 events, up to 100 players) end to
// end. It is a storage
// and wiring test, not an extraction test: its expected counts come from the
// same extractors the processor runs, so it proves that fights,
// participants, circle positions, weapon distribution and the
// match_summaries update are all written, completely, at full size, and that
// a second processing adds and changes nothing. What the extractors compute
// is pinned by TestAggregatesGolden below (hand-written expectations) and
// by the golden and oracle tests of child/extract.
func TestAggregatesFullMatchStoresWhatExtractorsReturn(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	ctx := context.Background()
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	if _, err := schema.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	port, _ := strconv.Atoi(p.Port)
	st, err := store.Open(ctx, store.Config{Host: p.Host, Port: port, User: p.User, Password: p.Password, DB: name, MinConns: 1, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := t.TempDir()
	proc := child.NewProcessor(st, child.Config{TelemetryDir: dir, MaxTelemetryBytes: 256 << 20}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	// A full squad match with bots named like NPCs.
	m, err := synth.Generate(synth.Options{Seed: 42, GameMode: "squad-fpp", NPCs: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := m.Bytes(synth.EncodingPlain)
	if err := os.WriteFile(filepath.Join(dir, "match.json.gz"), m.Bytes(synth.EncodingGzip), 0o644); err != nil {
		t.Fatal(err)
	}
	var names []string // the human players
	for _, p := range m.Players {
		if !p.Bot {
			names = append(names, p.Name)
		}
	}
	tracked := names[:8]
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type) VALUES ('full', 'Baltic_Main', 'squad-fpp', now(), 'competitive')`)
	for i, n := range tracked {
		mustExec(`INSERT INTO players (player_id, player_name) VALUES ($1, $2)`, "account.t"+strconv.Itoa(i), n)
	}
	for i, n := range names {
		mustExec(`INSERT INTO match_summaries (match_id, participant_id, player_id, player_name) VALUES ('full', $1, $2, $3)`,
			"part"+strconv.Itoa(i), "account."+n, n)
	}

	// What the extractors say, to check the tables against.
	parsed, err := telemetry.Read(ctx, bytes.NewReader(raw), "full", 0)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.TotalEvents < 50000 {
		t.Fatalf("generated match has %d events, want a full-size one", parsed.TotalEvents)
	}
	fights := extract.TeamFights(parsed.Events)
	participants := 0
	for _, f := range fights {
		participants += len(f.Participants)
	}
	trackedSet := map[string]bool{}
	for _, n := range tracked {
		trackedSet[n] = true
	}
	circle := extract.CircleTracking(parsed.Events, func(n string) bool { return trackedSet[n] })
	weapons := extract.WeaponDistribution(parsed.Events)
	if len(fights) == 0 || participants == 0 || len(circle.Positions) == 0 || len(weapons) == 0 {
		t.Fatalf("generator produced too little: %d fights, %d participants, %d positions, %d weapon rows", len(fights), participants, len(circle.Positions), len(weapons))
	}

	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	snapshot := func() map[string]int {
		return map[string]int{
			"team_fights":             count(`SELECT count(*) FROM team_fights WHERE match_id = 'full'`),
			"fight_participants":      count(`SELECT count(*) FROM fight_participants p JOIN team_fights f ON f.id = p.fight_id WHERE p.match_id = 'full' AND f.match_id = 'full'`),
			"player_circle_positions": count(`SELECT count(*) FROM player_circle_positions WHERE match_id = 'full'`),
			"untracked_positions":     count(`SELECT count(*) FROM player_circle_positions c WHERE NOT EXISTS (SELECT 1 FROM players p WHERE p.player_name = c.player_name)`),
			"weapon_distribution":     count(`SELECT count(*) FROM player_match_weapon_distribution WHERE match_id = 'full'`),
			"weapon_kills":            count(`SELECT coalesce(sum(total_kills), 0) FROM player_match_weapon_distribution WHERE match_id = 'full'`),
			"summaries_without_stats": count(`SELECT count(*) FROM match_summaries WHERE match_id = 'full' AND (avg_distance_from_center IS NULL OR time_outside_zone_seconds IS NULL)`),
			"summaries_with_items":    count(`SELECT count(*) FROM match_summaries WHERE match_id = 'full' AND throwables_used + heals_used + boosts_used > 0`),
			"summaries_damaged":       count(`SELECT count(*) FROM match_summaries WHERE match_id = 'full' AND damage_received > 0`),
			"fights_processed":        count(`SELECT count(*) FROM matches WHERE match_id = 'full' AND fights_processed`),
		}
	}
	body := `{"match_id":"full","file_path":"match.json.gz","map_name":"Baltic_Main","game_mode":"squad-fpp","match_datetime":"2025-10-01T11:30:00Z"}`
	run := func() *protocol.Result {
		t.Helper()
		res, err := proc.Process(ctx, &protocol.Job{Body: []byte(body), Attempt: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != protocol.OutcomeSuccess {
			t.Fatalf("outcome %s %s: %s", res.Outcome, res.ErrorType, res.ErrorMessage)
		}
		return res
	}

	res := run()
	t.Logf("%d events; first run: read %v, extract %v, store %v; per table %v", parsed.TotalEvents, res.Timings.Read, res.Timings.Extract, res.Timings.Store, res.TableDurations)
	first := snapshot()
	want := map[string]int{
		"team_fights": len(fights), "fight_participants": participants, "player_circle_positions": len(circle.Positions),
		"untracked_positions": 0, "weapon_distribution": len(weapons), "summaries_without_stats": 0, "fights_processed": 1,
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %d, want %d", k, first[k], v)
		}
	}
	for _, k := range []string{"weapon_kills", "summaries_with_items", "summaries_damaged"} {
		if first[k] == 0 {
			t.Errorf("%s = 0: the enhanced columns were not written", k)
		}
	}
	if res.EventsExtracted["fights"] != int64(len(fights)) || res.EventsExtracted["fight_participants"] != int64(participants) {
		t.Errorf("events extracted %v, want fights=%d fight_participants=%d", res.EventsExtracted, len(fights), participants)
	}
	if res.Rows["team_fights"] != int64(len(fights)) || res.Rows["match_summaries"] != int64(len(names)) {
		t.Errorf("rows %v", res.Rows)
	}
	summaries := func() string {
		rows, err := db.Query(`SELECT player_name, heals_used, boosts_used, throwables_used, smokes_thrown, killsteals, throwable_damage,
			damage_received, avg_distance_from_center, avg_distance_from_edge, max_distance_from_center, min_distance_from_edge,
			time_outside_zone_seconds FROM match_summaries ORDER BY player_name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out bytes.Buffer
		for rows.Next() {
			var cols [13]sql.NullString
			ptrs := make([]any, 13)
			for i := range cols {
				ptrs[i] = &cols[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&out, cols)
		}
		return out.String()
	}
	before := summaries()

	// A redelivery: the fights flag skips fights; everything else runs again
	// and must neither add rows nor change values.
	res = run()
	if second := snapshot(); !equalMaps(first, second) {
		t.Errorf("second processing changed the tables:\n first  %v\n second %v", first, second)
	}
	if res.Rows["team_fights"] != 0 || res.Rows["player_circle_positions"] != 0 {
		t.Errorf("second run wrote %v", res.Rows)
	}
	if after := summaries(); after != before {
		t.Error("second processing changed match_summaries values")
	}
}

func equalMaps(a, b map[string]int) bool {
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
