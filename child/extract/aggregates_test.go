package extract

import (
	"fmt"
	"testing"
)

func (b *tele) throw(sec float64, who map[string]any, itemID, sub string) *tele {
	return b.add(sec, "LogPlayerAttack", map[string]any{"attackId": 1, "attacker": who, "attackType": "Weapon",
		"weapon": map[string]any{"itemId": itemID, "subCategory": sub}})
}

func (b *tele) use(sec float64, who map[string]any, itemID string) *tele {
	return b.add(sec, "LogItemUse", map[string]any{"character": who, "item": map[string]any{"itemId": itemID}})
}

func TestItemUsage(t *testing.T) {
	a, b := pc("A", 1, 0, 0), pc("B", 2, 0, 0)
	var x tele
	x.throw(1, a, "Item_Weapon_SmokeBomb_C", "Throwable") // smoke: a throwable and a smoke
	x.throw(2, a, "Item_Weapon_Grenade_C", "Throwable")   // frag
	x.throw(3, a, "Item_Weapon_Snowball_C", "Throwable")  // novelty: ignored
	x.throw(4, a, "Item_Weapon_Apple_C", "Throwable")     // novelty: ignored
	x.throw(5, a, "Item_Weapon_HK416_C", "Main")          // not a throwable
	x.use(6, a, "Item_Heal_FirstAid_C")
	x.use(7, a, "Item_Heal_Bandage_C")
	x.use(8, a, "Item_Boost_EnergyDrink_C")
	x.use(9, a, "Item_Weapon_SmokeBomb_C") // throwables count from attacks only
	x.use(10, b, "Item_Ghillie_01_C")      // B never counted: no entry
	x.throw(11, pc("", 3, 0, 0), "Item_Weapon_Grenade_C", "Throwable")
	got := ItemUsageStats(x.read(t))
	want := []ItemUsage{{PlayerName: "A", HealsUsed: 2, BoostsUsed: 1, ThrowablesUsed: 2, SmokesThrown: 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestAdvancedStats(t *testing.T) {
	a1, a2, b1, c1 := pc("A1", 1, 0, 0), pc("A2", 1, 0, 0), pc("B1", 2, 0, 0), pc("C1", 3, 0, 0)
	v1, v2, v3 := pc("V1", 4, 0, 0), pc("V2", 4, 0, 0), pc("V3", 4, 0, 0)
	var x tele
	// V1 knocked by team 1, finished by team 3: a killsteal for C1.
	x.knock(1, a1, v1, 11, "WeapHK416_C").kill(2, c1, v1, 11, "WeapHK416_C")
	// V2 knocked by A1, finished by teammate A2: not a killsteal.
	x.knock(3, a1, v2, 12, "WeapHK416_C").kill(4, a2, v2, 12, "WeapHK416_C")
	// An instant kill (dBNOId -1) and a kill of an unknown knock: nothing.
	x.kill(5, b1, v3, -1, "WeapHK416_C").kill(6, b1, v3, 99, "WeapHK416_C")
	// Damage: a grenade (throwable damage), a gun, the blue zone (no attacker).
	x.damage(7, b1, a1, 30.5, "ProjGrenade_C").damage(8, b1, a1, 12.25, "WeapAK47_C").
		add(9, "LogPlayerTakeDamage", map[string]any{"attacker": nil, "victim": a1, "damage": 1.5, "damageTypeCategory": "Damage_BlueZone",
			"damageCauserName": "Bluezonebomb_EffectActor_C"})
	got := map[string]string{}
	for _, s := range AdvancedCombatStats(x.read(t)) {
		got[s.PlayerName] = fmt.Sprint(s.Killsteals, s.ThrowableDamage, s.DamageReceived)
	}
	want := map[string]string{"C1": "1 0 0", "B1": "0 30.5 0", "A1": "0 0 44.25"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCircleTracking(t *testing.T) {
	var x tele
	state := func(sec, elapsed, cx, cy, r float64) {
		x.add(sec, "LogGameStatePeriodic", map[string]any{"gameState": map[string]any{"elapsedTime": elapsed,
			"safetyZonePosition": map[string]any{"x": cx, "y": cy, "z": 0}, "safetyZoneRadius": r}})
	}
	pos := func(sec float64, name string, xcm, ycm, elapsed float64) {
		x.add(sec, "LogPlayerPosition", map[string]any{"elapsedTime": elapsed,
			"character": map[string]any{"name": name, "teamId": 1, "location": map[string]any{"x": xcm, "y": ycm, "z": 0}}})
	}
	blue := func(sec float64, name string) {
		x.add(sec, "LogPlayerTakeDamage", map[string]any{"attacker": nil, "victim": map[string]any{"name": name, "teamId": 1},
			"damage": 0.4, "damageTypeCategory": "Damage_BlueZone"})
	}
	// Listed out of order on purpose: the states are sorted by elapsedTime.
	state(100, 100, 0, 0, 50000) // 500 m around (0,0)
	state(1, 0, 0, 0, 100000)    // 1 km around (0,0)
	// P at elapsed 0 → first state: 300/400 cm → 500 m... in centimetres
	// (30000, 40000) is 500 m from the centre, 500 m inside the edge.
	pos(2, "P", 30000, 40000, 0)
	// elapsed 50.9 → the first state not earlier, at 100: 1500 m out, 1000 m outside.
	pos(3, "P", 0, 150000, 50.9)
	// after every state → the last one.
	pos(4, "P", 0, 50000, 500)
	pos(5, "Q", 0, 0, 10)
	for i := 0; i < 150; i++ { // 150 × 1.03 = 154.5 → 154 (half to even)
		blue(6, "P")
	}
	for i := 0; i < 50; i++ { // 50 × 1.03 = 51.5 → 52
		blue(7, "Q")
	}
	blue(8, "Nobody") // no position samples: no aggregate
	x.tracked = []string{"P"}
	res := CircleTracking(x.read(t), func(n string) bool { return n == "P" })
	got := map[string]string{}
	for _, a := range res.Aggregates {
		got[a.PlayerName] = fmt.Sprint(a.AvgDistanceFromCenter, a.AvgDistanceFromEdge, a.MaxDistanceFromCenter, a.MinDistanceFromEdge, a.TimeOutsideZoneSeconds)
	}
	// P: centre distances 500, 1500, 500; edge distances 500, -1000, 0.
	want := map[string]string{"P": "833.3333333333334 -166.66666666666666 1500 -1000 154", "Q": "0 500 0 500 52"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("aggregates\n got  %v\n want %v", got, want)
	}
	if len(res.Positions) != 3 {
		t.Fatalf("%d positions, want P's 3", len(res.Positions))
	}
	p := res.Positions[1]
	if s := fmt.Sprint(p.PlayerName, p.ElapsedTime, p.PlayerX, p.PlayerY, p.ZoneX, p.ZoneY, p.ZoneRadius, p.DistanceFromCenter, p.DistanceFromEdge, p.InSafeZone); s != "P50 0 1500 0 0 500 1500 -1000 false" {
		t.Errorf("position = %s", s)
	}
	if !res.Positions[2].InSafeZone || res.Positions[2].DistanceFromEdge != 0 {
		t.Errorf("on the edge counts as inside: %+v", res.Positions[2])
	}
	// Without any game state there is nothing at all.
	var y tele
	pos(1, "P", 0, 0, 1)
	y.events = x.events[len(x.events)-1:]
	if r := CircleTracking(y.read(t), nil); len(r.Aggregates)+len(r.Positions) != 0 {
		t.Errorf("no game state: got %+v", r)
	}
}

func TestWeaponDistribution(t *testing.T) {
	a, b := pc("A", 1, 0, 0), pc("B", 2, 0, 0)
	x := tele{noOracle: true} // kills read killerDamageInfo: the reference never counts them
	x.damage(1, a, b, 30, "WeapHK416_C").damage(2, a, b, 12.5, "WeapHK416_C").
		damage(3, a, b, 0, "WeapKar98k_C"). // zero damage still creates the row
		damage(4, a, b, 20, "ProjGrenade_C").
		damage(5, a, b, 7, "BP_Mirado_A_03_C").
		damage(6, a, b, 3, "WeapHK416_Gold_C"). // unlisted skin → Other
		damage(7, a, b, 5, "").                 // no causer: skipped
		knock(8, a, b, 1, "WeapMini14_C").
		add(9, "LogPlayerKillV2", map[string]any{"killer": a, "victim": b, "dBNOId": 1,
													"killerDamageInfo": map[string]any{"damageCauserName": "WeapKar98k_C"}}).
		add(10, "LogPlayerKillV2", map[string]any{"killer": a, "victim": b, "dBNOId": 2}) // no DamageInfo: skipped
	got := map[string]string{}
	for _, w := range WeaponDistribution(x.read(t)) {
		got[w.PlayerName+"/"+w.Category] = fmt.Sprint(w.TotalDamage, w.TotalKills, w.KnockDowns)
	}
	want := map[string]string{
		"A/AR": "42.5 0 0", "A/SR": "0 1 0", "A/Throwable": "20 0 0", "A/Vehicle": "7 0 0", "A/Other": "3 0 0", "A/DMR": "0 0 1",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestMergeEnhancedStats(t *testing.T) {
	items := []ItemUsage{{PlayerName: "A", HealsUsed: 1}}
	adv := []AdvancedStats{{PlayerName: "B", DamageReceived: 5}, {PlayerName: "A", Killsteals: 1}}
	circ := []CircleAggregate{{PlayerName: "C", TimeOutsideZoneSeconds: 3}}
	got := MergeEnhancedStats(items, adv, circ)
	if len(got) != 3 || got[0].PlayerName != "A" || got[1].PlayerName != "B" || got[2].PlayerName != "C" {
		t.Fatalf("order %+v, want A B C", got)
	}
	if got[0].Items == nil || got[0].Advanced == nil || got[0].Circle != nil ||
		got[1].Items != nil || got[1].Advanced == nil || got[2].Circle == nil || got[2].Advanced != nil {
		t.Errorf("groups wrong: %+v", got)
	}
}
