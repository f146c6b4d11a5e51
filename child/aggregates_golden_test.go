package child_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/protocol"
)

// TestAggregatesGolden runs a small hand-written match through the
// processor and compares the aggregate tables with rows worked out by hand
// from the rules in docs/PARITY.md, independently of the extractors.
//
// The match (t = 12:10:00 + seconds): A1 and A2 are team 1, B1 team 2, C1
// team 3; A1 and B1 are tracked (players rows).
//
//	 0.0  A1 (0,0) hits B1 (20 m,0) for 40 with an HK416
//	 0.5  B1 hits A2 (10 m,0) for 30 with an AK47
//	 1.0  A1 knocks B1 (dBNOId 1, HK416)
//	 5.0  A1 kills B1 (dBNOId 1, killerDamageInfo HK416)
//	-300  three blue-zone ticks of 0.5 on B1 (no attacker)
//	+600  A2's grenade hits C1 for 10; A1 throws a smoke, uses a first-aid
//	      kit and an energy drink
//	one game state: elapsed 0, zone centre (0,0), radius 1 km; position
//	samples (elapsedTime 60) A1 at (300 m, 400 m), B1 at (0, 1500 m)
func TestAggregatesGolden(t *testing.T) {
	f := newFixture(t)
	t0 := time.Date(2025, 10, 1, 12, 10, 0, 0, time.UTC)
	at := func(sec float64) string {
		return t0.Add(time.Duration(sec * float64(time.Second))).Format("2006-01-02T15:04:05.000Z")
	}
	char := func(name string, team int, xm, ym float64) map[string]any {
		return map[string]any{"name": name, "teamId": team, "accountId": "account." + name, "health": 100,
			"location": map[string]any{"x": xm * 100, "y": ym * 100, "z": 0}}
	}
	a1, a2, b1, c1 := char("A1", 1, 0, 0), char("A2", 1, 10, 0), char("B1", 2, 20, 0), char("C1", 3, 500, 500)
	var events []map[string]any
	add := func(sec float64, typ string, kv map[string]any) {
		kv["_T"], kv["_D"], kv["common"] = typ, at(sec), map[string]any{"isGame": 1}
		events = append(events, kv)
	}
	damage := func(sec float64, a, v map[string]any, dmg float64, causer string) {
		add(sec, "LogPlayerTakeDamage", map[string]any{"attacker": a, "victim": v, "damage": dmg,
			"damageCauserName": causer, "damageTypeCategory": "Damage_Gun"})
	}
	add(-600, "LogMatchDefinition", map[string]any{"MatchId": "golden"})
	add(-590, "LogGameStatePeriodic", map[string]any{"gameState": map[string]any{"elapsedTime": 0,
		"safetyZonePosition": map[string]any{"x": 0, "y": 0, "z": 0}, "safetyZoneRadius": 100000}})
	for range 3 {
		add(-300, "LogPlayerTakeDamage", map[string]any{"attacker": nil, "victim": b1, "damage": 0.5,
			"damageTypeCategory": "Damage_BlueZone", "damageCauserName": "Bluezonebomb_EffectActor_C"})
	}
	damage(0, a1, b1, 40, "WeapHK416_C")
	damage(0.5, b1, a2, 30, "WeapAK47_C")
	add(1, "LogPlayerMakeGroggy", map[string]any{"attacker": a1, "victim": b1, "dBNOId": 1,
		"damageCauserName": "WeapHK416_C", "damageTypeCategory": "Damage_Gun"})
	info := map[string]any{"damageCauserName": "WeapHK416_C", "damageTypeCategory": "Damage_Gun", "damageReason": "HeadShot", "distance": 2000}
	add(5, "LogPlayerKillV2", map[string]any{"killer": a1, "finisher": a1, "dBNOMaker": a1, "victim": b1, "dBNOId": 1,
		"killerDamageInfo": info, "finishDamageInfo": info})
	damage(600, a2, c1, 10, "ProjGrenade_C")
	add(601, "LogPlayerAttack", map[string]any{"attackId": 7, "attacker": a1, "attackType": "Weapon",
		"weapon": map[string]any{"itemId": "Item_Weapon_SmokeBomb_C", "subCategory": "Throwable"}})
	add(602, "LogItemUse", map[string]any{"character": a1, "item": map[string]any{"itemId": "Item_Heal_FirstAid_C"}})
	add(603, "LogItemUse", map[string]any{"character": a1, "item": map[string]any{"itemId": "Item_Boost_EnergyDrink_C"}})
	add(700, "LogPlayerPosition", map[string]any{"elapsedTime": 60, "character": char("A1", 1, 300, 400)})
	add(700, "LogPlayerPosition", map[string]any{"elapsedTime": 60, "character": char("B1", 2, 0, 1500)})
	add(900, "LogMatchEnd", map[string]any{})
	raw, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(filepath.Join(f.dir, "golden.json.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type)
		VALUES ('golden', 'Baltic_Main', 'squad-fpp', '2025-10-01 12:00:00', 'competitive')`)
	f.exec(t, `INSERT INTO players (player_id, player_name) VALUES ('account.A1', 'A1'), ('account.B1', 'B1')`)
	f.exec(t, `INSERT INTO match_summaries (match_id, participant_id, player_id, player_name) VALUES
		('golden', 'p1', 'account.A1', 'A1'), ('golden', 'p2', 'account.A2', 'A2'),
		('golden', 'p3', 'account.B1', 'B1'), ('golden', 'p4', 'account.C1', 'C1')`)

	res := f.run(t, `{"match_id":"golden","file_path":"golden.json.gz","map_name":"Baltic_Main","game_mode":"squad-fpp","match_datetime":"2025-10-01T12:00:00Z"}`)
	if res.Outcome != protocol.OutcomeSuccess {
		t.Fatalf("outcome %s %s: %s", res.Outcome, res.ErrorType, res.ErrorMessage)
	}

	tables := []struct {
		name  string
		query string
		want  []string
	}{
		{
			// One fight, 12:10:00–12:10:05: 1 knock + 1 kill ("multiple
			// casualties"), damage 40 + 30 in two events, no attacks inside
			// it. Team 2 lost its only fighter: a decisive win for team 1.
			// Centre: the eight actor positions of the four events, A1 ×3
			// at 0, B1 ×4 at 2000 cm, A2 at 1000 cm → x 1125 cm. The
			// spread radius is the largest distance from it: A1's 11.25 m
			// (B1 8.75 m, A2 1.25 m).
			"team_fights",
			`SELECT concat_ws('|', fight_start_time, fight_end_time, duration_seconds, team_ids, primary_team_1, primary_team_2,
				coalesce(third_party_teams::text, 'NULL'), total_knocks, total_kills, total_damage, total_damage_events, total_attack_events,
				outcome, winning_team_id, loser_team_id, team_outcomes, fight_reason, fight_center_x, fight_center_y, fight_spread_radius,
				map_name, game_mode, game_type, match_datetime)
			 FROM team_fights WHERE match_id = 'golden' ORDER BY fight_start_time`,
			[]string{"2025-10-01 12:10:00|2025-10-01 12:10:05|5.00|{1,2}|1|2|NULL|1|1|70.00|2|0|DECISIVE_WIN|1|2|" +
				`{"1": "WON", "2": "LOST"}|Multiple casualties (2 knocks/kills)|1125.00|0.00|11.25|Baltic_Main|squad-fpp|competitive|2025-10-01 12:00:00`},
		},
		{
			// In first-touched order: A1 (dealt 40, knocked and killed B1),
			// B1 (dealt 30, took 40, knocked at :01 and killed at :05, at
			// 2000 cm), A2 (took 30, at 1000 cm).
			"fight_participants",
			`SELECT concat_ws('|', p.player_name, p.player_account_id, p.team_id, p.knocks_dealt, p.kills_dealt, p.damage_dealt,
				p.damage_taken, p.attacks_made, p.position_center_x, p.position_center_y, p.was_knocked, p.was_killed, p.survived,
				coalesce(p.knocked_at::text, 'NULL'), coalesce(p.killed_at::text, 'NULL'))
			 FROM fight_participants p JOIN team_fights f ON f.id = p.fight_id WHERE p.match_id = 'golden' ORDER BY p.id`,
			[]string{
				"A1|account.A1|1|1|1|40.00|0.00|0|0.00|0.00|f|f|t|NULL|NULL",
				"B1|account.B1|2|0|0|30.00|40.00|0|2000.00|0.00|t|t|f|2025-10-01 12:10:01|2025-10-01 12:10:05",
				"A2|account.A2|1|0|0|0.00|30.00|0|1000.00|0.00|f|f|t|NULL|NULL",
			},
		},
		{
			// Tracked players' samples against the only zone state
			// (centre 0,0, radius 1000 m): A1 500 m from the centre, 500 m
			// inside; B1 1500 m out, 500 m beyond the edge.
			"player_circle_positions",
			`SELECT concat_ws('|', player_name, elapsed_time, player_x, player_y, safe_zone_center_x, safe_zone_center_y,
				safe_zone_radius, distance_from_center, distance_from_edge, is_in_safe_zone)
			 FROM player_circle_positions WHERE match_id = 'golden' ORDER BY player_name`,
			[]string{
				"A1|60|300.00|400.00|0.00|0.00|1000.00|500.00|500.00|t",
				"B1|60|0.00|1500.00|0.00|0.00|1000.00|1500.00|-500.00|f",
			},
		},
		{
			// Damage by causer category, knocks by the knock's causer,
			// kills by killerDamageInfo's causer.
			"player_match_weapon_distribution",
			`SELECT concat_ws('|', player_name, weapon_category, total_damage, total_kills, knock_downs)
			 FROM player_match_weapon_distribution WHERE match_id = 'golden' ORDER BY player_name, weapon_category`,
			[]string{
				"A1|AR|40.00|1|1",
				"A2|Throwable|10.00|0|0",
				"B1|AR|30.00|0|0",
			},
		},
		{
			// heals, boosts, throwables, smokes, killsteals, throwable
			// damage, damage received, avg/edge/max/min distances, time
			// outside the zone. A1: one heal, one boost, one smoke thrown.
			// A2: 10 grenade damage dealt, 30 received. B1: 40 + 3 × 0.5
			// received; its one sample 1500 m out, 500 m outside; 3 blue
			// ticks × 1.03 = 3.09 → 3 s. C1: 10 received, no samples.
			"match_summaries",
			`SELECT concat_ws('|', player_name, heals_used, boosts_used, throwables_used, smokes_thrown, killsteals,
				throwable_damage, damage_received, coalesce(avg_distance_from_center::text, 'NULL'),
				coalesce(avg_distance_from_edge::text, 'NULL'), coalesce(max_distance_from_center::text, 'NULL'),
				coalesce(min_distance_from_edge::text, 'NULL'), coalesce(time_outside_zone_seconds::text, 'NULL'))
			 FROM match_summaries WHERE match_id = 'golden' ORDER BY player_name`,
			[]string{
				"A1|1|1|1|1|0|0.00|0.00|500.00|500.00|500.00|500.00|0",
				"A2|0|0|0|0|0|10.00|30.00|NULL|NULL|NULL|NULL|NULL",
				"B1|0|0|0|0|0|0.00|41.50|1500.00|-500.00|1500.00|-500.00|3",
				"C1|0|0|0|0|0|0.00|10.00|NULL|NULL|NULL|NULL|NULL",
			},
		},
	}
	for _, tb := range tables {
		t.Run(tb.name, func(t *testing.T) {
			rows, err := f.db.Query(tb.query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				got = append(got, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tb.want, "\n") {
				t.Errorf("%s rows\n got:\n  %s\nwant:\n  %s", tb.name, strings.Join(got, "\n  "), strings.Join(tb.want, "\n  "))
			}
		})
	}
	if res.Rows["team_fights"] != 1 || res.Rows["fight_participants"] != 3 || res.Rows["player_circle_positions"] != 2 ||
		res.Rows["player_match_weapon_distribution"] != 3 || res.Rows["match_summaries"] != 4 {
		t.Errorf("reported rows %v, want team_fights 1, fight_participants 3, player_circle_positions 2, player_match_weapon_distribution 3, match_summaries 4", res.Rows)
	}
}
