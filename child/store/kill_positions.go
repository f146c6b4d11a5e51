package store

import (
	"context"
	"database/sql"

	"github.com/pewstats/collector/child/extract"
)

// KillPositions writes kill_positions with COPY (the reference used plain
// INSERTs; the table has no unique key, so the kills_processed flag
// committed in the same transaction is what prevents duplicates).
type KillPositions struct {
	Info extract.MatchInfo
	Rows []extract.KillPosition
}

func (w KillPositions) Table() string { return "kill_positions" }

// killPositionColumns is insert_kill_positions' column list.
var killPositionColumns = []string{
	"match_id", "attack_id", "dbno_id", "victim_name", "victim_team_id",
	"victim_x_location", "victim_y_location", "victim_z_location",
	"victim_in_blue_zone", "victim_in_vehicle", "killed_in_zone",
	"dbno_maker_name", "dbno_maker_team_id",
	"dbno_maker_x_location", "dbno_maker_y_location", "dbno_maker_z_location",
	"dbno_maker_zone", "dbno_damage_reason", "dbno_damage_category",
	"dbno_damage_causer_name", "dbno_damage_causer_distance",
	"finisher_name", "finisher_team_id",
	"finisher_x_location", "finisher_y_location", "finisher_z_location",
	"finisher_zone", "finisher_damage_reason", "finisher_damage_category",
	"finisher_damage_causer_name", "finisher_damage_causer_distance",
	"is_game", "map_name", "game_type", "game_mode", "match_datetime",
}

func (w KillPositions) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	return CopyRows(ctx, tx, w.Table(), killPositionColumns, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{
			w.Info.MatchID, IntText(r.AttackID), IntText(r.DBNOID), Text(r.VictimName), Int(r.VictimTeamID),
			Numeric(r.Victim.X), Numeric(r.Victim.Y), Numeric(r.Victim.Z),
			r.VictimInBlueZone, r.VictimInVehicle, Text(r.KilledInZone),
			Text(r.DBNOMakerName), Int(r.DBNOMakerTeamID),
			Numeric(r.DBNOMaker.X), Numeric(r.DBNOMaker.Y), Numeric(r.DBNOMaker.Z),
			Text(r.DBNOMakerZone), Text(r.DBNODamageReason), Text(r.DBNODamageCategory),
			Text(r.DBNODamageCauserName), Numeric(r.DBNODamageCauserDistance),
			Text(r.FinisherName), Int(r.FinisherTeamID),
			Numeric(r.Finisher.X), Numeric(r.Finisher.Y), Numeric(r.Finisher.Z),
			Text(r.FinisherZone), Text(r.FinisherDamageReason), Text(r.FinisherDamageCategory),
			Text(r.FinisherDamageCauserName), Numeric(r.FinisherDamageCauserDistance),
			NumericValue(r.IsGame), infoText(w.Info.MapName), "unknown", infoText(w.Info.GameMode), MatchDatetime(w.Info),
		}
	})
}

// Len is the number of rows (dry runs report it).
func (w KillPositions) Len() int { return len(w.Rows) }
