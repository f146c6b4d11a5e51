package store

import (
	"context"
	"database/sql"

	"github.com/pewstats/collector/child/extract"
)

// DamageEvents writes player_damage_events with COPY (plain INSERTs in the
// reference; guarded by damage_processed).
type DamageEvents struct {
	Info extract.MatchInfo
	Rows []extract.DamageEvent
}

func (w DamageEvents) Table() string { return "player_damage_events" }

// damageEventColumns is insert_damage_events' column list.
var damageEventColumns = []string{
	"match_id", "attacker_name", "attacker_team_id", "attacker_health",
	"attacker_location_x", "attacker_location_y", "attacker_location_z",
	"victim_name", "victim_team_id", "victim_health",
	"victim_location_x", "victim_location_y", "victim_location_z",
	"damage_type_category", "damage_reason", "damage", "weapon_id", "event_timestamp",
}

func (w DamageEvents) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	return CopyRows(ctx, tx, w.Table(), damageEventColumns, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{
			w.Info.MatchID, Text(r.AttackerName), Int(r.AttackerTeamID), IntRound(r.AttackerHealth),
			Real(r.Attacker.X), Real(r.Attacker.Y), Real(r.Attacker.Z),
			r.VictimName, Int(r.VictimTeamID), IntRound(r.VictimHealth),
			Real(r.Victim.X), Real(r.Victim.Y), Real(r.Victim.Z),
			Text(r.DamageTypeCategory), Text(r.DamageReason), Real(r.Damage), Text(r.WeaponID), Time(r.EventTimestamp),
		}
	})
}

// Len is the number of rows (dry runs report it).
func (w DamageEvents) Len() int { return len(w.Rows) }
