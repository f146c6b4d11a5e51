package extract

import "github.com/pewstats/collector/child/telemetry"

// ItemUsage is a player's item counts, written to match_summaries
// (heals_used, boosts_used, throwables_used, smokes_thrown).
type ItemUsage struct {
	PlayerName     string
	HealsUsed      int
	BoostsUsed     int
	ThrowablesUsed int
	SmokesThrown   int
}

var (
	healItems  = map[string]bool{"Item_Heal_FirstAid_C": true, "Item_Heal_MedKit_C": true, "Item_Heal_Bandage_C": true}
	boostItems = map[string]bool{"Item_Boost_EnergyDrink_C": true, "Item_Boost_PainKiller_C": true, "Item_Boost_AdrenalineSyringe_C": true}
	// Snowballs and apples are thrown like grenades but are not tactical.
	noveltyThrowables = map[string]bool{"Item_Weapon_Snowball_C": true, "Item_Weapon_Apple_C": true}
)

const smokeItem = "Item_Weapon_SmokeBomb_C"

// ItemUsageStats mirrors extract_item_usage: heals and boosts from
// LogItemUse (character.name, item.itemId); throwables from LogPlayerAttack
// whose weapon.subCategory is "Throwable" (every throw, hit or not), minus
// the novelty ones, with smokes also counted on their own. A player appears
// only once something was counted, in first-counted order.
func ItemUsageStats(events []telemetry.Event) []ItemUsage {
	var out []ItemUsage
	at := map[string]int{}
	get := func(name string) *ItemUsage {
		i, ok := at[name]
		if !ok {
			i = len(out)
			at[name] = i
			out = append(out, ItemUsage{PlayerName: name})
		}
		return &out[i]
	}
	for i := range events {
		ev := &events[i]
		switch ev.Kind {
		case telemetry.KindItemUse:
			name := charName(ev.Character)
			if name == "" || ev.ItemID == "" {
				continue
			}
			switch {
			case healItems[ev.ItemID]:
				get(name).HealsUsed++
			case boostItems[ev.ItemID]:
				get(name).BoostsUsed++
			}
		case telemetry.KindPlayerAttack:
			name := charName(ev.Attacker)
			if name == "" || ev.ItemSubCategory != "Throwable" || noveltyThrowables[ev.ItemID] {
				continue
			}
			u := get(name)
			u.ThrowablesUsed++
			if ev.ItemID == smokeItem {
				u.SmokesThrown++
			}
		}
	}
	return out
}
