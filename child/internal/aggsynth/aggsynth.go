// Package aggsynth generates random but plausible PUBG telemetry JSON for the
// aggregate extractors' tests and benchmarks (team fights, item use,
// advanced stats, circle tracking, weapon distribution). It is a test fixture:
// the shapes follow real telemetry (LogPlayerKillV2 with killer/finisher and
// DamageInfo objects, top-level elapsedTime on LogPlayerPosition, …) and it
// deliberately produces the awkward cases the reference's rules react to —
// NPCs and bots, team 0, large team ids, zero and same-team damage,
// missing locations, timestamps that go slightly backwards.
package aggsynth

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Options shape a generated match.
type Options struct {
	Teams          int     // real teams (default 16)
	PlayersPerTeam int     // default 4
	Minutes        int     // match length (default 30)
	Skirmishes     int     // combat bursts (default 60)
	NPCs           bool    // add NPC/bot teams that fight players and each other
	Oddities       bool    // missing fields, team 0, time going backwards, ...
	TeamIDSpread   int     // team ids drawn from [1, spread) (default 40)
	PositionEvery  float64 // seconds between a player's position samples (default 10)
	// KillCauserTopLevel also writes killerDamageInfo.damageCauserName as a
	// top-level damageCauserName on LogPlayerKillV2 (real telemetry never has
	// it; the differential test uses it to make the reference count kills the
	// way the port does).
	KillCauserTopLevel bool
}

func (o *Options) defaults() {
	if o.Teams == 0 {
		o.Teams = 16
	}
	if o.PlayersPerTeam == 0 {
		o.PlayersPerTeam = 4
	}
	if o.Minutes == 0 {
		o.Minutes = 30
	}
	if o.Skirmishes == 0 {
		o.Skirmishes = 60
	}
	if o.TeamIDSpread == 0 {
		o.TeamIDSpread = 40
	}
	if o.PositionEvery == 0 {
		o.PositionEvery = 10
	}
}

// Player is a generated character.
type Player struct {
	Name, Account string
	Team          int
	NPC           bool
	x, y, z       float64
	alive         bool
}

// Match is a generated telemetry file.
type Match struct {
	Players []*Player
	Events  []map[string]any
}

// JSON renders the events as a telemetry array.
func (m *Match) JSON() []byte {
	b, err := json.Marshal(m.Events)
	if err != nil {
		panic(err)
	}
	return b
}

// Names returns the real (non-NPC) player names.
func (m *Match) Names() []string {
	var out []string
	for _, p := range m.Players {
		if !p.NPC {
			out = append(out, p.Name)
		}
	}
	return out
}

var (
	guns       = []string{"WeapHK416_C", "WeapAK47_C", "WeapMini14_C", "WeapKar98k_C", "WeapUMP_C", "WeapSaiga12_C", "WeapDP28_C", "WeapG18_C", "WeapPan_C", "WeapHK416_Gold_C", "BP_Mirado_A_03_C"}
	throwables = []string{"ProjGrenade_C", "ProjMolotov_C", "BP_MolotovFireDebuff_C", "ProjStickyGrenade_C"}
	heals      = []string{"Item_Heal_FirstAid_C", "Item_Heal_MedKit_C", "Item_Heal_Bandage_C", "Item_Boost_EnergyDrink_C", "Item_Boost_PainKiller_C", "Item_Boost_AdrenalineSyringe_C", "Item_Ghillie_01_C"}
	thrownItem = []string{"Item_Weapon_Grenade_C", "Item_Weapon_SmokeBomb_C", "Item_Weapon_Molotov_C", "Item_Weapon_Snowball_C", "Item_Weapon_Apple_C", "Item_Weapon_FlashBang_C"}
	npcNames   = []string{"Guard", "Commander", "Soldier", "ai_alpha", "AI_bravo", "Pillar"}
)

type gen struct {
	times []float64 // event times, parallel to m.Events, until the final sort
	r     *rand.Rand
	o     Options
	m     *Match
	start time.Time
	dbno  int64
	atk   int64
}

// Generate builds a match from seed.
func Generate(seed uint64, o Options) *Match {
	o.defaults()
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), o: o, m: &Match{},
		start: time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)}
	g.players()
	g.timeline()
	return g.m
}

func (g *gen) players() {
	used := map[int]bool{}
	for t := 0; t < g.o.Teams; t++ {
		id := 1 + g.r.IntN(g.o.TeamIDSpread)
		for used[id] {
			id = 1 + g.r.IntN(g.o.TeamIDSpread+t)
		}
		if g.o.Oddities && t == 0 {
			id = 0 // team 0 exists in some modes and is falsy in Python
		}
		used[id] = true
		for k := 0; k < g.o.PlayersPerTeam; k++ {
			g.m.Players = append(g.m.Players, &Player{
				Name: fmt.Sprintf("P%d_%d", id, k), Account: fmt.Sprintf("account.%d%02d", id, k), Team: id,
				x: 100000 + g.r.Float64()*600000, y: 100000 + g.r.Float64()*600000, z: 1000 + g.r.Float64()*500, alive: true,
			})
		}
	}
	if g.o.NPCs {
		for i, n := range npcNames {
			g.m.Players = append(g.m.Players, &Player{
				Name: n, Account: fmt.Sprintf("ai.%d", i), Team: 200 + i%3, NPC: true,
				x: 100000 + g.r.Float64()*600000, y: 100000 + g.r.Float64()*600000, z: 1000, alive: true,
			})
		}
	}
}

func (g *gen) ts(sec float64) string {
	return g.start.Add(time.Duration(sec * float64(time.Second))).Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

func (g *gen) char(p *Player) map[string]any {
	c := map[string]any{
		"name": p.Name, "teamId": p.Team, "accountId": p.Account, "health": 100,
		"location":     map[string]any{"x": f32(p.x), "y": f32(p.y), "z": f32(p.z)},
		"isInBlueZone": false, "isInRedZone": false, "zone": []string{},
	}
	if g.o.Oddities {
		switch g.r.IntN(60) {
		case 0:
			delete(c, "location")
		case 1:
			c["location"] = map[string]any{}
		case 2:
			delete(c, "teamId")
		case 3:
			c["name"] = ""
		case 4:
			delete(c, "accountId")
		}
	}
	return c
}

func (g *gen) add(sec float64, typ string, kv map[string]any) {
	kv["_T"], kv["_D"] = typ, g.ts(sec)
	kv["common"] = map[string]any{"isGame": 1.0}
	g.m.Events = append(g.m.Events, kv)
	g.times = append(g.times, sec)
}

// timeline emits game states, positions, items and skirmishes in time order.
func (g *gen) timeline() {
	total := float64(g.o.Minutes * 60)
	fights := make([]float64, g.o.Skirmishes)
	for i := range fights {
		fights[i] = 60 + g.r.Float64()*(total-90)
	}
	next := 0
	sort.Float64s(fights)
	zx, zy, zr := 400000.0, 400000.0, 400000.0
	for sec := 0.0; sec < total; sec += g.o.PositionEvery {
		// Zone shrinks towards a drifting centre.
		zr = math.Max(5000, zr*0.985)
		zx += (g.r.Float64() - 0.5) * 2000
		zy += (g.r.Float64() - 0.5) * 2000
		if int(sec)%10 == 0 {
			g.add(sec, "LogGameStatePeriodic", map[string]any{"gameState": map[string]any{
				"elapsedTime": int(sec), "safetyZonePosition": map[string]any{"x": f32(zx), "y": f32(zy), "z": 0}, "safetyZoneRadius": f32(zr),
				"numAlivePlayers": 64,
			}})
		}
		for _, p := range g.m.Players {
			if !p.alive {
				continue
			}
			p.x += (g.r.Float64() - 0.5) * 3000
			p.y += (g.r.Float64() - 0.5) * 3000
			g.add(sec+g.r.Float64(), "LogPlayerPosition", map[string]any{"character": g.char(p), "elapsedTime": sec + float64(g.r.IntN(2)), "numAlivePlayers": 64})
			if math.Hypot(p.x-zx, p.y-zy) > zr && !p.NPC {
				g.add(sec+0.5, "LogPlayerTakeDamage", map[string]any{"attackId": -1, "attacker": nil, "victim": g.char(p),
					"damageTypeCategory": "Damage_BlueZone", "damageReason": "NonSpecific", "damage": 0.4 + g.r.Float64(),
					"damageCauserName": "Bluezonebomb_EffectActor_C", "isThroughPenetrableWall": false})
			}
			switch g.r.IntN(12) {
			case 0:
				g.add(sec+2, "LogItemUse", map[string]any{"character": g.char(p), "item": map[string]any{"itemId": heals[g.r.IntN(len(heals))], "subCategory": "Heal"}})
			case 1:
				g.atk++
				g.add(sec+3, "LogPlayerAttack", map[string]any{"attackId": g.atk, "attacker": g.char(p), "attackType": "Weapon",
					"weapon": map[string]any{"itemId": thrownItem[g.r.IntN(len(thrownItem))], "subCategory": "Throwable", "category": "Weapon"}})
			case 2:
				g.atk++
				g.add(sec+3, "LogPlayerAttack", map[string]any{"attackId": g.atk, "attacker": g.char(p), "attackType": "Weapon",
					"weapon": map[string]any{"itemId": "Item_Weapon_HK416_C", "subCategory": "Main", "category": "Weapon"}})
			}
		}
		for next < len(fights) && fights[next] < sec+g.o.PositionEvery {
			g.skirmish(fights[next])
			next++
		}
	}
	// Real files are (almost) in time order.
	idx := make([]int, len(g.m.Events))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return g.times[idx[a]] < g.times[idx[b]] })
	sorted := make([]map[string]any, len(idx))
	for i, k := range idx {
		sorted[i] = g.m.Events[k]
	}
	g.m.Events = sorted
	if g.o.Oddities {
		// A few neighbouring events swapped: `_D` going backwards.
		for k := 0; k < len(g.m.Events)/500; k++ {
			i := 1 + g.r.IntN(len(g.m.Events)-1)
			g.m.Events[i-1], g.m.Events[i] = g.m.Events[i], g.m.Events[i-1]
		}
	}
}

func (g *gen) alivePick(filter func(*Player) bool) *Player {
	var c []*Player
	for _, p := range g.m.Players {
		if p.alive && filter(p) {
			c = append(c, p)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[g.r.IntN(len(c))]
}

// skirmish is a burst of combat between two to four teams around one spot.
func (g *gen) skirmish(at float64) {
	first := g.alivePick(func(p *Player) bool { return !p.NPC || g.o.NPCs })
	if first == nil {
		return
	}
	teams := []int{first.Team}
	for len(teams) < 2+g.r.IntN(3) {
		p := g.alivePick(func(p *Player) bool { return !containsInt(teams, p.Team) })
		if p == nil {
			break
		}
		teams = append(teams, p.Team)
	}
	cx, cy := first.x, first.y
	var party []*Player
	for _, p := range g.m.Players {
		if p.alive && containsInt(teams, p.Team) {
			// Most gather within ~100 m; some stay 250-450 m out (radius test).
			d := 2000 + g.r.Float64()*8000
			if g.r.IntN(6) == 0 {
				d = 25000 + g.r.Float64()*20000
			}
			a := g.r.Float64() * 2 * math.Pi
			p.x, p.y = cx+d*math.Cos(a), cy+d*math.Sin(a)
			party = append(party, p)
		}
	}
	if len(party) < 2 {
		return
	}
	sec := at
	knocked := map[*Player]int64{}
	steps := 3 + g.r.IntN(40)
	// Most bursts have casualties; standoffs trade damage only, and some
	// allow a single knock (the damage-based fight rules).
	mode := g.r.IntN(8)
	standoff, oneKnock := mode == 0 || mode == 1, mode == 2
	knocks := 0
	for s := 0; s < steps; s++ {
		sec += g.r.Float64() * 12
		if g.r.IntN(25) == 0 {
			sec += 50 // a lull longer than the 45 s window
		}
		a, v := party[g.r.IntN(len(party))], party[g.r.IntN(len(party))]
		if a == v || !a.alive || !v.alive {
			continue
		}
		if a.Team == v.Team && g.r.IntN(8) != 0 {
			continue
		}
		g.atk++
		causer := guns[g.r.IntN(len(guns))]
		if g.r.IntN(8) == 0 {
			causer = throwables[g.r.IntN(len(throwables))]
		}
		dmg := math.Round(g.r.Float64()*45*1000) / 1000
		if g.r.IntN(15) == 0 {
			dmg = 0
		}
		g.add(sec, "LogPlayerTakeDamage", map[string]any{"attackId": g.atk, "attacker": g.char(a), "victim": g.char(v),
			"damageTypeCategory": "Damage_Gun", "damageReason": "TorsoShot", "damage": dmg, "damageCauserName": causer})
		if standoff || (oneKnock && knocks > 0) {
			continue
		}
		switch r := g.r.IntN(10); {
		case r == 0 && knocked[v] == 0 && !v.NPC:
			knocks++
			g.dbno++
			knocked[v] = g.dbno
			g.add(sec+0.01, "LogPlayerMakeGroggy", map[string]any{"attackId": g.atk, "attacker": g.char(a), "victim": g.char(v),
				"damageTypeCategory": "Damage_Gun", "damageCauserName": causer, "distance": 1234.5, "dBNOId": g.dbno})
		case !oneKnock && (r == 1 || (r == 2 && knocked[v] != 0)):
			g.kill(sec+0.02, a, v, knocked[v], party, causer)
		}
	}
}

func (g *gen) kill(sec float64, a, v *Player, dbno int64, party []*Player, causer string) {
	killer := a
	if dbno != 0 && g.r.IntN(3) == 0 {
		// Someone else finishes the knocked player: a killsteal when the team differs.
		if p := party[g.r.IntN(len(party))]; p != v && p.alive {
			killer = p
		}
	}
	if dbno == 0 {
		dbno = -1
	}
	ev := map[string]any{
		"attackId": g.atk, "dBNOId": dbno, "victim": g.char(v),
		"killer": g.char(killer), "finisher": g.char(killer), "dBNOMaker": g.char(a),
		"killerDamageInfo": map[string]any{"damageReason": "HeadShot", "damageTypeCategory": "Damage_Gun", "damageCauserName": causer, "distance": 2345.0},
		"finishDamageInfo": map[string]any{"damageReason": "HeadShot", "damageTypeCategory": "Damage_Gun", "damageCauserName": causer, "distance": 2345.0},
		"isSuicide":        false,
	}
	if g.o.KillCauserTopLevel {
		ev["damageCauserName"] = causer
	}
	g.add(sec, "LogPlayerKillV2", ev)
	if !v.NPC || g.r.IntN(2) == 0 {
		v.alive = false
	}
}

// f32 rounds to float32 precision: the game engine's coordinates are
// single-precision, which keeps squared coordinate differences exact.
func f32(v float64) float64 { return float64(float32(v)) }

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
