package extract

import "github.com/pewstats/collector/child/telemetry"

// WeaponUse is one row of player_match_weapon_distribution: a player's
// damage, kills and knocks with one weapon category in the match.
type WeaponUse struct {
	PlayerName  string
	Category    string
	TotalDamage float64
	TotalKills  int
	KnockDowns  int
}

// WeaponDistribution mirrors extract_weapon_distribution, with one fix:
//   - damage: LogPlayerTakeDamage, named attacker, top-level damageCauserName;
//   - knocks: LogPlayerMakeGroggy, named attacker, top-level damageCauserName;
//   - kills: LogPlayerKillV2, named killer, damage causer taken from
//     killerDamageInfo.damageCauserName. The reference reads a top-level
//     damageCauserName that LogPlayerKillV2 does not carry, so it never
//     counted a kill (total_kills always 0); see docs/PARITY.md.
//
// An event without a causer name is skipped; an unknown causer counts under
// "Other". A (player, category) row exists once any event touched it, zero
// damage included. Rows come out player by player in first-touched order.
func WeaponDistribution(events []telemetry.Event) []WeaponUse {
	type key struct{ player, category string }
	var out []WeaponUse
	at := map[key]int{}
	get := func(player, causer string) *WeaponUse {
		k := key{player, WeaponCategory(causer)}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, WeaponUse{PlayerName: k.player, Category: k.category})
		}
		return &out[i]
	}
	for i := range events {
		ev := &events[i]
		switch ev.Kind {
		case telemetry.KindPlayerTakeDamage:
			if a := charName(ev.Attacker); a != "" && ev.DamageCauserName != "" {
				get(a, ev.DamageCauserName).TotalDamage += ev.Damage
			}
		case telemetry.KindPlayerMakeGroggy:
			if a := charName(ev.Attacker); a != "" && ev.DamageCauserName != "" {
				get(a, ev.DamageCauserName).KnockDowns++
			}
		case telemetry.KindPlayerKillV2:
			if k := charName(ev.Killer); k != "" && ev.KillerDamage != nil && ev.KillerDamage.DamageCauserName != "" {
				get(k, ev.KillerDamage.DamageCauserName).TotalKills++
			}
		}
	}
	return out
}
