package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
)

// openSecondStore opens another pool on openStore's database, as a child of
// another supervisor would.
func openSecondStore(t *testing.T, db *sql.DB) *store.Store {
	t.Helper()
	var name string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: portOf(p), DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// openStore gives a test its own database with the reference's tables and
// one match row.
func openStore(t *testing.T) (*store.Store, *sql.DB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	migrate(t, db)
	if _, err := db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type) VALUES ('m1', 'Baltic_Main', 'squad-fpp', now(), 'competitive')`); err != nil {
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

var info = extract.MatchInfo{
	MatchID: "m1", MapName: "Baltic_Main", GameMode: "squad-fpp", GameType: "competitive",
	MatchDatetime: time.Date(2025, 10, 7, 12, 0, 0, 0, time.UTC),
}

func o(s string) extract.Opt[string]        { return extract.Some(s) }
func of(f float64) extract.Opt[float64]     { return extract.Some(f) }
func oi(i int64) extract.Opt[int64]         { return extract.Some(i) }
func ot(t time.Time) extract.Opt[time.Time] { return extract.Some(t) }
func loc(x, y, z float64) extract.Loc {
	return extract.Loc{X: of(x), Y: of(y), Z: of(z)}
}

// row reads one row as text, NULL as "<nil>", so expectations show exactly
// what PostgreSQL stored.
func row(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatalf("no row for %s", query)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for k := range vals {
		ptrs[k] = &vals[k]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(cols))
	for k, v := range vals {
		out[k] = "<nil>"
		if v.Valid {
			out[k] = cols[k] + "=" + v.String
		} else {
			out[k] = cols[k] + "=<nil>"
		}
	}
	return out
}

func expect(t *testing.T, got []string, want ...string) {
	t.Helper()
	g := strings.Join(got, "\n")
	w := strings.Join(want, "\n")
	if g != w {
		t.Errorf("stored row differs:\n--- got\n%s\n--- want\n%s", g, w)
	}
}

func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWriteKillPositions(t *testing.T) {
	st, db := openStore(t)
	rows := []extract.KillPosition{{
		AttackID: oi(42), DBNOID: oi(-1), VictimName: o("V"), VictimTeamID: oi(2),
		// 12.345 is 12.3449999… as a double: the float8→numeric cast sees
		// "12.345" (15 digits) and keeps it.
		Victim: loc(12.345, 0.1+0.2, 296744.875), VictimInBlueZone: true, KilledInZone: o(`["pochinki", "school"]`),
		DBNODamageCauserDistance: of(1234.5), FinisherName: o("F"), FinisherTeamID: oi(1), IsGame: 0.10000000149011612,
	}, {VictimName: o("W")}}
	if _, err := st.CommitMatch(context.Background(), "m1", steps(store.FlagKills, store.KillPositions{Info: info, Rows: rows})); err != nil {
		t.Fatal(err)
	}
	expect(t, row(t, db, `SELECT match_id, attack_id, dbno_id, victim_name, victim_team_id, victim_x_location, victim_y_location,
		victim_z_location, victim_in_blue_zone, victim_in_vehicle, killed_in_zone::text, dbno_maker_name, dbno_damage_causer_distance,
		finisher_name, finisher_team_id, finisher_zone, is_game, map_name, game_type, game_mode, (match_datetime AT TIME ZONE 'UTC')::text AS timezone
		FROM kill_positions WHERE victim_name = 'V'`),
		"match_id=m1", "attack_id=42", "dbno_id=-1", "victim_name=V", "victim_team_id=2", "victim_x_location=12.345",
		"victim_y_location=0.3", "victim_z_location=296744.875", "victim_in_blue_zone=true", "victim_in_vehicle=false",
		`killed_in_zone=["pochinki", "school"]`, "dbno_maker_name=<nil>", "dbno_damage_causer_distance=1234.5",
		"finisher_name=F", "finisher_team_id=1", "finisher_zone=<nil>", "is_game=0.100000001490116",
		"map_name=Baltic_Main", "game_type=unknown", "game_mode=squad-fpp", "timezone=2025-10-07 12:00:00")
	expect(t, row(t, db, `SELECT count(*) FILTER (WHERE attack_id IS NULL AND victim_in_blue_zone = false) FROM kill_positions`), "count=1")
	expect(t, row(t, db, `SELECT kills_processed, landings_processed, status FROM matches`), "kills_processed=true", "landings_processed=false", "status=completed")
}

func TestWriteWeaponKills(t *testing.T) {
	st, db := openStore(t)
	ts := time.Date(2025, 10, 7, 12, 20, 30, 123456700, time.UTC)
	rows := []extract.WeaponKill{{
		EventTimestamp: ot(ts), KillerName: "K", KillerTeamID: oi(4), Killer: loc(12.345, 1.005, 2.675),
		VictimName: "V", Victim: loc(1, 2, 3), WeaponID: "WeapM416_C", DamageType: o("Damage_Gun"),
		Distance: of(15234.56789), IsKnockDown: true, IsRedZone: true, VictimInVehicle: true,
	}}
	if _, err := st.CommitMatch(context.Background(), "m1", steps(store.FlagWeapons, store.WeaponKills{Info: info, Rows: rows})); err != nil {
		t.Fatal(err)
	}
	// NUMERIC(10,2) rounds the 15-digit text half away from zero:
	// 1.005 (1.00499999999999989…) is "1.005" → 1.01, as in the reference;
	// rounding the exact double would give 1.00.
	expect(t, row(t, db, `SELECT (event_timestamp AT TIME ZONE 'UTC')::text AS ts, killer_name, killer_team_id, killer_x, killer_y, killer_z,
		victim_team_id, weapon_id, damage_type, damage_reason, distance, is_knock_down, is_kill, map_name, game_mode, match_type,
		zone_phase, time_survived, is_blue_zone, is_red_zone, killer_in_vehicle, victim_in_vehicle FROM weapon_kill_events`),
		"ts=2025-10-07 12:20:30.123457", "killer_name=K", "killer_team_id=4", "killer_x=12.35", "killer_y=1.01", "killer_z=2.68",
		"victim_team_id=<nil>", "weapon_id=WeapM416_C", "damage_type=Damage_Gun", "damage_reason=<nil>", "distance=15234.57",
		"is_knock_down=true", "is_kill=true", "map_name=Baltic_Main", "game_mode=squad-fpp", "match_type=unknown",
		"zone_phase=<nil>", "time_survived=<nil>", "is_blue_zone=false", "is_red_zone=true", "killer_in_vehicle=false", "victim_in_vehicle=true")
}

func TestWriteDamageEvents(t *testing.T) {
	st, db := openStore(t)
	rows := []extract.DamageEvent{
		{AttackerName: o("A"), AttackerTeamID: oi(1), AttackerHealth: of(87.5), Attacker: loc(296744.875, 0.1, 1378.38916015625),
			VictimName: "V", VictimHealth: of(86.5), Victim: loc(1, 2, 3), DamageTypeCategory: o("Damage_Gun"),
			DamageReason: o("HeadShot"), Damage: of(12.345678901234), WeaponID: o("WeapAK47_C"),
			EventTimestamp: ot(time.Date(2025, 10, 7, 12, 0, 5, 500000000, time.UTC))},
		{VictimName: "T2", VictimHealth: of(99.5)},
	}
	if _, err := st.CommitMatch(context.Background(), "m1", steps(store.FlagDamage, store.DamageEvents{Info: info, Rows: rows})); err != nil {
		t.Fatal(err)
	}
	// INTEGER health rounds half to even (87.5→88, 86.5→86); REAL keeps
	// single precision.
	expect(t, row(t, db, `SELECT attacker_name, attacker_team_id, attacker_health, attacker_location_x, attacker_location_y,
		attacker_location_z, victim_health, damage, weapon_id, (event_timestamp AT TIME ZONE 'UTC')::text AS ts
		FROM player_damage_events ORDER BY id LIMIT 1`),
		"attacker_name=A", "attacker_team_id=1", "attacker_health=88", "attacker_location_x=296744.88", "attacker_location_y=0.1",
		"attacker_location_z=1378.3892", "victim_health=86", "damage=12.345679", "weapon_id=WeapAK47_C", "ts=2025-10-07 12:00:05.5")
	expect(t, row(t, db, `SELECT attacker_name, victim_health FROM player_damage_events ORDER BY id OFFSET 1`), "attacker_name=<nil>", "victim_health=100")
}

func TestWriteKnocksAndSummaries(t *testing.T) {
	st, db := openStore(t)
	ts := time.Date(2025, 10, 7, 12, 1, 40, 0, time.UTC)
	knocks := []extract.KnockEvent{{
		DBNOID: 1, AttackID: oi(77), AttackerName: "A", AttackerTeamID: oi(1), AttackerAccountID: o("account.a"),
		Attacker: loc(0, 0, 0), AttackerHealth: of(87.5), VictimName: o("V"), VictimTeamID: oi(2),
		KnockWeaponAttachments: `["Item_Attach_A", "Item_Attach_B"]`, VictimWeaponAttachments: `[]`, KnockDistance: 12.345,
		IsThroughPenetrableWall: true, ZoneName: o("pochinki,school"),
		Team: extract.TeamMetrics{Nearest: of(50), Avg: of(75), Within50: 1, Within100: 2, Within200: 2, Variance: of(625), Alive: 2,
			PositionsJSON: `[{"name": "A2", "distance": 50.0}, {"name": "A3", "distance": 100.0}]`},
		VictimTeam: extract.TeamMetrics{PositionsJSON: "[]"},
		Outcome:    "killed", FinisherName: o("A"), FinisherIsSelf: true, TimeToFinish: of(10.5), EventTimestamp: ot(ts),
	}}
	sums := []extract.FinishingSummary{{PlayerName: "A", PlayerAccountID: o("account.a"), TeamID: 1, TotalKnocks: 3,
		KnocksConvertedSelf: 1, FinishingRate: of(100.0 / 3), AvgKnockDistance: of(12.345)}}
	if _, err := st.CommitMatch(context.Background(), "m1", steps(store.FlagFinishing,
		store.KnockEvents{Info: info, Rows: knocks}, store.FinishingSummaries{Info: info, Rows: sums})); err != nil {
		t.Fatal(err)
	}
	expect(t, row(t, db, `SELECT dbno_id, attack_id, attacker_health, knock_weapon_attachments::text, knock_distance,
		nearest_teammate_distance, team_spread_variance, teammate_positions::text, victim_teammate_positions::text,
		victim_nearest_teammate_distance, outcome, finisher_is_self, finisher_is_teammate, time_to_finish, game_type,
		match_datetime::text, event_timestamp::text FROM player_knock_events`),
		"dbno_id=1", "attack_id=77", "attacker_health=87.50", `knock_weapon_attachments=["Item_Attach_A", "Item_Attach_B"]`,
		"knock_distance=12.35", "nearest_teammate_distance=50.00", "team_spread_variance=625.00",
		`teammate_positions=[{"name": "A2", "distance": 50.0}, {"name": "A3", "distance": 100.0}]`,
		"victim_teammate_positions=[]", "victim_nearest_teammate_distance=<nil>", "outcome=killed", "finisher_is_self=true",
		"finisher_is_teammate=false", "time_to_finish=10.50", "game_type=competitive",
		"match_datetime=2025-10-07 12:00:00", "event_timestamp=2025-10-07 12:01:40")

	// The summary upsert keeps the reference's ON CONFLICT clause: counts
	// and averages are replaced, identity and match columns kept. (It runs
	// when the flag is false but rows exist, e.g. written by the reference
	// worker before a flag was reset.)
	if _, err := db.Exec(`UPDATE matches SET finishing_processed = false`); err != nil {
		t.Fatal(err)
	}
	info2 := info
	info2.MapName = "Other"
	sums2 := []extract.FinishingSummary{{PlayerName: "A", PlayerAccountID: o("account.changed"), TeamID: 9, TotalKnocks: 4, KnocksConvertedSelf: 2, FinishingRate: of(50)}}
	if _, err := st.CommitMatch(context.Background(), "m1", steps(store.FlagFinishing, store.FinishingSummaries{Info: info2, Rows: sums2})); err != nil {
		t.Fatal(err)
	}
	expect(t, row(t, db, `SELECT count(*) OVER () AS n, player_account_id, team_id, total_knocks, knocks_converted_self,
		finishing_rate, avg_knock_distance, map_name FROM player_finishing_summary`),
		"n=1", "player_account_id=account.a", "team_id=1", "total_knocks=4", "knocks_converted_self=2", "finishing_rate=50.00",
		"avg_knock_distance=<nil>", "map_name=Baltic_Main")
}

// failWriter stands for a crash between extraction and commit.
type failWriter struct{}

func (failWriter) Table() string { return "crash" }
func (failWriter) Write(context.Context, *sql.Tx) (int64, error) {
	return 0, errors.New("simulated crash")
}

// cancelWriter cancels the job's context in the middle of the transaction.
type cancelWriter struct{ cancel context.CancelFunc }

func (cancelWriter) Table() string { return "cancel" }
func (c cancelWriter) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	c.cancel()
	_, err := tx.ExecContext(ctx, "SELECT 1")
	return 0, err
}

// TestCommitIsAllOrNothing: a failure after some tables were written
// leaves no row and no flag behind.
func TestCommitIsAllOrNothing(t *testing.T) {
	st, db := openStore(t)
	writers := func(extra store.TableWriter) []store.Step {
		return []store.Step{
			{Flag: store.FlagKills, Writers: []store.TableWriter{store.KillPositions{Info: info, Rows: []extract.KillPosition{{VictimName: o("V")}}}}},
			{Flag: store.FlagFinishing, Writers: []store.TableWriter{
				store.FinishingSummaries{Info: info, Rows: []extract.FinishingSummary{{PlayerName: "A", TeamID: 1}}}, extra}},
		}
	}
	if _, err := st.CommitMatch(context.Background(), "m1", writers(failWriter{})); err == nil {
		t.Fatal("commit with a failing writer succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := st.CommitMatch(ctx, "m1", writers(cancelWriter{cancel})); err == nil {
		t.Fatal("commit with a cancelled context succeeded")
	}
	for _, table := range []string{"kill_positions", "player_finishing_summary"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("%s has %d rows after failed commits", table, n)
		}
	}
	expect(t, row(t, db, `SELECT kills_processed, finishing_processed, status FROM matches`),
		"kills_processed=false", "finishing_processed=false", "status=discovered")
}

// migrate creates the project's schema (child/schema) in a test database.
func migrate(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := schema.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
}

// steps wraps writers in the one step that owns flag f.
func steps(f store.Flag, ws ...store.TableWriter) []store.Step {
	return []store.Step{{Flag: f, Writers: ws}}
}

func portOf(p storetest.Params) int {
	n, _ := strconv.Atoi(p.Port)
	return n
}
