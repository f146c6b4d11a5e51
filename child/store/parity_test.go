package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/store/storetest/ledger"
	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

// parityMatch is one match's extraction, from which steps are built afresh
// for each path (the fights writers keep state between their two tables).
type parityMatch struct {
	info   extract.MatchInfo
	events []telemetry.Event
	rows   *extractedRows // by tracked set, filled on first use
}

// extractedRows is every extractor's output for one tracked set.
type extractedRows struct {
	landings []extract.Landing
	kills    []extract.KillPosition
	wk       []extract.WeaponKill
	dmg      []extract.DamageEvent
	knocks   []extract.KnockEvent
	sums     []extract.FinishingSummary
	fights   []extract.Fight
	enhanced []extract.PlayerEnhancedStats
	circle   []extract.CirclePosition
	dist     []extract.WeaponUse
}

func (m *parityMatch) extracted(t testing.TB, tracked map[string]struct{}) *extractedRows {
	t.Helper()
	if m.rows != nil {
		return m.rows
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ev := m.events
	x := &extractedRows{}
	var err error
	x.landings, err = extract.Landings(ev)
	must(err)
	x.kills, err = extract.KillPositions(ev)
	must(err)
	x.wk, err = extract.WeaponKills(ev)
	must(err)
	x.dmg, err = extract.DamageEvents(ev, tracked)
	must(err)
	x.knocks, x.sums, err = extract.Finishing(ev)
	must(err)
	x.fights = extract.TeamFights(ev)
	circle := extract.CircleTracking(ev, func(name string) bool { _, ok := tracked[name]; return ok })
	x.enhanced = extract.MergeEnhancedStats(extract.ItemUsageStats(ev), extract.AdvancedCombatStats(ev), circle.Aggregates)
	x.circle = circle.Positions
	x.dist = extract.WeaponDistribution(ev)
	m.rows = x
	return x
}

// steps builds the match's store.Steps the way child/pipeline.go does, every
// step included. legacy wraps each writer in store.LegacyWriter.
func (m *parityMatch) steps(t testing.TB, tracked map[string]struct{}, legacy bool) []store.Step {
	t.Helper()
	return m.stepsAs(t, m.info.MatchID, tracked, legacy)
}

// stepsAs is steps for a copy of the match stored under another id.
func (m *parityMatch) stepsAs(t testing.TB, matchID string, tracked map[string]struct{}, legacy bool) []store.Step {
	t.Helper()
	wrap := func(w store.TableWriter) store.TableWriter {
		if legacy {
			return store.LegacyWriter(w)
		}
		return w
	}
	x, info := m.extracted(t, tracked), m.info
	info.MatchID = matchID
	fights := &store.Fights{Info: info, Rows: x.fights}
	return []store.Step{
		{Flag: store.FlagLandings, Writers: []store.TableWriter{wrap(store.Landings{Info: info, Rows: x.landings})}},
		{Flag: store.FlagKills, Writers: []store.TableWriter{wrap(store.KillPositions{Info: info, Rows: x.kills})}},
		{Flag: store.FlagWeapons, Writers: []store.TableWriter{wrap(store.WeaponKills{Info: info, Rows: x.wk})}},
		{Flag: store.FlagDamage, Writers: []store.TableWriter{wrap(store.DamageEvents{Info: info, Rows: x.dmg})}},
		{Flag: store.FlagFinishing, Writers: []store.TableWriter{wrap(store.KnockEvents{Info: info, Rows: x.knocks}), wrap(store.FinishingSummaries{Info: info, Rows: x.sums})}},
		{Flag: store.FlagFights, Writers: []store.TableWriter{wrap(fights.TeamFights()), wrap(fights.Participants())}},
		{Flag: store.FlagEnhancedStats, Writers: []store.TableWriter{wrap(store.EnhancedStats{MatchID: info.MatchID, Rows: x.enhanced})}},
		{Flag: store.FlagCircles, Writers: []store.TableWriter{wrap(store.CirclePositions{MatchID: info.MatchID, Rows: x.circle})}},
		{Flag: store.FlagWeaponDistribution, Writers: []store.TableWriter{wrap(store.WeaponDistribution{MatchID: info.MatchID, Rows: x.dist})}},
	}
}

// parityMatches generates matches of every shape the writers meet: a modern
// match with nine players in ten tracked (thousands of damage rows and
// circle samples), and small ones in other game modes.
func parityMatches(t *testing.T) ([]*parityMatch, *synth.Seed) {
	t.Helper()
	storetest.SkipIfShort(t) // every caller writes them to a database
	opts := []synth.Options{
		{Profile: synth.ProfileModern, Seed: 13, TrackedFraction: 0.9},
		{Profile: synth.ProfileSmall, Seed: 21, TrackedFraction: 0.5, GameMode: "solo"},
		{Profile: synth.ProfileSmall, Seed: 22, TrackedFraction: 0.5, GameMode: "duo-fpp"},
		{Profile: synth.ProfileSmall, Seed: 23, TrackedFraction: 1},
	}
	seed := &synth.Seed{}
	var out []*parityMatch
	for _, o := range opts {
		m, err := synth.Generate(o)
		if err != nil {
			t.Fatal(err)
		}
		seed.Add(m)
		var buf bytes.Buffer
		if err := m.Encode(&buf, synth.EncodingPlain); err != nil {
			t.Fatal(err)
		}
		tm, err := telemetry.Read(context.Background(), &buf, "match.json", 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &parityMatch{
			info: extract.MatchInfo{MatchID: m.ID, MapName: m.MapName, GameMode: m.GameMode, GameType: m.GameType,
				MatchDatetime: m.CreatedAt.UTC(), MatchDatetimeText: m.MatchDatetime()},
			events: tm.Events,
		})
	}
	return out, seed
}

// parityDB is a migrated, seeded database and a store on it.
func parityDB(t *testing.T, seed *synth.Seed) (*store.Store, *sql.DB) {
	t.Helper()
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	if _, err := schema.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	if err := seed.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type) VALUES ('edge', 'Baltic_Main', 'squad-fpp', now(), 'competitive')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO match_summaries (match_id, participant_id, player_id, player_name, throwable_damage, avg_distance_from_center)
		VALUES ('edge', 'p1', 'a1', 'quote"back\slash', 7.125, 12.345), ('edge', 'p2', 'a2', '', 1, 2), ('edge', 'p3', 'a3', 'NULL', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: portOf(p), DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, db
}

func trackedIn(t testing.TB, db *sql.DB) map[string]struct{} {
	t.Helper()
	rows, err := db.Query(`SELECT player_name FROM players`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	set := map[string]struct{}{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		set[n] = struct{}{}
	}
	return set
}

// edgeSteps are hand-made rows with the values an encoding can get wrong:
// quotes, backslashes, braces, commas, the word NULL, empty and non-ASCII
// strings; doubles on NUMERIC rounding boundaries, huge, tiny, negative
// zero; NULL in every nullable group; array and JSON columns.
func edgeSteps(legacy bool) []store.Step {
	wrap := func(w store.TableWriter) store.TableWriter {
		if legacy {
			return store.LegacyWriter(w)
		}
		return w
	}
	info := extract.MatchInfo{MatchID: "edge", MapName: "Baltic_Main", GameMode: "squad-fpp", GameType: "competitive",
		MatchDatetime: time.Date(2025, 10, 7, 12, 0, 0, 0, time.UTC), MatchDatetimeText: "2025-10-07T12:00:00Z"}
	names := []string{`quote"back\slash`, "", "NULL", `{brace},comma`, " spaced ", "Ünïcødé 名前", `\`, `"`}
	floats := []float64{0.12499999999999999, 1.005, 2.675, -0.0, 1e-300, 123.125, 0.1 + 0.2, -7.5, 999.994999999, 5e-324, 0.005, 99.995}
	f := func(i int) float64 { return floats[i%len(floats)] }
	var sums []extract.FinishingSummary
	var enhanced []extract.PlayerEnhancedStats
	var circle []extract.CirclePosition
	var dist []extract.WeaponUse
	var participants []extract.FightParticipant
	for i, n := range names {
		sums = append(sums, extract.FinishingSummary{PlayerName: n, PlayerAccountID: extract.OptIf(i%2 == 0, n), TeamID: int64(i),
			TotalKnocks: i, FinishingRate: extract.OptIf(i%3 != 0, f(i)), AvgKnockDistance: of(f(i + 1)),
			MinKnockDistance: of(f(i + 2)), MaxKnockDistance: of(f(i + 3)), AvgNearestTeammate: of(f(i + 4))})
		e := extract.PlayerEnhancedStats{PlayerName: n}
		if i%2 == 0 {
			e.Items = &extract.ItemUsage{HealsUsed: i, BoostsUsed: 1, ThrowablesUsed: 2, SmokesThrown: 3}
		}
		if i%3 != 1 {
			e.Advanced = &extract.AdvancedStats{Killsteals: i, ThrowableDamage: f(i), DamageReceived: f(i + 5)}
		}
		if i%4 != 2 {
			e.Circle = &extract.CircleAggregate{AvgDistanceFromCenter: f(i + 1), AvgDistanceFromEdge: f(i + 2),
				MaxDistanceFromCenter: f(i + 3), MinDistanceFromEdge: f(i + 6), TimeOutsideZoneSeconds: int64(i)}
		}
		enhanced = append(enhanced, e)
		circle = append(circle, extract.CirclePosition{PlayerName: n, ElapsedTime: int64(i * 10), PlayerX: f(i), PlayerY: f(i + 1),
			ZoneX: f(i + 2), ZoneY: f(i + 3), ZoneRadius: f(i + 4), DistanceFromCenter: f(i + 5), DistanceFromEdge: f(i + 6), InSafeZone: i%2 == 0})
		dist = append(dist, extract.WeaponUse{PlayerName: n, Category: names[(i+1)%len(names)], TotalDamage: f(i), TotalKills: i, KnockDowns: 1})
		participants = append(participants, extract.FightParticipant{PlayerName: n, AccountID: extract.OptIf(i%2 == 1, n), TeamID: int64(i),
			KnocksDealt: i, KillsDealt: 1, DamageDealt: f(i), DamageTaken: f(i + 1), CenterX: extract.OptIf(i%3 == 0, f(i+2)), CenterY: extract.OptIf(i%3 == 0, f(i+3)),
			WasKnocked: i%2 == 0, WasKilled: i%3 == 0, KnockedAt: ot(time.Date(2025, 10, 7, 12, 1, i, 123456789, time.UTC))})
	}
	start := time.Date(2025, 10, 7, 12, 1, 0, 999999500, time.UTC)
	fights := &store.Fights{Info: info, Rows: []extract.Fight{
		{StartTime: start, EndTime: start.Add(30 * time.Second), DurationSeconds: 30.0000005, TeamIDs: []int64{1, 2, 3},
			PrimaryTeam1: 1, PrimaryTeam2: 2, ThirdPartyTeams: []int64{3}, TotalKnocks: 2, TotalKills: 1, TotalDamage: 412.12499999999999,
			TotalDamageEvents: 9, Outcome: "THIRD_PARTY", WinningTeamID: oi(1), LoserTeamID: oi(2),
			TeamOutcomes: []extract.TeamOutcome{{TeamID: 1, Outcome: "WON"}, {TeamID: 2, Outcome: "LOST"}, {TeamID: 3, Outcome: "DRAW"}},
			Reason:       `Multiple casualties (3 knocks/kills) "quoted" \ back`, CenterX: of(1.005), CenterY: of(-0.0), SpreadRadius: of(2.675),
			Participants: participants[:4]},
		{StartTime: start.Add(time.Minute), EndTime: start.Add(2 * time.Minute), DurationSeconds: 60, TeamIDs: []int64{4, 5},
			PrimaryTeam1: 4, PrimaryTeam2: 5, Outcome: "DRAW", TeamOutcomes: []extract.TeamOutcome{{TeamID: 4, Outcome: "DRAW"}, {TeamID: 5, Outcome: "DRAW"}},
			Reason: "Sustained reciprocal damage (150 total)", Participants: participants[4:]},
	}}
	return []store.Step{
		{Flag: store.FlagFinishing, Writers: []store.TableWriter{wrap(store.FinishingSummaries{Info: info, Rows: sums})}},
		{Flag: store.FlagFights, Writers: []store.TableWriter{wrap(fights.TeamFights()), wrap(fights.Participants())}},
		{Flag: store.FlagEnhancedStats, Writers: []store.TableWriter{wrap(store.EnhancedStats{MatchID: "edge", Rows: enhanced})}},
		{Flag: store.FlagCircles, Writers: []store.TableWriter{wrap(store.CirclePositions{MatchID: "edge", Rows: circle})}},
		{Flag: store.FlagWeaponDistribution, Writers: []store.TableWriter{wrap(store.WeaponDistribution{MatchID: "edge", Rows: dist})}},
	}
}

// TestNewPathStoresWhatTheStagingPathStored writes the same extracted rows
// through the writers as they are and through the staging-table writers
// they replaced (store.LegacyWriter, frozen in legacy_test.go) into two
// databases, twice (the second time with every flag reset, so the upserts,
// the COALESCE update over stored values and the per-player circle guard
// meet existing rows), and requires every column of every table of every
// match to be identical (ledger fingerprints: row count and a checksum of
// every row's JSON).
func TestNewPathStoresWhatTheStagingPathStored(t *testing.T) {
	matches, seed := parityMatches(t)
	newStore, newDB := parityDB(t, seed)
	oldStore, oldDB := parityDB(t, seed)
	tracked := trackedIn(t, newDB)
	ids := []string{"edge"}
	for _, m := range matches {
		ids = append(ids, m.info.MatchID)
	}
	ctx := context.Background()
	for pass := 1; pass <= 2; pass++ {
		for _, m := range matches {
			commitBoth(t, ctx, newStore, oldStore, m.info.MatchID, m.steps(t, tracked, false), m.steps(t, tracked, true))
		}
		commitBoth(t, ctx, newStore, oldStore, "edge", edgeSteps(false), edgeSteps(true))
		for _, db := range []*sql.DB{newDB, oldDB} {
			if _, err := db.Exec(`UPDATE matches SET ` + resetAllFlags()); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := ledger.Snapshot(ctx, oldDB, ids)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ledger.Snapshot(ctx, newDB, ids)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := ledger.Diff(want, got); len(diffs) > 0 {
		t.Errorf("the new path stored something else:\n%s", strings.Join(diffs, "\n"))
	}
	t.Logf("compared (staging path → new path):\n%s", ledger.Table(want, got))
	if n := want["edge"]["match_summaries"].Rows; n != 3 {
		t.Errorf("edge match has %d match_summaries rows, want 3", n)
	}
}

func commitBoth(t *testing.T, ctx context.Context, newStore, oldStore *store.Store, id string, newSteps, oldSteps []store.Step) {
	t.Helper()
	wNew, err := newStore.CommitMatch(ctx, id, newSteps)
	if err != nil {
		t.Fatalf("new path, match %s: %v", id, err)
	}
	wOld, err := oldStore.CommitMatch(ctx, id, oldSteps)
	if err != nil {
		t.Fatalf("staging path, match %s: %v", id, err)
	}
	if fmt.Sprint(wNew.Rows) != fmt.Sprint(wOld.Rows) || wNew.Set != wOld.Set {
		t.Errorf("match %s: new path reported rows %v flags %v, staging path %v %v", id, wNew.Rows, wNew.Set.List(), wOld.Rows, wOld.Set.List())
	}
}

func resetAllFlags() string {
	var cols []string
	for _, f := range store.AllFlags() {
		cols = append(cols, f.Column()+" = false")
	}
	return strings.Join(cols, ", ")
}
