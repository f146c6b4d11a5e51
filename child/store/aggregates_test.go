package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/failure"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
)

// migrated returns a fresh migrated database holding match "m1".
func migrated(t *testing.T) *sql.DB {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	db := storetest.Open(t, storetest.NewDatabase(t))
	if _, err := schema.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type)
		VALUES ('m1', 'Baltic_Main', 'squad-fpp', '2025-10-01 11:30:00', 'competitive')`); err != nil {
		t.Fatal(err)
	}
	return db
}

// write runs writers in one transaction, as CommitMatch does (without flags).
func write(t *testing.T, db *sql.DB, ws ...store.TableWriter) ([]int64, error) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var ns []int64
	for _, w := range ws {
		n, err := w.Write(context.Background(), tx)
		if err != nil {
			return ns, err
		}
		ns = append(ns, n)
	}
	return ns, tx.Commit()
}

func query(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := ""
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				out += " "
			}
			switch x := v.(type) {
			case nil:
				out += "NULL"
			case []byte:
				out += string(x)
			case time.Time:
				out += x.Format("2006-01-02T15:04:05.000")
			default:
				out += fmt.Sprint(x)
			}
		}
		out += "\n"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var t0 = time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)

func sampleFights() []extract.Fight {
	return []extract.Fight{{
		StartTime: t0, EndTime: t0.Add(5500 * time.Millisecond), DurationSeconds: 5.5,
		TeamIDs: []int64{1, 2, 3}, PrimaryTeam1: 3, PrimaryTeam2: 1, ThirdPartyTeams: []int64{2},
		TotalKnocks: 1, TotalKills: 1,
		TotalDamage:       0.12499999999999999, // float8 → numeric keeps 15 digits: 0.13, as the reference stored
		TotalDamageEvents: 4, Outcome: extract.OutcomeThirdParty,
		WinningTeamID: oi(3), LoserTeamID: oi(2),
		TeamOutcomes: []extract.TeamOutcome{{TeamID: 1, Outcome: "DRAW"}, {TeamID: 2, Outcome: "LOST"}, {TeamID: 3, Outcome: "WON"}},
		Reason:       "Multiple casualties (2 knocks/kills)",
		CenterX:      of(1125.004), CenterY: of(2), SpreadRadius: of(11.25),
		Participants: []extract.FightParticipant{
			{PlayerName: "A1", AccountID: o("account.a1"), TeamID: 1, DamageDealt: 55, CenterX: of(1), CenterY: of(2)},
			{PlayerName: "B1", TeamID: 2, DamageTaken: 70, WasKnocked: true, WasKilled: true,
				KnockedAt: ot(t0.Add(3 * time.Second)), KilledAt: ot(t0.Add(4500 * time.Millisecond))},
		},
	}, {
		StartTime: t0.Add(time.Hour), EndTime: t0.Add(time.Hour + 20*time.Second), DurationSeconds: 20,
		TeamIDs: []int64{4, 5}, PrimaryTeam1: 4, PrimaryTeam2: 5, TotalDamage: 155, TotalDamageEvents: 3,
		Outcome: extract.OutcomeDraw, Reason: "Sustained reciprocal damage (155 total)",
		TeamOutcomes: []extract.TeamOutcome{{TeamID: 4, Outcome: "DRAW"}, {TeamID: 5, Outcome: "DRAW"}},
		Participants: []extract.FightParticipant{{PlayerName: "D1", TeamID: 4, DamageDealt: 100}},
	}}
}

func TestFightsWriter(t *testing.T) {
	db := migrated(t)
	info := extract.MatchInfo{MatchID: "m1", MapName: "Baltic_Main", GameMode: "squad-fpp", GameType: "competitive", MatchDatetime: t0.Add(-30 * time.Minute)}
	f := &store.Fights{Info: info, Rows: sampleFights()}
	if f.TeamFights().(interface{ Len() int }).Len() != 2 || f.Participants().(interface{ Len() int }).Len() != 3 {
		t.Error("Len counts fights and participants")
	}
	ns, err := write(t, db, f.TeamFights(), f.Participants())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ns) != "[2 3]" {
		t.Errorf("rows written %v, want [2 3]", ns)
	}
	got := query(t, db, `SELECT match_id, fight_start_time, fight_end_time, duration_seconds, team_ids, primary_team_1, primary_team_2,
		third_party_teams, total_knocks, total_kills, total_damage, total_damage_events, total_attack_events, outcome, winning_team_id,
		loser_team_id, team_outcomes, fight_reason, fight_center_x, fight_center_y, fight_spread_radius, map_name, game_mode, game_type, match_datetime
		FROM team_fights ORDER BY fight_start_time`)
	want := `m1 2025-10-01T12:00:00.000 2025-10-01T12:00:05.500 5.50 {1,2,3} 3 1 {2} 1 1 0.13 4 0 THIRD_PARTY 3 2 {"1": "DRAW", "2": "LOST", "3": "WON"} Multiple casualties (2 knocks/kills) 1125.00 2.00 11.25 Baltic_Main squad-fpp competitive 2025-10-01T11:30:00.000
m1 2025-10-01T13:00:00.000 2025-10-01T13:00:20.000 20.00 {4,5} 4 5 NULL 0 0 155.00 3 0 DRAW NULL NULL {"4": "DRAW", "5": "DRAW"} Sustained reciprocal damage (155 total) NULL NULL NULL Baltic_Main squad-fpp competitive 2025-10-01T11:30:00.000
`
	if got != want {
		t.Errorf("team_fights\n got  %s want %s", got, want)
	}
	got = query(t, db, `SELECT tf.fight_start_time, p.match_id, p.player_name, p.player_account_id, p.team_id, p.knocks_dealt, p.kills_dealt,
		p.damage_dealt, p.damage_taken, p.attacks_made, p.position_center_x, p.position_center_y, p.was_knocked, p.was_killed, p.survived,
		p.knocked_at, p.killed_at, p.match_datetime
		FROM fight_participants p JOIN team_fights tf ON tf.id = p.fight_id ORDER BY p.id`)
	want = `2025-10-01T12:00:00.000 m1 A1 account.a1 1 0 0 55.00 0.00 0 1.00 2.00 false false true NULL NULL 2025-10-01T11:30:00.000
2025-10-01T12:00:00.000 m1 B1 NULL 2 0 0 0.00 70.00 0 NULL NULL true true false 2025-10-01T12:00:03.000 2025-10-01T12:00:04.500 2025-10-01T11:30:00.000
2025-10-01T13:00:00.000 m1 D1 NULL 4 0 0 100.00 0.00 0 NULL NULL false false true NULL NULL 2025-10-01T11:30:00.000
`
	if got != want {
		t.Errorf("fight_participants\n got  %s want %s", got, want)
	}
}

// The reference's fights were tz-aware datetimes, cast to TIMESTAMP in the
// session's time zone; a server not on UTC stores local clock times.
func TestFightsWriterSessionTimeZone(t *testing.T) {
	db := migrated(t)
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`SET TIME ZONE 'Europe/Amsterdam'`); err != nil {
		t.Fatal(err)
	}
	f := &store.Fights{Info: extract.MatchInfo{MatchID: "m1"}, Rows: sampleFights()[:1]}
	if _, err := write(t, db, f.TeamFights(), f.Participants()); err != nil {
		t.Fatal(err)
	}
	// 12:00 UTC is 14:00 in Amsterdam in October; knocked_at came from the
	// raw `_D` string in the reference, whose "Z" PostgreSQL ignores.
	if got := query(t, db, `SELECT tf.fight_start_time, p.knocked_at FROM team_fights tf JOIN fight_participants p ON p.fight_id = tf.id WHERE p.player_name = 'B1'`); got != "2025-10-01T14:00:00.000 2025-10-01T12:00:03.000\n" {
		t.Errorf("got %s", got)
	}
}

func TestFightsWriterConflicts(t *testing.T) {
	db := migrated(t)
	info := extract.MatchInfo{MatchID: "m1"}
	// A unique key the reference schema does not have makes its
	// ON CONFLICT DO NOTHING fire: the participants join the stored fight.
	if _, err := db.Exec(`CREATE UNIQUE INDEX tf_times ON team_fights (match_id, fight_start_time, fight_end_time)`); err != nil {
		t.Fatal(err)
	}
	var existing int64
	if err := db.QueryRow(`INSERT INTO team_fights (match_id, fight_start_time, fight_end_time, outcome)
		VALUES ('m1', '2025-10-01 12:00:00', '2025-10-01 12:00:05.5', 'OLD') RETURNING id`).Scan(&existing); err != nil {
		t.Fatal(err)
	}
	f := &store.Fights{Info: info, Rows: sampleFights()}
	ns, err := write(t, db, f.TeamFights(), f.Participants())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ns) != "[1 3]" {
		t.Errorf("rows written %v, want [1 3]: one fight conflicted, all participants stored", ns)
	}
	got := query(t, db, `SELECT tf.outcome, count(*) FROM fight_participants p JOIN team_fights tf ON tf.id = p.fight_id GROUP BY tf.outcome ORDER BY 1`)
	if got != "DRAW 1\nOLD 2\n" {
		t.Errorf("participants by fight:\n%s", got)
	}

	// A conflict whose fight cannot be found by its times fails the match.
	db2 := migrated(t)
	if _, err := db2.Exec(`CREATE UNIQUE INDEX tf_start ON team_fights (match_id, fight_start_time)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db2.Exec(`INSERT INTO team_fights (match_id, fight_start_time, fight_end_time) VALUES ('m1', '2025-10-01 12:00:00', '2025-10-01 12:09:00')`); err != nil {
		t.Fatal(err)
	}
	f = &store.Fights{Info: info, Rows: sampleFights()}
	_, err = write(t, db2, f.TeamFights(), f.Participants())
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Class != failure.Permanent || fe.Type != "FightConflict" {
		t.Fatalf("got %v, want a permanent FightConflict", err)
	}
}

func TestEnhancedStatsWriter(t *testing.T) {
	db := migrated(t)
	for i, name := range []string{"A", "B", "Z"} {
		if _, err := db.Exec(`INSERT INTO match_summaries (match_id, participant_id, player_id, player_name, heals_used, boosts_used,
			killsteals, throwable_damage, avg_distance_from_center, time_outside_zone_seconds, updated_at)
			VALUES ('m1', $1, $2, $3, 9, 9, 9, 9.5, 5.5, 99, '2000-01-01')`, "p"+strconv.Itoa(i), "account."+name, name); err != nil {
			t.Fatal(err)
		}
	}
	rows := extract.MergeEnhancedStats(
		[]extract.ItemUsage{{PlayerName: "A", HealsUsed: 2, ThrowablesUsed: 1}, {PlayerName: "B"}},
		[]extract.AdvancedStats{{PlayerName: "B", ThrowableDamage: 0.12499999999999999, DamageReceived: 44.25}, {PlayerName: "Nobody", Killsteals: 3}},
		[]extract.CircleAggregate{{PlayerName: "B", AvgDistanceFromCenter: 833.3333333333334, AvgDistanceFromEdge: -166.66666666666666,
			MaxDistanceFromCenter: 1500, MinDistanceFromEdge: -1000, TimeOutsideZoneSeconds: 154}},
	)
	w := store.EnhancedStats{MatchID: "m1", Rows: rows}
	ns, err := write(t, db, w)
	if err != nil {
		t.Fatal(err)
	}
	if ns[0] != 2 {
		t.Errorf("%d rows updated, want 2 (A and B; Nobody has no row, Z has no stats)", ns[0])
	}
	got := query(t, db, `SELECT player_name, heals_used, boosts_used, throwables_used, smokes_thrown, killsteals, throwable_damage, damage_received,
		avg_distance_from_center, avg_distance_from_edge, max_distance_from_center, min_distance_from_edge, time_outside_zone_seconds,
		updated_at > '2001-01-01' FROM match_summaries ORDER BY player_name`)
	// A: items overwrite (zeros included), the other groups keep their values.
	// B: every group present, so every column overwritten.
	// Z: untouched.
	want := `A 2 0 1 0 9 9.50 0.00 5.50 NULL NULL NULL 99 true
B 0 0 0 0 0 0.13 44.25 833.33 -166.67 1500.00 -1000.00 154 true
Z 9 9 0 0 9 9.50 0.00 5.50 NULL NULL NULL 99 false
`
	if got != want {
		t.Errorf("match_summaries\n got  %s want %s", got, want)
	}
}

func TestCirclePositionsWriter(t *testing.T) {
	db := migrated(t)
	pos := func(name string, elapsed int64, edge float64) extract.CirclePosition {
		return extract.CirclePosition{PlayerName: name, ElapsedTime: elapsed, PlayerX: 1, PlayerY: 2, ZoneX: 3, ZoneY: 4, ZoneRadius: 500,
			DistanceFromCenter: 500 - edge, DistanceFromEdge: edge, InSafeZone: edge >= 0}
	}
	first := store.CirclePositions{MatchID: "m1", Rows: []extract.CirclePosition{pos("P", 0, 500), pos("P", 50, -1000), pos("P", 50, -1000.005)}}
	if ns, err := write(t, db, first); err != nil || ns[0] != 3 {
		t.Fatalf("first write: %v %v, want 3 rows (same-second samples are kept)", ns, err)
	}
	// Re-running the match adds nothing; a newly tracked player gets his rows.
	again := store.CirclePositions{MatchID: "m1", Rows: append(first.Rows, pos("Q", 10, 1))}
	if ns, err := write(t, db, again); err != nil || ns[0] != 1 {
		t.Fatalf("second write: %v %v, want only Q's row", ns, err)
	}
	got := query(t, db, `SELECT player_name, elapsed_time, player_x, safe_zone_radius, distance_from_center, distance_from_edge, is_in_safe_zone
		FROM player_circle_positions ORDER BY id`)
	want := "P 0 1.00 500.00 0.00 500.00 true\nP 50 1.00 500.00 1500.00 -1000.00 false\nP 50 1.00 500.00 1500.01 -1000.01 false\nQ 10 1.00 500.00 499.00 1.00 true\n"
	if got != want {
		t.Errorf("player_circle_positions\n got  %s want %s", got, want)
	}
}

func TestWeaponDistributionWriter(t *testing.T) {
	db := migrated(t)
	w := store.WeaponDistribution{MatchID: "m1", Rows: []extract.WeaponUse{
		{PlayerName: "A", Category: "AR", TotalDamage: 42.5, TotalKills: 1, KnockDowns: 2},
		{PlayerName: "A", Category: "SR", TotalKills: 1},
	}}
	if ns, err := write(t, db, w); err != nil || ns[0] != 2 {
		t.Fatalf("%v %v", ns, err)
	}
	w.Rows[0].TotalDamage, w.Rows[0].KnockDowns = 10, 0
	if ns, err := write(t, db, w); err != nil || ns[0] != 2 {
		t.Fatalf("upsert: %v %v", ns, err)
	}
	got := query(t, db, `SELECT player_name, weapon_category, total_damage, total_kills, knock_downs FROM player_match_weapon_distribution ORDER BY weapon_category`)
	if want := "A AR 10.00 1 0\nA SR 0.00 1 0\n"; got != want {
		t.Errorf("got  %s want %s", got, want)
	}
}
