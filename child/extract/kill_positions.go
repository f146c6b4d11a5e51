package extract

import (
	"strings"

	"github.com/pewstats/collector/child/telemetry"
)

// KillPosition is a row of kill_positions. The match columns (match_id,
// map_name, game_mode, match_datetime) come from MatchInfo when written;
// game_type is always "unknown", as in the reference.
type KillPosition struct {
	AttackID         OptInt // stored as text (VARCHAR column)
	DBNOID           OptInt // stored as text (VARCHAR column)
	VictimName       OptString
	VictimTeamID     OptInt
	Victim           Loc
	VictimInBlueZone bool
	VictimInVehicle  bool
	KilledInZone     OptString // JSON

	DBNOMakerName            OptString
	DBNOMakerTeamID          OptInt
	DBNOMaker                Loc
	DBNOMakerZone            OptString // JSON
	DBNODamageReason         OptString
	DBNODamageCategory       OptString
	DBNODamageCauserName     OptString
	DBNODamageCauserDistance OptFloat

	FinisherName                 OptString
	FinisherTeamID               OptInt
	Finisher                     Loc
	FinisherZone                 OptString // JSON
	FinisherDamageReason         OptString
	FinisherDamageCategory       OptString
	FinisherDamageCauserName     OptString
	FinisherDamageCauserDistance OptFloat

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
		if acc := charAccount(victim); !acc.truthy() || !strings.HasPrefix(acc.V, "account.") {
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
			AttackID:         evInt(ev, telemetry.HasAttackID, ev.AttackID),
			DBNOID:           evInt(ev, telemetry.HasDBNOID, ev.DBNOID),
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
	reason, category, causer OptString
	distance                 OptFloat
}

func damageInfo(d *telemetry.DamageInfo) dmgInfo {
	var o dmgInfo
	if d == nil {
		return o
	}
	if d.Has&telemetry.DIHasDamageReason != 0 {
		o.reason = someString(d.DamageReason)
	}
	if d.Has&telemetry.DIHasDamageTypeCategory != 0 {
		o.category = someString(d.DamageTypeCategory)
	}
	if d.Has&telemetry.DIHasDamageCauserName != 0 {
		o.causer = someString(d.DamageCauserName)
	}
	if d.Has&telemetry.DIHasDistance != 0 {
		o.distance = someFloat(d.Distance)
	}
	return o
}
