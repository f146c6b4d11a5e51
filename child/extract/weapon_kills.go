package extract

import (
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// WeaponKill is a row of weapon_kill_events. map_name and game_mode come
// from MatchInfo; match_type is always "unknown", zone_phase and
// time_survived always NULL and is_kill always true, as in the reference.
type WeaponKill struct {
	EventTimestamp  Opt[time.Time]
	KillerName      string
	KillerTeamID    Opt[int64]
	Killer          Loc
	VictimName      string
	VictimTeamID    Opt[int64]
	Victim          Loc
	WeaponID        string
	DamageType      Opt[string]
	DamageReason    Opt[string]
	Distance        Opt[float64] // centimetres, as telemetry carries it
	IsKnockDown     bool
	IsBlueZone      bool
	IsRedZone       bool
	KillerInVehicle bool
	VictimInVehicle bool
}

// WeaponKills mirrors the reference extract_weapon_kill_events: one row per
// LogPlayerKillV2 with a named finisher and victim and an isGame of at
// least 1. The damage fields come from finishDamageInfo (the reference read
// the non-existent finisherDamageInfo) and is_knock_down from dBNOId; see
// docs/PARITY.md.
func WeaponKills(events []telemetry.Event) ([]WeaponKill, error) {
	var out []WeaponKill
	for i := range events {
		ev := &events[i]
		if ev.Kind != telemetry.KindPlayerKillV2 {
			continue
		}
		if err := notObject(ev, telemetry.BadFinisher|telemetry.BadVictim); err != nil {
			return nil, err
		}
		fin, victim := ev.Finisher, ev.Victim
		killer, vname := optName(fin), optName(victim)
		if !truthy(killer) || !truthy(vname) {
			continue
		}
		ok, err := isGameOK(ev)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := notObject(ev, telemetry.BadFinisherLocation|telemetry.BadVictimLocation); err != nil {
			return nil, err
		}
		di := damageInfo(ev.FinishDamage)
		weapon := "Unknown" // damage_info.get("damageCauserName", "Unknown")
		if di.causer.Valid {
			weapon = di.causer.V
		}
		out = append(out, WeaponKill{
			EventTimestamp:  evTime(ev),
			KillerName:      killer.V,
			KillerTeamID:    optTeam(fin),
			Killer:          charLoc(fin),
			VictimName:      vname.V,
			VictimTeamID:    optTeam(victim),
			Victim:          charLoc(victim),
			WeaponID:        weapon,
			DamageType:      di.category,
			DamageReason:    di.reason,
			Distance:        di.distance,
			IsKnockDown:     hadKnock(ev),
			IsBlueZone:      victim.IsInBlueZone,
			IsRedZone:       victim.IsInRedZone,
			KillerInVehicle: fin.IsInVehicle,
			VictimInVehicle: victim.IsInVehicle,
		})
	}
	return out, nil
}

// hadKnock reports whether a kill ended a knock: the reference's own
// instant-kill test in extract_finishing_metrics is
// `not dbno_id or dbno_id == -1`, and this is its negation.
func hadKnock(ev *telemetry.Event) bool {
	return ev.Has&telemetry.HasDBNOID != 0 && ev.DBNOID != 0 && ev.DBNOID != -1
}
