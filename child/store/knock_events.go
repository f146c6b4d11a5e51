package store

import (
	"context"
	"database/sql"

	"github.com/pewstats/collector/child/extract"
)

// KnockEvents writes player_knock_events with COPY (plain INSERTs in the
// reference; guarded by finishing_processed).
type KnockEvents struct {
	Info extract.MatchInfo
	Rows []extract.KnockEvent
}

func (w KnockEvents) Table() string { return "player_knock_events" }

// knockEventColumns is insert_knock_events' column list.
var knockEventColumns = []string{
	"match_id", "dbno_id", "attack_id",
	"attacker_name", "attacker_team_id", "attacker_account_id",
	"attacker_location_x", "attacker_location_y", "attacker_location_z", "attacker_health",
	"victim_name", "victim_team_id", "victim_account_id",
	"victim_location_x", "victim_location_y", "victim_location_z",
	"damage_reason", "damage_type_category",
	"knock_weapon", "knock_weapon_attachments",
	"victim_weapon", "victim_weapon_attachments",
	"knock_distance",
	"is_attacker_in_vehicle", "is_through_penetrable_wall",
	"is_blue_zone", "is_red_zone", "zone_name",
	"nearest_teammate_distance", "avg_teammate_distance",
	"teammates_within_50m", "teammates_within_100m", "teammates_within_200m",
	"team_spread_variance", "total_teammates_alive", "teammate_positions",
	"victim_nearest_teammate_distance", "victim_avg_teammate_distance",
	"victim_teammates_within_50m", "victim_teammates_within_100m", "victim_teammates_within_200m",
	"victim_team_spread_variance", "victim_total_teammates_alive", "victim_teammate_positions",
	"outcome", "finisher_name", "finisher_is_self", "finisher_is_teammate", "time_to_finish",
	"map_name", "game_mode", "game_type", "match_datetime", "event_timestamp",
}

func (w KnockEvents) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	return CopyRows(ctx, tx, w.Table(), knockEventColumns, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		t, v := &r.Team, &r.VictimTeam
		return []any{
			w.Info.MatchID, r.DBNOID, Int(r.AttackID),
			r.AttackerName, Int(r.AttackerTeamID), Text(r.AttackerAccountID),
			Numeric(r.Attacker.X), Numeric(r.Attacker.Y), Numeric(r.Attacker.Z), Numeric(r.AttackerHealth),
			Text(r.VictimName), Int(r.VictimTeamID), Text(r.VictimAccountID),
			Numeric(r.Victim.X), Numeric(r.Victim.Y), Numeric(r.Victim.Z),
			Text(r.DamageReason), Text(r.DamageTypeCategory),
			Text(r.KnockWeapon), r.KnockWeaponAttachments,
			Text(r.VictimWeapon), r.VictimWeaponAttachments,
			NumericValue(r.KnockDistance),
			r.IsAttackerInVehicle, r.IsThroughPenetrableWall,
			r.IsBlueZone, r.IsRedZone, Text(r.ZoneName),
			Numeric(t.Nearest), Numeric(t.Avg),
			t.Within50, t.Within100, t.Within200,
			Numeric(t.Variance), t.Alive, t.PositionsJSON,
			Numeric(v.Nearest), Numeric(v.Avg),
			v.Within50, v.Within100, v.Within200,
			Numeric(v.Variance), v.Alive, v.PositionsJSON,
			r.Outcome, Text(r.FinisherName), r.FinisherIsSelf, r.FinisherIsTeammate, Numeric(r.TimeToFinish),
			infoText(w.Info.MapName), infoText(w.Info.GameMode), infoText(w.Info.GameType),
			MatchDatetime(w.Info), Time(r.EventTimestamp),
		}
	})
}

// Len is the number of rows (dry runs report it).
func (w KnockEvents) Len() int { return len(w.Rows) }
