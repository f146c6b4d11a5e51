// Package legacy turns what the collector stored for some matches into what
// the Python reference worker left for them in production, so tests can
// check that `collector reprocess` repairs a database the Python worker
// wrote.
//
// It works backwards from a collector run, by hand, following
// docs/PARITY.md: every column the collector deliberately fixes is set to
// the value the reference stored (always NULL, "Unknown", false or 0), the
// processing flags the reference never had are cleared, and the two ways
// the reference wrote the same match twice are reproduced on some of the
// matches: samples doubled by a republished match (circle positions had no
// flag and no key), display map names from the republish scripts, and flags
// reset to false by a later delivery (the reference wrote bool(rows) for a
// step it had skipped).
//
// It is test code; nothing in the product imports it.
package legacy

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"
)

// fixedColumns are the columns the reference always left empty or wrong
// (docs/PARITY.md, "Fixes" and "Deliberate differences"), with what it
// stored there.
var fixedColumns = []string{
	// kill_positions: keys no telemetry carries (dbnoId, dbnoMaker,
	// dbnoMakerDamageInfo, finisherDamageInfo, killedInZone, …).
	`UPDATE kill_positions SET dbno_id = NULL,
		dbno_maker_name = NULL, dbno_maker_team_id = NULL,
		dbno_maker_x_location = NULL, dbno_maker_y_location = NULL, dbno_maker_z_location = NULL, dbno_maker_zone = NULL,
		dbno_damage_reason = NULL, dbno_damage_category = NULL, dbno_damage_causer_name = NULL, dbno_damage_causer_distance = NULL,
		finisher_damage_reason = NULL, finisher_damage_category = NULL, finisher_damage_causer_name = NULL, finisher_damage_causer_distance = NULL,
		killed_in_zone = NULL, finisher_zone = NULL
		WHERE match_id = ANY($1)`,
	// weapon_kill_events: finisherDamageInfo and dbnoId.
	`UPDATE weapon_kill_events SET weapon_id = 'Unknown', damage_type = NULL, damage_reason = NULL, distance = NULL, is_knock_down = false
		WHERE match_id = ANY($1)`,
	// game_type read from the queue message, which has none.
	`UPDATE player_knock_events SET game_type = NULL WHERE match_id = ANY($1)`,
	`UPDATE player_finishing_summary SET game_type = NULL WHERE match_id = ANY($1)`,
	`UPDATE team_fights SET game_type = NULL WHERE match_id = ANY($1)`,
	// Weapon kills read from a top-level damageCauserName no kill carries:
	// total_kills always 0, and no row for a category only kills used
	// (approximated: a row with neither damage nor knocks).
	`UPDATE player_match_weapon_distribution SET total_kills = 0 WHERE match_id = ANY($1)`,
	`DELETE FROM player_match_weapon_distribution WHERE match_id = ANY($1) AND total_damage = 0 AND knock_downs = 0`,
	// Flags the reference worker never set (circles_processed) or never had.
	`UPDATE matches SET circles_processed = false, enhanced_stats_processed = false, weapon_distribution_processed = false
		WHERE match_id = ANY($1)`,
}

// republished are what a match republished by the reference's scripts
// (republish_partial_telemetry.py, publish_specific_matches.py) looks like
// after its second processing: rows of the steps that ran again carry the
// matches table's display map name (the scripts copied matches.map_name
// into the message), circle samples are doubled (no flag, no key), and the
// flags of the steps it skipped were reset to false (bool(rows) of a
// skipped step), so a normal delivery would write those tables again.
var republished = []string{
	`UPDATE landings t SET map_name = m.map_name FROM matches m WHERE m.match_id = t.match_id AND t.match_id = ANY($1)`,
	`UPDATE kill_positions t SET map_name = m.map_name FROM matches m WHERE m.match_id = t.match_id AND t.match_id = ANY($1)`,
	`UPDATE weapon_kill_events t SET map_name = m.map_name FROM matches m WHERE m.match_id = t.match_id AND t.match_id = ANY($1)`,
	`INSERT INTO player_circle_positions (match_id, player_name, elapsed_time, player_x, player_y,
		safe_zone_center_x, safe_zone_center_y, safe_zone_radius, distance_from_center, distance_from_edge, is_in_safe_zone)
	 SELECT match_id, player_name, elapsed_time, player_x, player_y,
		safe_zone_center_x, safe_zone_center_y, safe_zone_radius, distance_from_center, distance_from_edge, is_in_safe_zone
	 FROM player_circle_positions WHERE match_id = ANY($1)`,
	`UPDATE matches SET finishing_processed = false, fights_processed = false WHERE match_id = ANY($1)`,
}

// Apply rewrites the matches' rows in db the reference's way: every match
// gets the fixed columns and flags; every second match (in the order
// given) is also left as a republished match.
func Apply(ctx context.Context, db *sql.DB, matchIDs []string) error {
	var again []string
	for i, id := range matchIDs {
		if i%2 == 1 {
			again = append(again, id)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	for _, q := range fixedColumns {
		if _, err := tx.ExecContext(ctx, q, pq.StringArray(matchIDs)); err != nil {
			return fmt.Errorf("legacy: %s: %w", q, err)
		}
	}
	for _, q := range republished {
		if _, err := tx.ExecContext(ctx, q, pq.StringArray(again)); err != nil {
			return fmt.Errorf("legacy: %s: %w", q, err)
		}
	}
	return tx.Commit()
}
