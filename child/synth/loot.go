package synth

import (
	"math"
)

const (
	lootGun = iota
	lootAttach
	lootAmmo
	lootHelmet
	lootVest
	lootBackpack
	lootHeal
	lootBoost
	lootThrow
	lootBox
	lootCare
	lootMisc
)

type careDrop struct {
	id    string
	items []string
}

// box is a death box: what the victim carried.
type box struct {
	ownerTeam    int
	creator      string
	guns         [2]int
	gunNo        [2]int
	att          [2][]string
	helmet, vest int
}

// planLoot schedules what a player picks up after landing.
func (s *sim) planLoot(p *player) {
	r := s.rng
	t0 := p.landSec + 2
	span := p.lootEnd - t0
	if span < 20 {
		span = 20
	}
	at := func(frac float64) int { return t0 + int(frac*float64(span)) + r.IntN(4) }
	add := func(sec int, kind uint8, arg int) {
		p.loot = append(p.loot, lootAction{sec: sec, kind: kind, arg: arg})
	}
	if r.Float64() < 0.75 {
		add(at(0.02), lootGun, 0)
	} else {
		add(at(0.25), lootGun, 0)
	}
	add(at(0.08), lootAmmo, 0)
	add(at(0.3), lootAmmo, 0)
	if r.Float64() < 0.85 {
		add(at(0.12), lootHelmet, 0)
	}
	if r.Float64() < 0.85 {
		add(at(0.15), lootVest, 0)
	}
	if r.Float64() < 0.75 {
		add(at(0.2), lootBackpack, 0)
	}
	add(at(0.22), lootHeal, healBandage)
	if r.Float64() < 0.5 {
		add(at(0.6), lootHeal, healBandage)
	}
	if r.Float64() < 0.75 {
		add(at(0.35), lootHeal, healFirstAid)
	}
	if r.Float64() < 0.25 {
		add(at(0.7), lootHeal, healMedKit)
	}
	if r.Float64() < 0.8 {
		add(at(0.4), lootBoost, boostEnergy)
	}
	if r.Float64() < 0.5 {
		add(at(0.6), lootBoost, boostEnergy)
	}
	if r.Float64() < 0.65 {
		add(at(0.55), lootBoost, boostPainKiller)
	}
	if r.Float64() < 0.08 {
		add(at(0.8), lootBoost, boostAdrenaline)
	}
	for k, pr := range [numThrowables]float64{0.7, 0.55, 0.25, 0.35, 0.08, 0.06} {
		if k == thSnowball && s.mp.snow {
			pr = 0.6
		}
		if r.Float64() < pr {
			add(at(0.3+0.6*r.Float64()), lootThrow, k)
		}
	}
	if r.Float64() < 0.8 {
		add(at(0.5), lootGun, 1)
	}
	n := 8 + r.IntN(5)
	for i := 0; i < n; i++ {
		add(at(0.55+0.4*r.Float64()), lootAttach, i%2)
	}
	if r.Float64() < 0.3 {
		add(at(0.9), lootMisc, 0)
	}
	sortLoot(p.loot)
}

func sortLoot(l []lootAction) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].sec < l[j-1].sec; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

// looting performs the scheduled pickups that are due.
func (s *sim) looting() {
	for _, p := range s.players {
		if len(p.loot) == 0 {
			continue
		}
		if p.st == stDead {
			p.loot = nil
			continue
		}
		if p.st != stGround || p.veh != nil {
			continue
		}
		ms := s.rng.IntN(600)
		for len(p.loot) > 0 && p.loot[0].sec <= s.sec {
			a := p.loot[0]
			p.loot = p.loot[1:]
			s.doLoot(p, a, at(s.sec, ms))
			ms += 40 + s.rng.IntN(80)
		}
	}
}

func (s *sim) doLoot(p *player, a lootAction, tk int64) {
	r := s.rng
	switch a.kind {
	case lootGun:
		w := make([]float64, len(weapons))
		for i := range weapons {
			w[i] = float64(weapons[i].weight)
			if a.arg == 1 && (weapons[i].class == classMelee || weapons[i].class == classPistol) {
				w[i] *= 0.3
			}
		}
		g := pickIndex(r, w)
		p.guns[a.arg] = g
		p.gunNo[a.arg] = 1 + r.IntN(40)
		p.gunAtt[a.arg] = nil
		p.fire[a.arg] = 0
		it := s.gunItem(p, a.arg)
		s.renderItemEvent(tk, evItemPickup, p, it)
		s.renderItemEvent(tk+tMs*(30+int64(r.IntN(200))), evItemEquip, p, it)
	case lootAttach:
		g := p.guns[a.arg]
		if g < 0 || len(weapons[g].attaches) == 0 {
			return
		}
		list := weapons[g].attaches
		att := list[r.IntN(len(list))]
		for _, have := range p.gunAtt[a.arg] {
			if have == att {
				return
			}
		}
		child := itemRef{id: att, stack: 1, category: "Attachment", sub: attachSub(att)}
		s.renderItemEvent(tk, evItemPickup, p, child)
		parent := s.gunItem(p, a.arg)
		s.begin(tk+tMs*(20+int64(r.IntN(300))), evItemAttach, p)
		s.charKey("character", p)
		s.item("parentItem", parent)
		s.item("childItem", child)
		s.e.end()
		p.gunAtt[a.arg] = append(append([]string(nil), p.gunAtt[a.arg]...), att)
	case lootAmmo:
		s.renderItemEvent(tk, evItemPickup, p, s.ammoItem(p, r.IntN(2)))
	case lootHelmet, lootVest, lootBackpack:
		var list []gear
		switch a.kind {
		case lootHelmet:
			list = helmets
		case lootVest:
			list = vests
		default:
			list = backpacks
		}
		gi := pickIndex(r, []float64{5, 4, 2, 1}[:len(list)])
		gr := list[gi]
		lvl := int(gr.id[len(gr.id)-3] - '0')
		switch a.kind {
		case lootHelmet:
			p.helmet = lvl
		case lootVest:
			p.vest = lvl
		default:
			p.backpack = lvl
		}
		it := itemRef{id: gr.id, stack: 1, category: gr.category, sub: gr.sub}
		s.renderItemEvent(tk, evItemPickup, p, it)
		s.renderItemEvent(tk+tMs*(10+int64(r.IntN(100))), evItemEquip, p, it)
	case lootHeal:
		n := 1
		if a.arg == healBandage {
			n = 3 + r.IntN(5)
		}
		p.heals[a.arg] += n
		s.renderItemEvent(tk, evItemPickup, p, itemRef{id: healItems[a.arg], stack: n, category: "Use", sub: "Heal"})
	case lootBoost:
		n := 1 + r.IntN(2)
		p.boosts[a.arg] += n
		s.renderItemEvent(tk, evItemPickup, p, itemRef{id: boostItems[a.arg], stack: n, category: "Use", sub: "Boost"})
	case lootThrow:
		n := 1 + r.IntN(2)
		if a.arg == thSnowball {
			n = 3 + r.IntN(6)
		}
		p.throws[a.arg] += n
		s.renderItemEvent(tk, evItemPickup, p, itemRef{id: throwItems[a.arg], stack: n, category: "Equipment", sub: "Throwable"})
	case lootMisc:
		gr := misc[r.IntN(len(misc))]
		s.renderItemEvent(tk, evItemPickup, p, itemRef{id: gr.id, stack: 1, category: gr.category, sub: gr.sub})
	case lootBox:
		bx := s.boxes[a.arg/16]
		var it itemRef
		switch a.arg % 16 {
		case 0:
			it = s.ammoItem(p, 0)
		case 1:
			p.heals[healFirstAid]++
			it = itemRef{id: healItems[healFirstAid], stack: 1, category: "Use", sub: "Heal"}
		case 2:
			p.heals[healBandage] += 4
			it = itemRef{id: healItems[healBandage], stack: 4, category: "Use", sub: "Heal"}
		case 3:
			p.boosts[boostEnergy]++
			it = itemRef{id: boostItems[boostEnergy], stack: 1, category: "Use", sub: "Boost"}
		case 4:
			p.throws[thGrenade]++
			it = itemRef{id: throwItems[thGrenade], stack: 1, category: "Equipment", sub: "Throwable"}
		case 5:
			p.boosts[boostPainKiller]++
			it = itemRef{id: boostItems[boostPainKiller], stack: 1, category: "Use", sub: "Boost"}
		case 6, 7: // the victim's gun, attachments and all
			k := a.arg%16 - 6
			g := bx.guns[k]
			if g < 0 {
				return
			}
			w := &weapons[g]
			it = itemRef{id: w.item, stack: 1, category: "Weapon", sub: w.class.subCategory(), attached: bx.att[k]}
			if p.guns[1] < 0 || (weapons[p.guns[1]].class == classPistol && w.class != classPistol) {
				p.guns[1], p.gunNo[1], p.gunAtt[1], p.fire[1] = g, bx.gunNo[k], bx.att[k], 0
			}
		case 8: // armour
			switch {
			case bx.vest > p.vest:
				g := vests[bx.vest-1]
				it = itemRef{id: g.id, stack: 1, category: g.category, sub: g.sub}
				p.vest = bx.vest
			case bx.helmet > p.helmet:
				g := helmets[[4]int{0, 0, 1, 3}[bx.helmet]]
				it = itemRef{id: g.id, stack: 1, category: g.category, sub: g.sub}
				p.helmet = bx.helmet
			default:
				it = s.ammoItem(p, 1)
			}
		default:
			p.throws[thSmoke]++
			it = itemRef{id: throwItems[thSmoke], stack: 1, category: "Equipment", sub: "Throwable"}
		}
		s.begin(tk, evItemPickupLootbox, p)
		s.charKey("character", p)
		s.item("item", it)
		s.e.int("ownerTeamId", bx.ownerTeam)
		s.e.str("creatorAccountId", bx.creator)
		s.e.end()
	case lootCare:
		cd := s.careItems[a.arg/16]
		if a.arg%16 >= len(cd.items) {
			return
		}
		id := cd.items[a.arg%16]
		if id == healItems[healMedKit] {
			p.heals[healMedKit]++
		}
		if lvl := gearLevel(id); lvl > 0 {
			if hasPrefix(id, "Item_Armor_") {
				p.vest = lvl
			} else if hasPrefix(id, "Item_Head_") {
				p.helmet = lvl
			}
		}
		s.begin(tk, evItemPickupCare, p)
		s.charKey("character", p)
		s.item("item", itemRef{id: id, stack: 1, category: careCategory(id), sub: careSub(id)})
		s.e.int("carePackageUniqueId", a.arg/16+1)
		s.e.end()
	}
}

func gearLevel(id string) int {
	if len(id) > 5 && id[len(id)-5:len(id)-3] == "Lv" {
		return int(id[len(id)-3] - '0')
	}
	return 0
}

func attachSub(id string) string {
	if hasPrefix(id, "Item_Attach_Weapon_Upper_") || hasPrefix(id, "Item_Attach_Weapon_SideRail_") {
		return "Sight"
	}
	return "None"
}

func (s *sim) ammoItem(p *player, slot int) itemRef {
	id := "Item_Ammo_556mm_C"
	if g := p.guns[slot]; g >= 0 && weapons[g].ammo != "" {
		id = weapons[g].ammo
	}
	return itemRef{id: id, stack: 30 * (1 + s.rng.IntN(3)), category: "Ammunition", sub: "None"}
}

// lootBox lets the killer's team loot the victim's death box.
func (s *sim) lootBox(vic, killer *player) {
	r := s.rng
	if killer == nil || killer.team == vic.team || r.Float64() > 0.85 {
		return
	}
	s.boxes = append(s.boxes, box{ownerTeam: vic.team.id, creator: vic.account, guns: vic.guns, gunNo: vic.gunNo, att: vic.gunAtt, helmet: vic.helmet, vest: vic.vest})
	idx := len(s.boxes) - 1
	looters := 0
	for _, m := range killer.team.members {
		if m.st != stGround || dist(m, vic) > 6000 || (looters > 0 && r.IntN(2) == 0) {
			continue
		}
		looters++
		n := 3 + r.IntN(7)
		for i := 0; i < n; i++ {
			m.loot = append(m.loot, lootAction{sec: s.sec + 8 + i*2 + r.IntN(6), kind: lootBox, arg: idx*16 + r.IntN(10)})
		}
		sortLoot(m.loot)
	}
}

// ---------------------------------------------------------------- incidental events

// ambSlot is a player's state at one second, a moment where an incidental
// event (pickup, door, vault…) may be placed once the number needed is known.
type ambSlot struct {
	sec        int32
	p          int16
	minMs      int16 // after the player's own events of that second
	blue, red  bool
	x, y, z, h float32
	guns       [2]int8
	fire       [2]int32
	att        [2][]string
}

// record notes every standing player's state for incidental events.
func (s *sim) recordSlots() {
	for _, p := range s.players {
		if p.st != stGround || p.veh != nil || s.sec < p.landSec+3 {
			continue
		}
		minMs := int64(0)
		if start := int64(s.sec) * tSec; p.lastT >= start {
			minMs = (p.lastT-start)/tMs + 1
		}
		if minMs >= 990 {
			continue
		}
		s.slots = append(s.slots, ambSlot{
			sec: int32(s.sec), p: int16(p.idx), minMs: int16(minMs), blue: p.inBlue, red: p.inRed,
			x: float32(p.x), y: float32(p.y), z: float32(p.z), h: float32(p.health),
			guns: [2]int8{int8(p.guns[0]), int8(p.guns[1])},
			fire: [2]int32{int32(p.fire[0]), int32(p.fire[1])},
			att:  p.gunAtt,
		})
	}
}

// Incidental event kinds: 0 pickup of ammo, an attachment or a heal; 1 a gun
// picked up and dropped again; 2 misc gear; 3 gun equip/unequip; 4 attach;
// 5 detach; 6 door; 7 vault; 8 ammo drop; 9 object destroyed; 10 swim.
// The small and large mixes steer the file toward its target size.
var (
	ambientWeights = []float64{30, 7, 5, 12, 6, 8, 14, 8, 10, 5, 0.1}
	ambientSmall   = []float64{30, 0, 5, 4, 0, 0, 18, 12, 10, 6, 0.1}
	ambientLarge   = []float64{4, 14, 1, 10, 20, 16, 1, 1, 1, 1, 0.1}
	objectTypes    = []string{"Door", "Door", "Door", "Door", "Window", "Fence"}
)

// ambient renders n incidental events over the recorded slots, chosen
// uniformly, from their own random stream. With bytes > 0 it steers the
// mix of kinds so that the n events total about that many bytes.
func (s *sim) ambient(n int, bytes int64) {
	a := s.amb
	E := len(s.slots)
	if n <= 0 || E == 0 {
		return
	}
	// pick slots uniformly (with repetition once every slot is used) and
	// visit them in random order until n events are written
	picks := make([]int32, 0, n)
	for len(picks) < n {
		k := min(n-len(picks), E)
		idx := make([]int32, E)
		for i := range idx {
			idx[i] = int32(i)
		}
		for i := 0; i < k; i++ {
			j := i + a.IntN(E-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
		picks = append(picks, idx[:k]...)
	}
	a.Shuffle(len(picks), func(i, j int) { picks[i], picks[j] = picks[j], picks[i] })
	total, done := n, 0
	start := len(s.e.b)
	for _, i := range picks {
		if done >= total {
			break
		}
		w := ambientWeights
		if bytes > 0 {
			ideal := bytes * int64(done) / int64(total)
			if int64(len(s.e.b)-start) < ideal {
				w = ambientLarge
			} else {
				w = ambientSmall
			}
		}
		done += s.ambientEvent(&s.slots[i], total-done, w)
	}
}

func (s *sim) slotChar(k string, sl *ambSlot) {
	s.e.key(k)
	s.charAt(s.players[sl.p], float64(sl.x), float64(sl.y), float64(sl.z), float64(sl.h), sl.blue, sl.red, false, false, 0, 0, true)
}

func slotGun(sl *ambSlot, slot int) (itemRef, bool) {
	g := int(sl.guns[slot])
	if g < 0 {
		return itemRef{}, false
	}
	w := &weapons[g]
	return itemRef{id: w.item, stack: 1, category: "Weapon", sub: w.class.subCategory(), attached: sl.att[slot]}, true
}

// ambientEvent renders one or two events (never more than budget) and
// returns how many.
func (s *sim) ambientEvent(sl *ambSlot, budget int, weights []float64) int {
	a := s.amb
	tk := at(int(sl.sec), int(sl.minMs)+a.IntN(1000-int(sl.minMs)))
	item := func(et *evType, it itemRef) {
		s.e.begin(tk, et, true)
		s.slotChar("character", sl)
		s.item("item", it)
		s.e.end()
	}
	for {
		switch pickIndex(a, weights) {
		case 0: // pickup of ammunition or loot
			var it itemRef
			switch a.IntN(4) {
			case 0, 1:
				it = itemRef{id: ambientAmmo[a.IntN(len(ambientAmmo))], stack: 10 * (1 + a.IntN(6)), category: "Ammunition", sub: "None"}
			case 2:
				att := attachAR[a.IntN(len(attachAR))]
				it = itemRef{id: att, stack: 1, category: "Attachment", sub: attachSub(att)}
			default:
				k := a.IntN(3)
				it = itemRef{id: healItems[k], stack: 1, category: "Use", sub: "Heal"}
			}
			item(evItemPickup, it)
		case 1: // a gun seen and picked up, then dropped again
			if budget < 2 {
				continue
			}
			w := &weapons[a.IntN(len(weapons))]
			var att []string
			if n := len(w.attaches); n > 0 {
				// a gun on the floor of a looted building, or a teammate's
				// spare, usually with a few attachments on it
				for _, k := range a.Perm(n)[:min(n, a.IntN(5))] {
					att = append(att, w.attaches[k])
				}
			}
			it := itemRef{id: w.item, stack: 1, category: "Weapon", sub: w.class.subCategory(), attached: att}
			item(evItemPickup, it)
			// dropped again within the same second (the player may not
			// live to the next one)
			if rem := 999 - int(tk%tSec/tMs); rem > 0 {
				tk += tMs * int64(1+a.IntN(rem))
			}
			item(evItemDrop, it)
			return 2
		case 2: // misc gear
			g := misc[a.IntN(len(misc))]
			item(evItemPickup, itemRef{id: g.id, stack: 1, category: g.category, sub: g.sub})
		case 3: // gun switch
			it, ok := slotGun(sl, a.IntN(2))
			if !ok {
				continue
			}
			et := evItemEquip
			if a.IntN(2) == 0 {
				et = evItemUnequip
			}
			item(et, it)
		case 4, 5: // attach / detach
			slot := a.IntN(2)
			it, ok := slotGun(sl, slot)
			if !ok || len(sl.att[slot]) == 0 {
				continue
			}
			att := sl.att[slot][a.IntN(len(sl.att[slot]))]
			et := evItemAttach
			if a.IntN(2) == 0 {
				et = evItemDetach
			}
			s.e.begin(tk, et, true)
			s.slotChar("character", sl)
			s.item("parentItem", it)
			s.item("childItem", itemRef{id: att, stack: 1, category: "Attachment", sub: attachSub(att)})
			s.e.end()
		case 6: // door
			s.e.begin(tk, evObjectInteraction, true)
			s.slotChar("character", sl)
			s.e.str("objectType", "Door")
			if a.IntN(2) == 0 {
				s.e.str("objectTypeStatus", "Opening")
			} else {
				s.e.str("objectTypeStatus", "Closing")
			}
			s.e.strs("objectTypeAdditionalInfo", []string{})
			s.e.end()
		case 7: // vault
			s.e.begin(tk, evVaultStart, true)
			s.slotChar("character", sl)
			s.e.bool("isLedgeGrab", a.IntN(4) == 0)
			s.e.bool("isVaultOnVehicle", false)
			s.e.end()
		case 8: // ammunition dropped
			item(evItemDrop, itemRef{id: ambientAmmo[a.IntN(len(ambientAmmo))], stack: 10 * (1 + a.IntN(4)), category: "Ammunition", sub: "None"})
		case 9: // a window, door or fence broken
			s.e.begin(tk, evObjectDestroy, true)
			s.slotChar("character", sl)
			s.e.str("objectType", objectTypes[a.IntN(len(objectTypes))])
			s.e.key("objectLocation")
			s.e.b = appendLoc(s.e.b, float64(sl.x)+float64(a.IntN(400))-200, float64(sl.y)+float64(a.IntN(400))-200, float64(sl.z)+100)
			s.e.end()
		case 10: // a swim, over before the player's next moment of danger
			if budget < 2 {
				continue
			}
			p := s.players[sl.p]
			limit := s.endSec
			if p.st == stDead {
				limit = p.deathSec
			}
			if int(sl.sec)+25 >= limit {
				continue
			}
			s.e.begin(tk, evSwimStart, true)
			s.slotChar("character", sl)
			s.e.end()
			s.e.begin(tk+tSec*int64(3+a.IntN(20)), evSwimEnd, true)
			s.slotChar("character", sl)
			s.e.f32("swimDistance", 300+a.Float64()*4000)
			s.e.f32("maxSwimDepthOfWater", 50+a.Float64()*400)
			s.e.end()
			return 2
		}
		return 1
	}
}

var ambientAmmo = []string{"Item_Ammo_556mm_C", "Item_Ammo_762mm_C", "Item_Ammo_9mm_C", "Item_Ammo_45ACP_C", "Item_Ammo_12Guage_C", "Item_Ammo_300Magnum_C"}

// ---------------------------------------------------------------- finish

// finish fills the file up to the target count with incidental events,
// orders it and builds the Match.
// It returns nil when the match itself (without incidental events) already
// has more events than the profile allows.
func (s *sim) finish() *Match {
	e := s.e
	if len(e.recs) > s.prof.MaxEvents {
		return nil
	}
	need := s.target - len(e.recs)
	var bytes int64
	if s.targetBytes > 0 {
		core := int64(1) // '[' ']' and the commas between the core events
		for _, r := range e.recs {
			core += int64(r.end-r.off) + 1
		}
		bytes = s.targetBytes - core - int64(need)
		if bytes < 1 {
			bytes = 1
		}
	}
	s.ambient(need, bytes)
	s.slots = nil
	e.order()
	if s.opt.Oddities {
		s.oddOrder()
	}
	var size int64 = 2
	for i, r := range e.recs {
		if i > 0 {
			size++
		}
		size += int64(r.end - r.off)
	}
	m := &Match{
		ID:          s.matchID,
		TelemetryID: s.telemID,
		MapName:     s.mp.name,
		GameMode:    s.mode,
		GameType:    s.gameType,
		TeamSize:    s.teamSize,
		CreatedAt:   s.created,
		Duration:    s.endSec,
		Profile:     s.prof.Name,
		Seed:        s.opt.Seed,
		arena:       e.b,
		recs:        e.recs,
		size:        size,
	}
	for _, p := range s.players {
		tm := p.team
		m.Players = append(m.Players, Player{
			AccountID:     p.account,
			Name:          p.name,
			ParticipantID: p.participant,
			TeamID:        tm.id,
			Bot:           p.bot,
			Tracked:       p.tracked,
			TeamRank:      tm.rank,
			Won:           tm.rank == 1,
			Died:          p.st == stDead,
			TimeSurvived:  s.timeSurvived(p),
			Kills:         p.kills,
			DBNOs:         p.dbnos,
			Assists:       p.assists,
			Headshots:     p.headshots,
			Revives:       p.revives,
			Heals:         p.healsUsed,
			Boosts:        p.boostsUsed,
			DamageDealt:   math.Round(p.damageDealt*1000) / 1000,
			LongestKill:   math.Round(p.longestKill*100) / 100,
			WalkDistance:  math.Round(p.distFoot) / 100,
			RideDistance:  math.Round(p.distVeh) / 100,
		})
	}
	return m
}
