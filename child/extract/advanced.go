package extract

import "github.com/pewstats/collector/child/telemetry"

// AdvancedStats is a player's combat extras, written to match_summaries
// (killsteals, throwable_damage, damage_received).
type AdvancedStats struct {
	PlayerName      string
	Killsteals      int
	ThrowableDamage float64
	DamageReceived  float64
}

// AdvancedCombatStats mirrors extract_advanced_stats, in one pass in file
// order:
//   - damage_received: every LogPlayerTakeDamage's damage, summed on the
//     named victim (any source, zero damage included);
//   - throwable_damage: damage whose top-level damageCauserName is in the
//     Throwable category, summed on the named attacker;
//   - killsteals: a LogPlayerKillV2 whose dBNOId matches an earlier
//     LogPlayerMakeGroggy and whose killer's team differs from the knocker's
//     team counts one for the killer. dBNOId 0 is ignored (falsy in Python);
//     a later knock with the same id replaces the earlier one.
//
// A player appears once any of these touched them, in first-touched order.
func AdvancedCombatStats(events []telemetry.Event) []AdvancedStats {
	var out []AdvancedStats
	at := map[string]int{}
	get := func(name string) *AdvancedStats {
		i, ok := at[name]
		if !ok {
			i = len(out)
			at[name] = i
			out = append(out, AdvancedStats{PlayerName: name})
		}
		return &out[i]
	}
	type knocker struct {
		name string
		team int64
	}
	knocks := map[int64]knocker{}
	for i := range events {
		ev := &events[i]
		switch ev.Kind {
		case telemetry.KindPlayerTakeDamage:
			if v := charName(ev.Victim); v != "" {
				get(v).DamageReceived += ev.Damage
			}
			if a := charName(ev.Attacker); a != "" && ev.DamageCauserName != "" &&
				WeaponCategory(ev.DamageCauserName) == CategoryThrowable {
				get(a).ThrowableDamage += ev.Damage
			}
		case telemetry.KindPlayerMakeGroggy:
			team, ok := charTeam(ev.Attacker)
			if name := charName(ev.Attacker); dbnoID(ev) != 0 && name != "" && ok {
				knocks[dbnoID(ev)] = knocker{name, team}
			}
		case telemetry.KindPlayerKillV2:
			team, ok := charTeam(ev.Killer)
			name := charName(ev.Killer)
			if dbnoID(ev) == 0 || name == "" || !ok {
				continue
			}
			if k, found := knocks[dbnoID(ev)]; found && k.team != team {
				get(name).Killsteals++
			}
		}
	}
	return out
}

// dbnoID is event.get("dBNOId"), 0 when absent.
func dbnoID(ev *telemetry.Event) int64 {
	if ev.Has&telemetry.HasDBNOID == 0 {
		return 0
	}
	return ev.DBNOID
}
