package store

import (
	"context"
	"database/sql"

	"github.com/pewstats/collector/child/extract"
)

// WeaponKills writes weapon_kill_events with COPY (plain INSERTs in the
// reference; no unique key, guarded by weapons_processed).
type WeaponKills struct {
	Info extract.MatchInfo
	Rows []extract.WeaponKill
}

func (w WeaponKills) Table() string { return "weapon_kill_events" }

// weaponKillColumns is insert_weapon_kill_events' column list.
var weaponKillColumns = []string{
	"match_id", "event_timestamp", "killer_name", "killer_team_id",
	"killer_x", "killer_y", "killer_z",
	"victim_name", "victim_team_id",
	"victim_x", "victim_y", "victim_z",
	"weapon_id", "damage_type", "damage_reason", "distance",
	"is_knock_down", "is_kill", "map_name", "game_mode", "match_type",
	"zone_phase", "time_survived", "is_blue_zone", "is_red_zone",
	"killer_in_vehicle", "victim_in_vehicle",
}

func (w WeaponKills) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	return CopyRows(ctx, tx, w.Table(), weaponKillColumns, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{
			w.Info.MatchID, Time(r.EventTimestamp), r.KillerName, Int(r.KillerTeamID),
			Numeric(r.Killer.X), Numeric(r.Killer.Y), Numeric(r.Killer.Z),
			r.VictimName, Int(r.VictimTeamID),
			Numeric(r.Victim.X), Numeric(r.Victim.Y), Numeric(r.Victim.Z),
			r.WeaponID, Text(r.DamageType), Text(r.DamageReason), Numeric(r.Distance),
			r.IsKnockDown, true, infoText(w.Info.MapName), infoText(w.Info.GameMode), "unknown",
			nil, nil, r.IsBlueZone, r.IsRedZone,
			r.KillerInVehicle, r.VictimInVehicle,
		}
	})
}

// Len is the number of rows (dry runs report it).
func (w WeaponKills) Len() int { return len(w.Rows) }
