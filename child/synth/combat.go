package synth

import (
	"math"
)

const (
	pendGrenade = iota + 1
	pendMolotov
	pendCareLand
)

// combat lets every standing player look for, keep or drop a target and
// shoot at it. Fights are not scripted: they start when enemies come near.
func (s *sim) combat() {
	s.act = s.act[:0]
	for _, p := range s.players {
		if p.active() {
			s.act = append(s.act, p)
		}
	}
	for _, i := range s.rng.Perm(len(s.act)) {
		p := s.act[i]
		if p.st != stGround || p.veh != nil || p.reviving != nil || s.sec < p.landSec+2 {
			continue
		}
		s.fight(p)
		if s.over {
			return
		}
	}
	s.novelty()
}

func (p *player) maxRange() float64 {
	rng := classFists.engageRange()
	for _, g := range p.guns {
		if g >= 0 {
			rng = math.Max(rng, weapons[g].class.engageRange())
		}
	}
	return rng
}

// slotFor picks the gun for a distance: the shortest-ranged one that still
// reaches, or the longest.
func (p *player) slotFor(d float64) int {
	best, bestR := -1, math.Inf(1)
	longest, longR := -1, 0.0
	for i, g := range p.guns {
		if g < 0 {
			continue
		}
		r := weapons[g].class.engageRange()
		if r >= d && r < bestR {
			best, bestR = i, r
		}
		if r > longR {
			longest, longR = i, r
		}
	}
	if best >= 0 {
		return best
	}
	return longest
}

func (s *sim) fight(p *player) {
	sec := s.sec
	r := s.rng
	R := p.maxRange()
	t := p.target
	keep := t != nil && t.active() && p.engagedAt >= sec-4 && dist(p, t) < R*1.3 && r.Float64() < 0.93
	// break off a long-range fight, or fall back when hurt
	if keep && t.st == stGround && ((dist(p, t) > 3000 && r.Float64() < 0.08) || (p.health < 35 && r.Float64() < 0.15)) {
		p.target = nil
		p.engagedAt = sec - 5
		return
	}
	if !keep {
		t = s.pickTarget(p, R)
	}
	p.target = t
	if t == nil {
		return
	}
	d := dist(p, t)
	p.engagedAt = sec
	p.team.fightAt = sec
	p.healEnd = 0
	if t.st == stGround && t.veh == nil && t.reviving == nil && (t.target == nil || t.engagedAt < sec-4) && r.Float64() < 0.85 {
		t.target = p
		t.engagedAt = sec
		t.team.fightAt = sec
	}
	if t.veh != nil && r.Float64() < 0.5 {
		s.dismount(t.team)
	}
	// a grenade or a molotov now and then at mid range
	if d > 500 && d < 6000 && t.st == stGround && r.Float64() < 0.15 {
		if s.throwAt(p, t) {
			return
		}
	}
	// smoke to cover a knocked teammate, or to get away when hurt
	if p.throws[thSmoke] > 0 && r.Float64() < 0.08 {
		for _, m := range p.team.members {
			if m.st == stKnocked && dist(p, m) < 3000 {
				s.throwUtility(p, thSmoke, m.x, m.y)
				return
			}
		}
		if p.health < 45 {
			s.throwUtility(p, thSmoke, p.x, p.y)
			p.target = nil
			return
		}
	}
	slot := p.slotFor(d)
	if slot < 0 {
		if d < 250 {
			s.punch(p, t, d)
		}
		return
	}
	w := &weapons[p.guns[slot]]
	if d > w.class.engageRange()*1.3 {
		return
	}
	shots := 1
	switch w.class {
	case classAR, classSMG, classLMG:
		shots = 3 + r.IntN(2)
		if d < 3000 {
			shots += 1 + r.IntN(2)
		}
	case classDMR, classPistol:
		shots = 1 + r.IntN(2)
	case classSR:
		if (sec+p.idx)%2 == 0 {
			return
		}
	}
	base := r.IntN(500)
	for k := 0; k < shots && t.alive() && !s.over; k++ {
		s.shoot(p, t, slot, w, d, at(sec, base+k*(60+r.IntN(40))))
	}
}

// exposed reports whether t is out of cover this second: shots at a player in
// cover miss.
func (s *sim) exposed(t *player) bool {
	if t.exposedSec != s.sec {
		t.exposedSec = s.sec
		pr := 0.35
		if t.st == stKnocked {
			pr = 0.8
		}
		t.exposedNow = s.rng.Float64() < pr
	}
	return t.exposedNow
}

func (s *sim) pickTarget(p *player, R float64) *player {
	r := s.rng
	var nA, nK *player
	dA, dK := math.Inf(1), math.Inf(1)
	for _, q := range s.act {
		if q.team == p.team || !q.active() || s.sec < q.landSec {
			continue
		}
		d := dist(p, q)
		if q.st == stKnocked {
			if d < dK {
				nK, dK = q, d
			}
		} else if d < dA {
			nA, dA = q, d
		}
	}
	// join a teammate's fight
	for _, m := range p.team.members {
		if m == p || m.target == nil || m.engagedAt < s.sec-3 || !m.target.active() {
			continue
		}
		if dist(p, m.target) < R && r.Float64() < 0.6 {
			return m.target
		}
	}
	// finish a knocked enemy: our own knock, or someone else's (a steal)
	if nK != nil && dK < 3500 {
		own := nK.knocker != nil && nK.knocker.team == p.team
		if (own && r.Float64() < 0.75) || (!own && r.Float64() < 0.4 && (nA == nil || dA > 1200)) {
			return nK
		}
	}
	if nA == nil || dA > R {
		return nil
	}
	var pe float64
	switch {
	case dA < 1000:
		pe = 0.7
	case dA < 3000:
		pe = 0.5
	case dA < 8000:
		pe = 0.32
	case dA < 15000:
		pe = 0.2
	default:
		pe = 0.1
	}
	pe *= 0.35
	if p.bot {
		pe *= 0.6
	}
	if s.sec < p.lootEnd {
		// looting: only someone in the same building gets shot at
		if dA > 3000 {
			pe *= 0.01
		} else {
			pe *= 0.15
		}
	}
	if nA.veh != nil {
		pe *= 0.5
	}
	if r.Float64() < pe {
		return nA
	}
	return nil
}

var (
	partNames  = []string{"TorsoShot", "ArmShot", "LegShot", "PelvisShot", "HeadShot", "NonSpecific"}
	partWeight = []float64{42, 16, 14, 12, 13, 3}
)

// magSize is the magazine of a weapon class, for fireWeaponStackCount.
func magSize(c weaponClass) int {
	switch c {
	case classAR, classSMG:
		return 30
	case classDMR:
		return 20
	case classSR, classShotgun:
		return 5
	case classLMG:
		return 75
	case classPistol:
		return 15
	}
	return 1
}

func (s *sim) nextAttack() int {
	s.attackID += 1 + s.rng.IntN(3)
	return s.attackID
}

func (s *sim) shoot(p, t *player, slot int, w *weapon, d float64, tk int64) {
	r := s.rng
	id := s.nextAttack()
	p.fire[slot]++
	p.ws[p.guns[slot]].shots++
	mag := magSize(w.class)
	s.renderAttack(tk, p, s.gunItem(p, slot), id, mag-1-(p.fire[slot]-1)%mag)
	if p.fire[slot]%10 == 0 {
		s.begin(tk+tMs, evWeaponFireCount, p)
		s.charKey("character", p)
		s.e.str("weaponId", w.item)
		s.e.int("fireCount", 10)
		s.e.end()
	}
	hit := clamp(0.3-0.25*d/w.class.engageRange(), 0.04, 0.3)
	if w.class == classShotgun && d < 1500 {
		hit = 0.55
	}
	if p.bot {
		hit *= 0.55
	}
	if t.st == stKnocked {
		hit = math.Min(0.9, hit*1.6)
	}
	if !s.exposed(t) || r.Float64() >= hit {
		return
	}
	if t.veh != nil && r.IntN(2) == 0 {
		// the car takes the bullet
		dmg := w.damage * (0.2 + 0.2*r.Float64())
		t.veh.health = math.Max(5, t.veh.health-dmg)
		s.vehicleDamage(tk+tMs, p, t.veh, id, "Damage_Gun", w.causer, dmg, d)
		return
	}
	part := pickIndex(r, partWeight)
	mult := 1.0
	switch partNames[part] {
	case "TorsoShot":
		mult = armorFactor[t.vest]
	case "ArmShot":
		mult = 0.6
	case "LegShot":
		mult = 0.5
	case "PelvisShot":
		mult = 0.95 * armorFactor[t.vest]
	case "HeadShot":
		mult = 2.1 * armorFactor[t.helmet]
		if w.class == classSR {
			mult = 2.5 * armorFactor[t.helmet]
		}
	}
	dmg := w.damage * mult * (0.92 + 0.16*r.Float64())
	if w.class == classShotgun {
		dmg *= clamp(1.3-d/3000, 0.3, 1.2)
	}
	info := dmgInfo{
		reason: partNames[part], category: "Damage_Gun", causer: w.causer,
		addl: p.gunAtt[slot], distance: d, wall: r.IntN(60) == 0,
		wi: p.guns[slot] + 1, part: part,
	}
	s.applyDamage(tk+tMs*(1+int64(r.IntN(40))), p, t, info, dmg, id, false)
}

func (s *sim) punch(p, t *player, d float64) {
	id := s.nextAttack()
	f := p.fists()
	tk := at(s.sec, s.rng.IntN(800))
	p.ws[len(weapons)].shots++
	s.renderAttack(tk, p, itemRef{category: "Weapon", sub: "Melee"}, id, 0)
	if s.rng.Float64() < 0.55 {
		part := pickIndex(s.rng, partWeight[:5])
		info := dmgInfo{reason: partNames[part], category: "Damage_Punch", causer: f.causer, distance: d, wi: len(weapons) + 1, part: part}
		s.applyDamage(tk+tMs*3, p, t, info, f.damage*(0.8+0.4*s.rng.Float64()), id, false)
	}
}

// throwAt throws a grenade or a molotov at t; the blast comes 2–3 s later.
func (s *sim) throwAt(p, t *player) bool {
	kind := -1
	if p.throws[thGrenade] > 0 {
		kind = thGrenade
	}
	if p.throws[thMolotov] > 0 && (kind < 0 || s.rng.IntN(3) == 0) {
		kind = thMolotov
	}
	if kind < 0 {
		return false
	}
	if p.throws[thFlash] > 0 && s.rng.IntN(4) == 0 {
		s.throwUtility(p, thFlash, t.x, t.y)
	}
	id := s.throwUtility(p, kind, t.x, t.y)
	pk := pendGrenade
	if kind == thMolotov {
		pk = pendMolotov
	}
	s.pend = append(s.pend, pending{
		sec: s.sec + 2 + s.rng.IntN(2), kind: pk,
		x: t.x + (s.rng.Float64()*2-1)*350, y: t.y + (s.rng.Float64()*2-1)*350,
		att: p, attackID: id, ticks: 3,
	})
	return true
}

// throwUtility renders a throw (LogPlayerUseThrowable + LogPlayerAttack).
func (s *sim) throwUtility(p *player, kind int, x, y float64) int {
	p.throws[kind]--
	p.thrown++
	id := s.nextAttack()
	tk := at(s.sec, s.rng.IntN(800))
	it := itemRef{id: throwItems[kind], stack: 1, category: "Equipment", sub: "Throwable"}
	s.begin(tk, evUseThrowable, p)
	s.e.int("attackId", id)
	s.e.int("fireWeaponStackCount", p.throws[kind])
	s.charKey("attacker", p)
	s.e.str("attackType", "Weapon")
	s.item("weapon", it)
	s.e.end()
	s.renderAttack(tk+tMs, p, it, id, p.throws[kind])
	return id
}

// novelty: snowballs and apples thrown at whoever is near, harmlessly.
func (s *sim) novelty() {
	r := s.rng
	for _, p := range s.act {
		if p.st != stGround || p.veh != nil || p.engagedAt >= s.sec-10 {
			continue
		}
		kind := -1
		switch {
		case p.throws[thSnowball] > 0:
			kind = thSnowball
		case p.throws[thApple] > 0:
			kind = thApple
		default:
			continue
		}
		if r.Float64() > 0.01 {
			continue
		}
		s.throwUtility(p, kind, p.x, p.y)
	}
}

// effects resolves pending grenade blasts and molotov fires.
func (s *sim) effects() {
	r := s.rng
	keep := s.pend[:0]
	for _, pd := range s.pend {
		if pd.sec != s.sec || pd.kind == pendCareLand {
			if pd.sec >= s.sec {
				keep = append(keep, pd)
			}
			continue
		}
		switch pd.kind {
		case pendGrenade:
			tk := at(s.sec, r.IntN(900))
			for _, q := range s.act {
				if !q.active() || q.team == pd.att.team {
					continue
				}
				d := math.Hypot(q.x-pd.x, q.y-pd.y)
				if d > 900 {
					continue
				}
				dmg := 5 + 125*math.Pow(1-d/900, 1.3)
				info := dmgInfo{reason: "NonSpecific", category: "Damage_Explosion_Grenade", causer: "ProjGrenade_C", distance: dist(pd.att, q)}
				s.applyDamage(tk, pd.att, q, info, dmg, pd.attackID, false)
				tk += tMs
			}
		case pendMolotov:
			tk := at(s.sec, r.IntN(900))
			causer := "BP_MolotovFireDebuff_C"
			if pd.ticks == 3 {
				causer = "ProjMolotov_C"
			}
			for _, q := range s.act {
				if !q.active() || q.team == pd.att.team {
					continue
				}
				if math.Hypot(q.x-pd.x, q.y-pd.y) > 450 {
					continue
				}
				info := dmgInfo{reason: "NonSpecific", category: "Damage_Molotov", causer: causer, distance: dist(pd.att, q)}
				s.applyDamage(tk, pd.att, q, info, 8+5*r.Float64(), pd.attackID, false)
				tk += tMs
			}
			if pd.ticks > 1 {
				pd.ticks--
				pd.sec++
				keep = append(keep, pd)
			}
		}
	}
	s.pend = keep
}

// ---------------------------------------------------------------- damage, knocks and kills

// applyDamage renders LogPlayerTakeDamage and resolves a knock or a kill.
// att nil is the environment (blue zone, red zone, bleeding out).
func (s *sim) applyDamage(tk int64, att, vic *player, info dmgInfo, dmg float64, attackID int, inVehicle bool) {
	if !vic.active() || s.over {
		return
	}
	dmg = math.Min(dmg, vic.health)
	if dmg <= 0 {
		return
	}
	// the victim's health in the event is the value before the hit
	s.renderDamage(tk, att, vic, info, dmg, attackID)
	knocked := vic.st == stKnocked
	vic.health -= dmg
	if vic.health < 0.01 {
		vic.health = 0
	}
	vic.hitAt = s.sec
	var ws *wstat
	if att != nil && info.wi > 0 {
		ws = &att.ws[info.wi-1]
		if knocked {
			ws.dbnoDamage += dmg
			ws.dbnoHits++
		} else {
			ws.damage += dmg
			ws.hits++
		}
		ws.parts[info.part].hits++
	}
	if att != nil && att.team != vic.team {
		att.damageDealt += dmg
		vic.damagers = append(vic.damagers, damager{att, s.sec})
		if len(vic.damagers) > 12 {
			vic.damagers = vic.damagers[1:]
		}
		if info.reason == "HeadShot" && vic.health == 0 {
			att.headshots++
		}
		if info.category == "Damage_Gun" && s.rng.Float64() < 0.012 {
			s.armorDestroy(tk+tMs/2, att, vic, info, attackID)
		}
	}
	if vic.reviving != nil {
		vic.reviving.reviver = nil
		vic.reviving = nil
	}
	if vic.veh != nil {
		s.dismount(vic.team)
	}
	if vic.health > 0 {
		return
	}
	tk += tMs
	switch {
	case vic.st == stKnocked:
		s.kill(tk, vic, att, info, attackID)
		if ws != nil {
			ws.parts[info.part].kills++
		}
	case s.canKnock(vic):
		s.knock(tk, att, vic, info, attackID, inVehicle)
		if ws != nil {
			ws.parts[info.part].dbnos++
		}
	default:
		s.kill(tk, vic, att, info, attackID)
		if ws != nil {
			ws.parts[info.part].kills++
		}
	}
}

// armorDestroy breaks the victim's helmet or vest.
func (s *sim) armorDestroy(tk int64, att, vic *player, info dmgInfo, attackID int) {
	var it itemRef
	switch {
	case info.reason == "HeadShot" && vic.helmet > 0:
		g := helmets[[4]int{0, 0, 1, 3}[vic.helmet]]
		it = itemRef{id: g.id, stack: 1, category: g.category, sub: g.sub}
		vic.helmet = 0
	case info.reason == "TorsoShot" && vic.vest > 0:
		g := vests[vic.vest-1]
		it = itemRef{id: g.id, stack: 1, category: g.category, sub: g.sub}
		vic.vest = 0
	default:
		return
	}
	s.begin(tk, evArmorDestroy, vic)
	s.e.int("attackId", attackID)
	s.charKey("attacker", att)
	s.charKey("victim", vic)
	s.e.str("damageTypeCategory", info.category)
	s.e.str("damageReason", info.reason)
	s.e.str("damageCauserName", info.causer)
	s.item("item", it)
	s.e.f32("distance", info.distance)
	s.e.end()
}

func (s *sim) canKnock(v *player) bool {
	if s.teamSize == 1 {
		return false
	}
	for _, m := range v.team.members {
		if m != v && m.st == stGround {
			return true
		}
	}
	return false
}

func (s *sim) knock(tk int64, att, vic *player, info dmgInfo, attackID int, inVehicle bool) {
	s.dbnoID++
	vic.st = stKnocked
	vic.dbno = s.dbnoID << 24
	vic.knocks++
	vic.health = 100
	vic.knocker = att
	vic.knockInfo = info
	vic.target = nil
	vic.healEnd = 0
	vic.reviver = nil
	if att != nil && att.team != vic.team {
		att.dbnos++
	}
	s.renderGroggy(tk, att, vic, info, attackID, inVehicle)
}

func (s *sim) kill(tk int64, vic, finisher *player, info dmgInfo, attackID int) {
	wasKnocked := vic.st == stKnocked
	vic.st = stDead
	vic.health = 0
	vic.deathSec = s.sec
	vic.target = nil
	if vic.reviver != nil {
		vic.reviver.reviving = nil
		vic.reviver = nil
	}
	s.alive--
	vic.indRank = s.alive + 1
	var maker *player
	dbno := -1
	if wasKnocked {
		dbno = vic.dbno
		maker = vic.knocker
	}
	killer := finisher
	if maker != nil && (finisher == nil || finisher.team == maker.team) {
		killer = maker
	}
	if killer != nil && killer.team != vic.team {
		killer.kills++
		if d := dist(killer, vic) / 100; d > killer.longestKill {
			killer.longestKill = d
		}
	}
	var assists []*player
	for _, dm := range vic.damagers {
		if dm.p == killer || dm.p.team == vic.team || s.sec-dm.sec > 60 {
			continue
		}
		dup := false
		for _, a := range assists {
			dup = dup || a == dm.p
		}
		if !dup {
			assists = append(assists, dm.p)
			dm.p.assists++
		}
	}
	// team eliminated?
	tm := vic.team
	out := true
	for _, m := range tm.members {
		if m.alive() {
			out = false
		}
	}
	if out && !tm.elim {
		tm.elim = true
		tm.rank = s.aliveTeam
		s.aliveTeam--
		for _, m := range tm.members {
			m.ranking = tm.rank
		}
		if tm.veh != nil {
			tm.veh = nil
		}
	}
	s.renderKill(tk, vic, dbno, maker, finisher, killer, info, attackID, assists)
	s.lootBox(vic, killer)
	// the last one standing is gone: knocked teammates bleed out at once
	if !out && !s.anyStanding(tm) {
		for _, m := range tm.members {
			if m.st == stKnocked {
				tk += tMs
				s.kill(tk, m, nil, dmgInfo{reason: "None", category: "Damage_Groggy", causer: "", distance: 0}, -1)
			}
		}
	}
	if s.aliveTeam <= 1 && !s.over {
		s.over = true
		s.endSec = s.sec + 2 + s.rng.IntN(3)
	}
}

func (s *sim) anyStanding(tm *team) bool {
	for _, m := range tm.members {
		if m.st == stGround {
			return true
		}
	}
	return false
}

// knockedPlayers bleeds knocked players out and lets teammates revive them.
func (s *sim) knockedPlayers() {
	r := s.rng
	sec := s.sec
	for _, v := range s.players {
		if v.st != stKnocked || s.over {
			continue
		}
		if v.reviver != nil {
			m := v.reviver
			if m.st != stGround || m.hitAt == sec {
				m.reviving = nil
				v.reviver = nil
			} else if sec >= v.reviveEnd {
				v.st = stGround
				v.health = 10
				v.knocker = nil
				v.reviver = nil
				m.reviving = nil
				m.revives++
				s.begin(at(sec, r.IntN(900)), evRevive, m, v)
				s.charKey("reviver", m)
				s.charKey("victim", v)
				s.e.int("dBNOId", v.dbno)
				s.e.end()
				continue
			}
		}
		bleed := 1.1 * (1 + 0.6*float64(v.knocks-1))
		info := v.knockInfo
		info.category = "Damage_Groggy"
		info.reason = "None"
		info.addl = nil
		info.wi = 0
		s.applyDamage(at(sec, r.IntN(900)), v.knocker, v, info, bleed, -1, false)
		if v.st != stKnocked || v.reviver != nil {
			continue
		}
		// a teammate close by with no enemy around starts a revive
		safe := true
		for _, q := range s.act {
			if q.team != v.team && q.st == stGround && dist(q, v) < 2500 {
				safe = false
				break
			}
		}
		if !safe {
			continue
		}
		for _, m := range v.team.members {
			if m == v || m.st != stGround || m.veh != nil || m.reviving != nil || m.engagedAt >= sec-2 || dist(m, v) > 3000 {
				continue
			}
			if r.Float64() < 0.4 {
				m.reviving = v
				m.target = nil
				m.healEnd = 0
				m.x, m.y = v.x+80, v.y+60
				v.reviver = m
				v.reviveEnd = sec + 10
			}
			break
		}
	}
}

// zoneDamage ticks the blue zone (every second outside the circle) and the
// red-zone bombs.
func (s *sim) zoneDamage() {
	r := s.rng
	sec := s.sec
	bx, by, br := s.blueAt(sec)
	dps := s.dpsAt(sec)
	rz := s.redAt(sec)
	for _, p := range s.players {
		p.inBlue, p.inRed = false, false
		if !p.active() || s.over {
			continue
		}
		if rz != nil && math.Hypot(p.x-rz.x, p.y-rz.y) < rz.r {
			p.inRed = true
			if r.Float64() < 0.02 {
				info := dmgInfo{reason: "NonSpecific", category: "Damage_Explosion_RedZone", causer: "RedZoneBomb_C"}
				s.applyDamage(at(sec, r.IntN(900)), nil, p, info, 20+r.Float64()*60, -1, false)
				if !p.active() {
					continue
				}
			}
		}
		if math.Hypot(p.x-bx, p.y-by) <= br {
			continue
		}
		p.inBlue = true
		if sec < s.phases[0].shrinkStart {
			continue
		}
		info := dmgInfo{reason: "NonSpecific", category: "Damage_BlueZone", causer: s.mp.blueZone}
		s.applyDamage(at(sec, r.IntN(900)), nil, p, info, dps, -1, false)
	}
}

// healing uses heals after a fight and boosts when calm.
func (s *sim) healing() {
	r := s.rng
	sec := s.sec
	for _, p := range s.players {
		if p.st != stGround || s.over {
			continue
		}
		if p.boost > 0 {
			// boosts heal in ticks every 8 s, some of them for nothing
			p.boost = math.Max(0, p.boost-0.55)
			if (sec-p.posPhase)%8 == 0 {
				amt := 1.0
				switch {
				case p.boost > 90:
					amt = 4
				case p.boost > 60:
					amt = 3
				case p.boost > 20:
					amt = 2
				}
				s.renderHeal(at(sec, r.IntN(900)), p, math.Min(amt, 100-p.health))
			}
		}
		if p.healEnd > 0 {
			if p.hitAt > p.healStart {
				p.healEnd = 0
				continue
			}
			if sec >= p.healEnd {
				s.finishHeal(p)
			}
			continue
		}
		if p.veh != nil || p.reviving != nil || p.engagedAt >= sec-8 || sec < p.landSec+5 {
			continue
		}
		kind := -1
		switch {
		case p.health < 50 && p.heals[healMedKit] > 0:
			kind = healMedKit
		case p.health < 70 && p.heals[healFirstAid] > 0:
			kind = healFirstAid
		case p.health < 75 && p.heals[healBandage] > 0:
			kind = healBandage
		}
		if kind >= 0 {
			p.healKind = kind
			p.healStart = sec
			p.healEnd = sec + []int{4, 6, 8}[kind]
			continue
		}
		if p.boost < 30 && r.Float64() < 0.05 {
			for b := 2; b >= 0; b-- {
				if p.boosts[b] > 0 && (b != boostAdrenaline || p.health < 60) {
					p.healKind = 3 + b
					p.healStart = sec
					p.healEnd = sec + []int{4, 6, 8}[b]
					break
				}
			}
		}
	}
}

func (s *sim) finishHeal(p *player) {
	p.healEnd = 0
	tk := at(s.sec, s.rng.IntN(800))
	if p.healKind >= 3 {
		b := p.healKind - 3
		p.lastBoost = b
		p.boosts[b]--
		p.boostsUsed++
		p.boost = math.Min(100, p.boost+boostAmount[b])
		s.renderItemUse(tk, p, itemRef{id: boostItems[b], stack: 1, category: "Use", sub: "Boost"})
		return
	}
	k := p.healKind
	p.heals[k]--
	p.healsUsed++
	before := p.health
	switch k {
	case healMedKit:
		p.health = 100
	case healFirstAid:
		p.health = math.Max(p.health, 75)
	case healBandage:
		p.health = math.Min(75, p.health+10)
	}
	it := itemRef{id: healItems[k], stack: 1, category: "Use", sub: "Heal"}
	s.renderItemUse(tk, p, it)
	after := p.health
	p.health = before
	s.renderHeal(tk+tMs, p, after-before)
}

// renderHeal writes a LogHeal tick and applies it. Its item is garbage in
// real files: empty ids and an uninitialised stackCount.
func (s *sim) renderHeal(tk int64, p *player, amount float64) {
	s.begin(tk, evHeal, p)
	s.charKey("character", p)
	if s.rng.IntN(300) == 0 {
		s.item("item", itemRef{id: healItems[healMedKit], stack: 1, category: "Use", sub: "Heal"})
	} else {
		s.item("item", itemRef{stack: 1 + s.rng.IntN(2000000000)})
	}
	s.e.f32("healAmount", amount)
	s.e.end()
	p.health = math.Min(100, p.health+amount)
}

// forceEnd closes a match that outlived the last circle: the blue zone takes
// everyone but the healthiest team.
func (s *sim) forceEnd() {
	var best *team
	bestHP := -1.0
	for _, tm := range s.teams {
		if tm.elim {
			continue
		}
		hp := 0.0
		for _, m := range tm.members {
			if m.st == stGround {
				hp += m.health
			}
		}
		if hp > bestHP {
			best, bestHP = tm, hp
		}
	}
	info := dmgInfo{reason: "NonSpecific", category: "Damage_BlueZone", causer: s.mp.blueZone}
	for _, p := range s.players {
		if p.team == best || !p.active() || s.over {
			continue
		}
		for p.active() && !s.over {
			s.applyDamage(at(s.sec, s.rng.IntN(900)), nil, p, info, 100, -1, false)
		}
	}
}
