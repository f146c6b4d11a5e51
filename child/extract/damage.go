package extract

import (
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// DamageEvent is a row of player_damage_events.
type DamageEvent struct {
	AttackerName       Opt[string]
	AttackerTeamID     Opt[int64]
	AttackerHealth     Opt[float64] // INTEGER column: rounded half to even when stored
	Attacker           Loc
	VictimName         string
	VictimTeamID       Opt[int64]
	VictimHealth       Opt[float64]
	Victim             Loc
	DamageTypeCategory Opt[string]
	DamageReason       Opt[string]
	Damage             Opt[float64]
	WeaponID           Opt[string]
	EventTimestamp     Opt[time.Time]
}

// DamageEvents mirrors the reference extract_damage_events: LogPlayerTakeDamage
// with a named victim, isGame at least 1, and the attacker or the victim in
// tracked (the players table's names).
func DamageEvents(events []telemetry.Event, tracked map[string]struct{}) ([]DamageEvent, error) {
	var out []DamageEvent
	for i := range events {
		ev := &events[i]
		if ev.Kind != telemetry.KindPlayerTakeDamage {
			continue
		}
		att, victim := ev.Attacker, ev.Victim
		vname := optName(victim)
		if !truthy(vname) {
			continue
		}
		ok, err := isGameOK(ev)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		aname := optName(att)
		_, attTracked := tracked[aname.V]
		_, vicTracked := tracked[vname.V]
		if !(aname.Valid && attTracked) && !vicTracked {
			continue
		}
		if err := notObject(ev, telemetry.BadAttackerLocation|telemetry.BadVictimLocation); err != nil {
			return nil, err
		}
		out = append(out, DamageEvent{
			AttackerName:       aname,
			AttackerTeamID:     optTeam(att),
			AttackerHealth:     charHealth(att),
			Attacker:           charLoc(att),
			VictimName:         vname.V,
			VictimTeamID:       optTeam(victim),
			VictimHealth:       charHealth(victim),
			Victim:             charLoc(victim),
			DamageTypeCategory: evOpt(ev, telemetry.HasDamageTypeCategory, ev.DamageTypeCategory),
			DamageReason:       evOpt(ev, telemetry.HasDamageReason, ev.DamageReason),
			Damage:             evOpt(ev, telemetry.HasDamage, ev.Damage),
			WeaponID:           evOpt(ev, telemetry.HasDamageCauserName, ev.DamageCauserName),
			EventTimestamp:     evTime(ev),
		})
	}
	return out, nil
}
