package extract

import (
	"strings"

	"github.com/pewstats/collector/child/telemetry"
)

// KillPosition is a row of kill_positions. The match columns (match_id,
// map_name, game_mode, match_datetime) come from MatchInfo when written;
// game_type is always "unknown", as in the reference.
type KillPosition struct {
	AttackID         Opt[int64] // stored as text (VARCHAR column)
	DBNOID           Opt[int64] // stored as text (VARCHAR column)
	VictimName       Opt[string]
	VictimTeamID     Opt[int64]
	Victim           Loc
	VictimInBlueZone bool
	VictimInVehicle  bool
	KilledInZone     Opt[string] // JSON

	DBNOMakerName            Opt[string]
	DBNOMakerTeamID          Opt[int64]
	DBNOMaker                Loc
	DBNOMakerZone            Opt[string] // JSON
	DBNODamageReason         Opt[string]
	DBNODamageCategory       Opt[string]
	DBNODamageCauserName     Opt[string]
	DBNODamageCauserDistance Opt[float64]

	FinisherName                 Opt[string]
	FinisherTeamID               Opt[int64]
	Finisher                     Loc
	FinisherZone                 Opt[string] // JSON
	FinisherDamageReason         Opt[string]
	FinisherDamageCategory       Opt[string]
	FinisherDamageCauserName     Opt[string]
	FinisherDamageCauserDistance Opt[float64]

	IsGame float64
}

// KillPositions mirrors the reference extract_kill_positions: one row per
// LogPlayerKillV2 whose victim's accountId starts with "account." and whose
// isGame is at least 1. Where the reference reads keys real telemetry never
// carries (dbnoId, dbnoMaker, finisherDamageInfo, dbnoMakerDamageInfo,
// killedInZone, dbnoMakerZone, finisherZone) the real ones are read instead;
// see docs/PARITY.md.
func KillPositions(events []telemetry.Event) ([]KillPosition, error) {
	var out []KillPosition
	for i := range events {
		ev := &events[i]
		if ev.Kind != telemetry.KindPlayerKillV2 {
			continue
		}
		if err := notObject(ev, telemetry.BadVictim|telemetry.BadFinisher); err != nil {
			return nil, err
		}
		victim := ev.Victim
		if acc := charAccount(victim); !truthy(acc) || !strings.HasPrefix(acc.V, "account.") {
			continue
		}
		ok, err := isGameOK(ev)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := notObject(ev, telemetry.BadVictimLocation|telemetry.BadFinisherLocation); err != nil {
			return nil, err
		}
		maker, fin := ev.DBNOMaker, ev.Finisher
		dd, fd := damageInfo(ev.DBNODamage), damageInfo(ev.FinishDamage)
		out = append(out, KillPosition{
			AttackID:         evOpt(ev, telemetry.HasAttackID, ev.AttackID),
			DBNOID:           evOpt(ev, telemetry.HasDBNOID, ev.DBNOID),
			VictimName:       optName(victim),
			VictimTeamID:     optTeam(victim),
			Victim:           charLoc(victim),
			VictimInBlueZone: victim.IsInBlueZone,
			VictimInVehicle:  victim.IsInVehicle,
			KilledInZone:     charZoneJSON(victim),

			DBNOMakerName:            optName(maker),
			DBNOMakerTeamID:          optTeam(maker),
			DBNOMaker:                charLoc(maker),
			DBNOMakerZone:            charZoneJSON(maker),
			DBNODamageReason:         dd.reason,
			DBNODamageCategory:       dd.causer, // sic: the reference reads damageCauserName here
			DBNODamageCauserName:     dd.causer,
			DBNODamageCauserDistance: dd.distance,

			FinisherName:                 optName(fin),
			FinisherTeamID:               optTeam(fin),
			Finisher:                     charLoc(fin),
			FinisherZone:                 charZoneJSON(fin),
			FinisherDamageReason:         fd.reason,
			FinisherDamageCategory:       fd.category,
			FinisherDamageCauserName:     fd.causer,
			FinisherDamageCauserDistance: fd.distance,

			IsGame: ev.IsGame,
		})
	}
	return out, nil
}

// dmgInfo is a DamageInfo object's optional fields.
type dmgInfo struct {
	reason, category, causer Opt[string]
	distance                 Opt[float64]
}

func damageInfo(d *telemetry.DamageInfo) dmgInfo {
	if d == nil {
		return dmgInfo{}
	}
	return dmgInfo{
		reason:   OptIf(d.Has&telemetry.DIHasDamageReason != 0, d.DamageReason),
		category: OptIf(d.Has&telemetry.DIHasDamageTypeCategory != 0, d.DamageTypeCategory),
		causer:   OptIf(d.Has&telemetry.DIHasDamageCauserName != 0, d.DamageCauserName),
		distance: OptIf(d.Has&telemetry.DIHasDistance != 0, d.Distance),
	}
}
