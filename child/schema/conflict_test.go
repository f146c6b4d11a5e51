package schema

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
)

// kv is one column of a row to insert, in order.
type kv struct {
	col string
	val any
}

// insertStmt builds "INSERT INTO table (cols) VALUES ($1..$n) <tail>" and
// its arguments. Column names come from the test's constant lists; values
// are always bound as parameters.
func insertStmt(table string, row []kv, tail string) (string, []any) {
	cols := make([]string, len(row))
	ph := make([]string, len(row))
	args := make([]any, len(row))
	for i, c := range row {
		cols[i] = c.col
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = c.val
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) %s",
		table, strings.Join(cols, ", "), strings.Join(ph, ", "), tail), args
}

func execAffected(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", firstLine(q), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// finishingRow is a complete insert_finishing_summaries row; knocks varies
// the non-key columns between the two upserts.
func finishingRow(matchID string, knocks int) []kv {
	at := time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)
	return []kv{
		{"match_id", matchID}, {"player_name", "Alpha"}, {"player_account_id", "account.a"},
		{"team_id", 3}, {"team_rank", 2},
		{"total_knocks", knocks}, {"knocks_converted_self", knocks - 1}, {"knocks_finished_by_teammates", 1},
		{"knocks_revived_by_enemy", 0}, {"instant_kills", 1},
		{"finishing_rate", 66.67}, {"avg_time_to_finish_self", 4.5}, {"avg_time_to_finish_teammate", nil},
		{"avg_knock_distance", 37.25}, {"min_knock_distance", 3.1}, {"max_knock_distance", 120.9},
		{"knocks_cqc_0_10m", 1}, {"knocks_close_10_50m", 1}, {"knocks_medium_50_100m", 0},
		{"knocks_long_100_200m", 1}, {"knocks_very_long_200m_plus", 0},
		{"avg_nearest_teammate_distance", 22.4}, {"avg_team_spread", 15.0},
		{"knocks_with_teammate_within_50m", 2}, {"knocks_with_teammate_within_100m", 3},
		{"knocks_isolated_200m_plus", 0},
		{"headshot_knock_count", 1}, {"wallbang_knock_count", 0}, {"vehicle_knock_count", 0},
		{"map_name", "Baltic_Main"}, {"game_mode", "squad-fpp"}, {"game_type", "official"}, {"match_datetime", at},
	}
}

// finishingUpdate is the reference's DO UPDATE list: every metric, not the
// identity or match-context columns.
const finishingUpdate = `ON CONFLICT (match_id, player_name) DO UPDATE SET
	total_knocks = EXCLUDED.total_knocks, knocks_converted_self = EXCLUDED.knocks_converted_self,
	knocks_finished_by_teammates = EXCLUDED.knocks_finished_by_teammates,
	knocks_revived_by_enemy = EXCLUDED.knocks_revived_by_enemy, instant_kills = EXCLUDED.instant_kills,
	finishing_rate = EXCLUDED.finishing_rate, avg_time_to_finish_self = EXCLUDED.avg_time_to_finish_self,
	avg_time_to_finish_teammate = EXCLUDED.avg_time_to_finish_teammate,
	avg_knock_distance = EXCLUDED.avg_knock_distance, min_knock_distance = EXCLUDED.min_knock_distance,
	max_knock_distance = EXCLUDED.max_knock_distance, knocks_cqc_0_10m = EXCLUDED.knocks_cqc_0_10m,
	knocks_close_10_50m = EXCLUDED.knocks_close_10_50m, knocks_medium_50_100m = EXCLUDED.knocks_medium_50_100m,
	knocks_long_100_200m = EXCLUDED.knocks_long_100_200m,
	knocks_very_long_200m_plus = EXCLUDED.knocks_very_long_200m_plus,
	avg_nearest_teammate_distance = EXCLUDED.avg_nearest_teammate_distance,
	avg_team_spread = EXCLUDED.avg_team_spread,
	knocks_with_teammate_within_50m = EXCLUDED.knocks_with_teammate_within_50m,
	knocks_with_teammate_within_100m = EXCLUDED.knocks_with_teammate_within_100m,
	knocks_isolated_200m_plus = EXCLUDED.knocks_isolated_200m_plus,
	headshot_knock_count = EXCLUDED.headshot_knock_count, wallbang_knock_count = EXCLUDED.wallbang_knock_count,
	vehicle_knock_count = EXCLUDED.vehicle_knock_count`

func fightRow(matchID string) []kv {
	start := time.Date(2025, 10, 1, 12, 10, 0, 0, time.UTC)
	return []kv{
		{"match_id", matchID}, {"fight_start_time", start}, {"fight_end_time", start.Add(95 * time.Second)},
		{"duration_seconds", 95.0},
		{"team_ids", pq.Array([]int64{3, 7, 11})}, {"primary_team_1", 3}, {"primary_team_2", 7},
		{"third_party_teams", pq.Array([]int64{11})},
		{"total_knocks", 4}, {"total_kills", 3}, {"total_damage", 812.75},
		{"total_damage_events", 40}, {"total_attack_events", 120},
		{"outcome", "THIRD_PARTY"}, {"winning_team_id", 11}, {"loser_team_id", 7},
		{"team_outcomes", `{"3": "LOST", "7": "LOST", "11": "WON"}`}, {"fight_reason", "3 knocks across 3 teams"},
		{"fight_center_x", 401234.5}, {"fight_center_y", 398765.25}, {"fight_spread_radius", 85.5},
		{"map_name", "Baltic_Main"}, {"game_mode", "squad-fpp"}, {"game_type", "official"}, {"match_datetime", start},
	}
}

func participantRow(fightID int64, matchID string) []kv {
	at := time.Date(2025, 10, 1, 12, 10, 30, 0, time.UTC)
	return []kv{
		{"fight_id", fightID}, {"match_id", matchID}, {"player_name", "Alpha"}, {"player_account_id", "account.a"},
		{"team_id", 3}, {"knocks_dealt", 1}, {"kills_dealt", 0}, {"damage_dealt", 155.5}, {"damage_taken", 100.0},
		{"attacks_made", 31}, {"position_center_x", 401200.0}, {"position_center_y", 398700.0},
		{"was_knocked", true}, {"was_killed", true}, {"survived", false},
		{"knocked_at", at}, {"killed_at", at.Add(8 * time.Second)}, {"match_datetime", at},
	}
}

// TestReferenceWritesWork replays, on a freshly migrated database and on an
// upgraded old-production one, the writes the reference worker issues —
// above all its ON CONFLICT targets, which PostgreSQL rejects outright when
// no matching unique index exists.
func TestReferenceWritesWork(t *testing.T) {
	dbs := []struct {
		name string
		db   func(t *testing.T) *sql.DB
	}{
		{"fresh", func(t *testing.T) *sql.DB { db := freshDB(t); mustMigrate(t, db); return db }},
		{"upgraded", func(t *testing.T) *sql.DB { db := oldProductionDB(t); mustMigrate(t, db); return db }},
	}
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			db := d.db(t)
			const match = "oc-1"
			steps := []struct {
				name string
				run  func(t *testing.T)
			}{
				{"matches ON CONFLICT (match_id) DO NOTHING", func(t *testing.T) {
					q := `INSERT INTO matches (match_id, map_name, game_mode, match_datetime, telemetry_url, status, game_type)
						VALUES ($1, $2, 'squad-fpp', $3, NULL, 'discovered', $4) ON CONFLICT (match_id) DO NOTHING`
					at := time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)
					if n := execAffected(t, db, q, match, "Baltic_Main", at, "official"); n != 1 {
						t.Fatalf("first insert affected %d rows", n)
					}
					if n := execAffected(t, db, q, match, "Other_Map", at, "custom"); n != 0 {
						t.Fatalf("conflicting insert affected %d rows", n)
					}
					var m string
					if err := db.QueryRow(`SELECT map_name FROM matches WHERE match_id = $1`, match).Scan(&m); err != nil || m != "Baltic_Main" {
						t.Fatalf("map_name = %q, %v", m, err)
					}
				}},
				{"match_summaries ON CONFLICT (match_id, participant_id) DO NOTHING", func(t *testing.T) {
					q := `INSERT INTO match_summaries (match_id, participant_id, player_id, player_name, kills)
						VALUES ($1, 'p-9', 'account.a', 'Alpha', $2) ON CONFLICT (match_id, participant_id) DO NOTHING`
					if n := execAffected(t, db, q, match, 5); n != 1 {
						t.Fatalf("first insert affected %d rows", n)
					}
					if n := execAffected(t, db, q, match, 6); n != 0 {
						t.Fatalf("conflicting insert affected %d rows", n)
					}
				}},
				{"match_summaries enhanced-stat UPDATE", func(t *testing.T) {
					q := `UPDATE match_summaries SET
						heals_used = COALESCE($3, heals_used), boosts_used = COALESCE($4, boosts_used),
						throwables_used = COALESCE($5, throwables_used), smokes_thrown = COALESCE($6, smokes_thrown),
						killsteals = COALESCE($7, killsteals), throwable_damage = COALESCE($8, throwable_damage),
						damage_received = COALESCE($9, damage_received),
						avg_distance_from_center = COALESCE($10, avg_distance_from_center),
						avg_distance_from_edge = COALESCE($11, avg_distance_from_edge),
						max_distance_from_center = COALESCE($12, max_distance_from_center),
						min_distance_from_edge = COALESCE($13, min_distance_from_edge),
						time_outside_zone_seconds = COALESCE($14, time_outside_zone_seconds),
						updated_at = NOW()
						WHERE match_id = $1 AND player_name = $2`
					n := execAffected(t, db, q, match, "Alpha", 4, 3, 2, 1, 1, 88.5, 240.25, 512.5, -12.75, 1900.0, -300.5, 42)
					if n != 1 {
						t.Fatalf("update affected %d rows", n)
					}
					// NULL leaves a value alone (the COALESCE in the reference).
					execAffected(t, db, q, match, "Alpha", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
					var got string
					if err := db.QueryRow(`SELECT concat_ws(':', heals_used, throwable_damage, avg_distance_from_edge, time_outside_zone_seconds)
						FROM match_summaries WHERE match_id = $1 AND player_name = 'Alpha'`, match).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got != "4:88.50:-12.75:42" {
						t.Fatalf("enhanced stats = %s", got)
					}
				}},
				{"player_finishing_summary ON CONFLICT (match_id, player_name) DO UPDATE", func(t *testing.T) {
					q, args := insertStmt("player_finishing_summary", finishingRow(match, 3), finishingUpdate)
					if n := execAffected(t, db, q, args...); n != 1 {
						t.Fatalf("first upsert affected %d rows", n)
					}
					q, args = insertStmt("player_finishing_summary", finishingRow(match, 7), finishingUpdate)
					if n := execAffected(t, db, q, args...); n != 1 {
						t.Fatalf("second upsert affected %d rows", n)
					}
					var rows, knocks, conv int
					if err := db.QueryRow(`SELECT count(*), max(total_knocks), max(knocks_converted_self)
						FROM player_finishing_summary WHERE match_id = $1 AND player_name = 'Alpha'`, match).Scan(&rows, &knocks, &conv); err != nil {
						t.Fatal(err)
					}
					if rows != 1 || knocks != 7 || conv != 6 {
						t.Fatalf("after upsert: rows=%d total_knocks=%d knocks_converted_self=%d, want 1/7/6", rows, knocks, conv)
					}
				}},
				{"player_match_weapon_distribution ON CONFLICT (match_id, player_name, weapon_category) DO UPDATE", func(t *testing.T) {
					q := `INSERT INTO player_match_weapon_distribution
						(match_id, player_name, weapon_category, total_damage, total_kills, knock_downs)
						VALUES ($1, 'Alpha', $2, $3, $4, $5)
						ON CONFLICT (match_id, player_name, weapon_category) DO UPDATE SET
						total_damage = EXCLUDED.total_damage, total_kills = EXCLUDED.total_kills,
						knock_downs = EXCLUDED.knock_downs`
					execAffected(t, db, q, match, "AR", 100.5, 1, 1)
					execAffected(t, db, q, match, "DMR", 40.0, 0, 1)
					execAffected(t, db, q, match, "AR", 180.25, 2, 3)
					var got string
					if err := db.QueryRow(`SELECT string_agg(concat_ws(':', weapon_category, total_damage, total_kills, knock_downs), ',' ORDER BY weapon_category)
						FROM player_match_weapon_distribution WHERE match_id = $1`, match).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got != "AR:180.25:2:3,DMR:40.00:0:1" {
						t.Fatalf("weapon distribution = %s", got)
					}
				}},
				{"team_fights ON CONFLICT DO NOTHING RETURNING id, then fight_participants", func(t *testing.T) {
					q, args := insertStmt("team_fights", fightRow(match), "ON CONFLICT DO NOTHING RETURNING id")
					var fightID int64
					if err := db.QueryRow(q, args...).Scan(&fightID); err != nil {
						t.Fatalf("insert fight: %v", err)
					}
					pstmt, pargs := insertStmt("fight_participants", participantRow(fightID, match), "ON CONFLICT DO NOTHING")
					if n := execAffected(t, db, pstmt, pargs...); n != 1 {
						t.Fatalf("participant insert affected %d rows", n)
					}
					// A participant must point at an existing fight.
					bad, badArgs := insertStmt("fight_participants", participantRow(fightID+1000, match), "")
					if _, err := db.Exec(bad, badArgs...); err == nil {
						t.Fatal("participant with unknown fight_id accepted")
					}
					var teams string
					if err := db.QueryRow(`SELECT team_ids::text || ' ' || (team_outcomes->>'11') FROM team_fights WHERE id = $1`, fightID).Scan(&teams); err != nil {
						t.Fatal(err)
					}
					if teams != "{3,7,11} WON" {
						t.Fatalf("fight round-trip = %q", teams)
					}
				}},
				{"player_circle_positions ON CONFLICT DO NOTHING never conflicts", func(t *testing.T) {
					// The reference inserts the same sample again on every
					// reprocessing. The table has no unique key but its
					// serial id, so its ON CONFLICT DO NOTHING cannot fire
					// and the sample is stored twice: the reason the port's
					// writer skips players that already have rows
					// (docs/PARITY.md, deliberate difference 4). If a
					// migration ever adds a unique key here, this step
					// fails and that difference must be revisited.
					q := `INSERT INTO player_circle_positions (match_id, player_name, elapsed_time, player_x, player_y,
						safe_zone_center_x, safe_zone_center_y, safe_zone_radius, distance_from_center,
						distance_from_edge, is_in_safe_zone)
						VALUES ($1, 'Alpha', $2, 1000.5, 2000.5, 1500.0, 2500.0, 800.0, 707.46, 92.54, true)
						ON CONFLICT DO NOTHING`
					if n := execAffected(t, db, q, match, 60); n != 1 {
						t.Fatalf("first insert affected %d rows", n)
					}
					if n := execAffected(t, db, q, match, 60); n != 1 {
						t.Fatalf("the same sample inserted again affected %d rows, want 1 (no unique key to conflict on)", n)
					}
					var rows, ids int
					var sample string
					if err := db.QueryRow(`SELECT count(*), count(DISTINCT id),
						string_agg(DISTINCT concat_ws(':', elapsed_time, player_x, distance_from_edge, is_in_safe_zone), ',')
						FROM player_circle_positions WHERE match_id = $1 AND player_name = 'Alpha'`, match).Scan(&rows, &ids, &sample); err != nil {
						t.Fatal(err)
					}
					if rows != 2 || ids != 2 || sample != "60:1000.50:92.54:t" {
						t.Fatalf("after inserting one sample twice: %d rows, %d ids, values %q; want 2 rows, 2 ids, 60:1000.50:92.54:t", rows, ids, sample)
					}
				}},
				{"processing flags and status", func(t *testing.T) {
					q := `UPDATE matches SET landings_processed = $2, kills_processed = $2, weapons_processed = $2,
						damage_processed = $2, finishing_processed = $2, fights_processed = $2, updated_at = NOW()
						WHERE match_id = $1`
					if n := execAffected(t, db, q, match, true); n != 1 {
						t.Fatalf("flag update affected %d rows", n)
					}
					q = `UPDATE matches SET status = $2, error_message = $3, updated_at = NOW() WHERE match_id = $1`
					if n := execAffected(t, db, q, match, "failed", "telemetry unreadable"); n != 1 {
						t.Fatalf("status update affected %d rows", n)
					}
				}},
			}
			for _, s := range steps {
				t.Run(s.name, s.run)
			}
		})
	}
}
