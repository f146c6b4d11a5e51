package synth

import (
	"math"
)

// run simulates the match second by second; nil means it came out outside
// the profile's ranges.
func (s *sim) run() *Match {
	s.lobby()
	hardEnd := s.phases[len(s.phases)-1].shrinkEnd + 240
	for s.sec = 1; ; s.sec++ {
		sec := s.sec
		if sec == s.S {
			s.matchStart()
		}
		if sec >= s.S {
			s.plane()
			s.zoneEvents()
			s.teamMoves()
			s.movePlayers()
			s.looting()
			s.combat()
			s.effects()
			s.knockedPlayers()
			s.zoneDamage()
			s.healing()
			s.positions()
			s.gameState()
			s.recordSlots()
		}
		if !s.over && sec >= hardEnd {
			s.forceEnd()
		}
		if s.over && sec >= s.endSec {
			break
		}
	}
	s.matchEnd()
	return s.finish()
}

// ---------------------------------------------------------------- lobby

func (s *sim) lobby() {
	r := s.rng
	lx, ly := s.mp.size*0.06, s.mp.size*0.92
	last := s.S - 8
	for _, p := range s.players {
		p.st = stLobby
		p.x = lx + r.Float64()*9000
		p.y = ly + r.Float64()*9000
		p.z = 1200 + r.Float64()*300
	}
	// logins arrive over the lobby; each player is created right after
	order := r.Perm(len(s.players))
	for i, k := range order {
		p := s.players[k]
		sec := 1 + i*(last-2)/len(s.players)
		ms := r.IntN(900)
		s.e.begin(at(sec, ms), evPlayerLogin, false)
		s.e.str("accountId", p.account)
		s.e.end()
		s.e.begin(at(sec, ms+20+r.IntN(60)), evPlayerCreate, false)
		s.charKey("character", p)
		s.e.end()
	}
	// a few punches on the starting island (isGame 0, no one dies)
	n := 3 + r.IntN(6)
	for i := 0; i < n; i++ {
		a := s.players[r.IntN(len(s.players))]
		v := s.players[r.IntN(len(s.players))]
		if a == v {
			continue
		}
		sec := s.S/2 + r.IntN(s.S/2-4)
		t := at(sec, r.IntN(900))
		id := s.nextAttack()
		fist := a.fists()
		s.e.begin(t, evPlayerAttack, false)
		s.e.int("attackId", id)
		s.e.int("fireWeaponStackCount", 0)
		s.charKey("attacker", a)
		s.e.str("attackType", "Weapon")
		s.e.key("weapon")
		s.e.b = appendItem(s.e.b, "", 0, "Weapon", "Melee", nil)
		s.e.null("vehicle")
		s.e.end()
		dmg := math.Min(fist.damage*(0.8+0.4*r.Float64()), v.health-40)
		if dmg <= 0 {
			continue
		}
		s.renderDamage(t+tMs, a, v, dmgInfo{reason: "TorsoShot", category: "Damage_Punch", causer: fist.causer}, dmg, id)
		v.health -= dmg
	}
}

func (p *player) fists() *weapon {
	if p.female {
		return &fistsFemale
	}
	return &fistsMale
}

func (s *sim) matchStart() {
	sec := s.S
	for _, p := range s.players {
		p.health = 100
		p.st = stPlane
		p.x, p.y = s.planeAt(float64(sec))
		p.z = 150000
	}
	// LogMatchDefinition: first in the file, stamped later than what follows
	s.e.begin(at(sec-3, s.rng.IntN(900)), evMatchDefinition, false)
	s.e.noComm = true
	s.e.str("MatchId", s.telemID)
	s.e.str("PingQuality", "")
	s.e.end()
	s.e.recs[len(s.e.recs)-1].pinned = true

	s.e.begin(at(sec, 0), evMatchStart, false)
	s.e.str("mapName", s.mp.name)
	s.e.str("weatherId", s.weather)
	s.e.key("characters")
	s.e.b = append(s.e.b, '[')
	for i, p := range s.players {
		if i > 0 {
			s.e.b = append(s.e.b, ',')
		}
		s.wrapper(p, false)
	}
	s.e.b = append(s.e.b, ']')
	if s.tpp {
		s.e.str("cameraViewBehaviour", "FpsAndTps")
	} else {
		s.e.str("cameraViewBehaviour", "FpsOnly")
	}
	s.e.int("teamSize", s.teamSize)
	s.e.bool("isCustomGame", false)
	s.e.bool("isEventMode", false)
	s.e.str("blueZoneCustomOptions", "[]")
	s.e.end()
}

// ---------------------------------------------------------------- plane & parachutes

func (s *sim) plane() {
	sec := s.sec
	for _, p := range s.players {
		switch p.st {
		case stPlane:
			if sec >= p.jumpSec {
				p.st = stAir
			} else {
				p.x, p.y = s.planeAt(float64(sec))
				continue
			}
			fallthrough
		case stAir:
			if sec >= p.landSec {
				s.land(p)
				continue
			}
			u := float64(sec-p.jumpSec) / float64(p.landSec-p.jumpSec)
			p.x = p.jx + (p.lx-p.jx)*u
			p.y = p.jy + (p.ly-p.jy)*u
			gz := groundZ(p.x, p.y)
			p.z = 150000 + (gz-150000)*u
		}
	}
}

func (s *sim) land(p *player) {
	p.st = stGround
	p.x, p.y = p.lx, p.ly
	p.z = groundZ(p.x, p.y)
	s.begin(at(s.sec, s.rng.IntN(900)), evParachuteLanding, p)
	s.charKey("character", p)
	s.e.f32("distance", p.distPara)
	s.e.end()
	s.planLoot(p)
}

// ---------------------------------------------------------------- zones

func (s *sim) zoneEvents() {
	sec := s.sec
	r := s.rng
	for i, ph := range s.phases {
		// LogPhaseChange fires at the warning and again at the shrink; its
		// elapsedTime is not populated
		if sec == ph.appear || sec == ph.shrinkStart {
			s.e.begin(at(sec, r.IntN(200)), evPhaseChange, false)
			s.e.int("phase", i+1)
			s.e.int("elapsedTime", 0)
			s.e.end()
		}
		if sec == ph.appear && (i == 2 || i == 4) {
			s.spawnCarePackage(ph)
		}
	}
	for i := range s.reds {
		if sec == s.reds[i].start {
			// the red zone "attacks" once, from an empty sentinel character
			s.e.begin(at(sec, r.IntN(900)), evPlayerAttack, false)
			s.e.int("attackId", s.nextAttack())
			s.e.int("fireWeaponStackCount", 0)
			s.e.key("attacker")
			s.e.b = append(s.e.b, sentinelChar...)
			s.e.str("attackType", "RedZone")
			s.item("weapon", itemRef{})
			s.e.null("vehicle")
			s.e.end()
		}
		if sec == s.reds[i].end {
			s.e.begin(at(sec, r.IntN(900)), evRedZoneEnded, false)
			s.e.key("drivers")
			s.e.b = append(s.e.b, '[', ']')
			s.e.end()
		}
	}
	for i := range s.pend {
		pd := &s.pend[i]
		if pd.kind == pendCareLand && pd.sec == sec {
			s.landCarePackage(pd)
		}
	}
}

func (s *sim) spawnCarePackage(ph phase) {
	r := s.rng
	ang := r.Float64() * 2 * math.Pi
	d := ph.r * math.Sqrt(r.Float64()) * 0.9
	x := clamp(ph.cx+math.Cos(ang)*d, 1000, s.mp.size-1000)
	y := clamp(ph.cy+math.Sin(ang)*d, 1000, s.mp.size-1000)
	s.carePkgs++
	id := carePackages[r.IntN(len(carePackages))]
	items := make([]string, 0, 4)
	for _, k := range r.Perm(len(carePackageLoot))[:3+r.IntN(2)] {
		items = append(items, carePackageLoot[k])
	}
	s.renderCarePackage(at(s.sec+20, r.IntN(900)), evCarePackageSpawn, id, x, y, 60000, items)
	s.pend = append(s.pend, pending{sec: s.sec + 75, kind: pendCareLand, x: x, y: y, attackID: s.carePkgs, ticks: len(items)})
	s.careItems = append(s.careItems, careDrop{id: id, items: items})
}

func (s *sim) landCarePackage(pd *pending) {
	r := s.rng
	cd := s.careItems[pd.attackID-1]
	s.renderCarePackage(at(s.sec, r.IntN(900)), evCarePackageLand, cd.id, pd.x, pd.y, groundZ(pd.x, pd.y), cd.items)
	// the nearest standing player within 80 m loots it
	var best *player
	bd := 8000.0
	for _, p := range s.players {
		if p.st != stGround || p.veh != nil {
			continue
		}
		if d := math.Hypot(p.x-pd.x, p.y-pd.y); d < bd {
			best, bd = p, d
		}
	}
	if best == nil {
		return
	}
	for i := range cd.items {
		best.loot = append(best.loot, lootAction{sec: s.sec + 8 + i*2, kind: lootCare, arg: i + (pd.attackID-1)*16})
	}
}

// ---------------------------------------------------------------- movement

func (s *sim) leader(tm *team) *player {
	for _, m := range tm.members {
		if m.st == stGround {
			return m
		}
	}
	return nil
}

func (s *sim) teamMoves() {
	sec := s.sec
	r := s.rng
	bx, by, br := s.blueAt(sec)
	k := s.whiteAt(sec)
	for _, tm := range s.teams {
		if tm.elim {
			continue
		}
		ld := s.leader(tm)
		if ld == nil || sec < tm.ready {
			continue
		}
		if tm.veh != nil {
			s.drive(tm)
			continue
		}
		fighting := tm.fightAt >= sec-6
		// after looting the landing spot, many teams move on to another town
		if k < 0 && tm.decided == 0 && !fighting {
			tm.decided = -1
			if r.Float64() < 0.65 {
				best, bd := -1, 0.0
				for i, p := range s.pois {
					d := math.Hypot(p.x-ld.x, p.y-ld.y)
					if d > 60000 && d < 250000 && (best < 0 || r.Float64() < 0.3) {
						best, bd = i, d
					}
				}
				if best >= 0 {
					tm.tx, tm.ty = s.pois[best].x+(r.Float64()*2-1)*5000, s.pois[best].y+(r.Float64()*2-1)*5000
					tm.moving = true
					if bd > 60000 && r.Float64() < 0.85 && s.canMount(tm) {
						s.mount(tm)
						continue
					}
				}
			}
		}
		if k >= 0 && tm.decided < k+1 {
			tm.decided = k + 1
			ph := s.phases[k]
			d := math.Hypot(ld.x-ph.cx, ld.y-ph.cy)
			if d > ph.r*0.7 {
				ang := r.Float64() * 2 * math.Pi
				rr := ph.r * 0.6 * math.Sqrt(r.Float64())
				tm.tx = clamp(ph.cx+math.Cos(ang)*rr, 1000, s.mp.size-1000)
				tm.ty = clamp(ph.cy+math.Sin(ang)*rr, 1000, s.mp.size-1000)
				// teams are lazy in the early circles, where the blue zone
				// hurts little, and get caught by it
				lazy := []float64{1, 0.9, 0.8, 0.6, 0.45, 0.3, 0.2, 0.15, 0.1}[k]
				if tm.bot {
					lazy = math.Min(1, lazy*1.3)
				}
				// fast (scaled-down) circles leave no time to dawdle
				lazy *= math.Min(1, s.prof.PhaseScale*1.2)
				window := float64(ph.shrinkEnd - sec)
				delay := int(window * lazy * (0.3 + 0.7*r.Float64()))
				tm.moveAt = sec + delay
				tm.moving = false
			}
		}
		if tm.moveAt > 0 && sec >= tm.moveAt && !fighting {
			tm.moveAt = 0
			tm.moving = true
			if math.Hypot(ld.x-tm.tx, ld.y-tm.ty) > 50000 && r.Float64() < 0.75 && s.canMount(tm) {
				s.mount(tm)
				continue
			}
		}
		// caught outside the blue circle: run for the centre (after a
		// moment to finish what they were doing)
		if !tm.moving && math.Hypot(ld.x-bx, ld.y-by) > br*0.97 && r.IntN(12) == 0 {
			tm.moving = true
			ang := r.Float64() * 2 * math.Pi
			rr := br * 0.4 * math.Sqrt(r.Float64())
			tm.tx, tm.ty = bx+math.Cos(ang)*rr, by+math.Sin(ang)*rr
			tm.moveAt = 0
		}
		// idle teams reposition now and then
		if !tm.moving && tm.moveAt == 0 && !fighting && sec >= tm.wanderAt {
			tm.wanderAt = sec + 40 + r.IntN(90)
			if tm.wanderAt > sec+40 {
				ang := r.Float64() * 2 * math.Pi
				d := 2000 + r.Float64()*8000
				nx, ny := ld.x+math.Cos(ang)*d, ld.y+math.Sin(ang)*d
				if math.Hypot(nx-bx, ny-by) < br*0.85 {
					tm.tx, tm.ty = clamp(nx, 1000, s.mp.size-1000), clamp(ny, 1000, s.mp.size-1000)
					tm.moving = true
				}
			}
		}
	}
}

func (s *sim) movePlayers() {
	sec := s.sec
	r := s.rng
	bx, by, br := s.blueAt(sec)
	for _, p := range s.players {
		switch p.st {
		case stGround:
		case stKnocked:
			// crawl toward the nearest standing teammate
			var best *player
			bd := math.Inf(1)
			for _, m := range p.team.members {
				if m != p && m.st == stGround {
					if d := dist(p, m); d < bd {
						best, bd = m, d
					}
				}
			}
			if best != nil && bd > 300 {
				s.step(p, best.x, best.y, 90, false)
			}
			continue
		default:
			continue
		}
		if p.veh != nil || p.reviving != nil {
			continue
		}
		tm := p.team
		if sec < p.lootEnd {
			// looting around the landing spot
			if sec%12 == p.posPhase {
				p.lx2 = p.lx + (r.Float64()*2-1)*4500
				p.ly2 = p.ly + (r.Float64()*2-1)*4500
			}
			s.step(p, p.lx2, p.ly2, 320, false)
			continue
		}
		if p.engagedAt >= sec-3 && math.Hypot(p.x-bx, p.y-by) < br {
			// strafing in a fight; fists close the distance
			if p.target != nil && p.guns[0] < 0 && p.guns[1] < 0 {
				s.step(p, p.target.x, p.target.y, p.speed, false)
			} else {
				s.step(p, p.x+(r.Float64()*2-1)*200, p.y+(r.Float64()*2-1)*200, 200, false)
			}
			continue
		}
		ld := s.leader(tm)
		if ld == nil {
			continue
		}
		if p == ld {
			if tm.moving {
				// rotations stop for loot and cover: a third of the time
				// the leader stands still, and walks rather than sprints
				v := p.speed * 0.75
				if (sec+tm.idx)%3 == 0 && !p.inBlue {
					v = 0
				}
				if s.step(p, tm.tx, tm.ty, v, false) < 400 {
					tm.moving = false
				}
			}
			continue
		}
		s.step(p, ld.x+p.ox, ld.y+p.oy, p.speed*1.05, false)
	}
}

// step moves p toward (x,y) by at most v cm and returns the distance left.
func (s *sim) step(p *player, x, y, v float64, riding bool) float64 {
	dx, dy := x-p.x, y-p.y
	d := math.Hypot(dx, dy)
	if d < 1 {
		return d
	}
	k := math.Min(1, v/d)
	p.x = clamp(p.x+dx*k, 500, s.mp.size-500)
	p.y = clamp(p.y+dy*k, 500, s.mp.size-500)
	p.z = groundZ(p.x, p.y)
	if riding {
		p.distVeh += d * k
	} else {
		p.distFoot += d * k
	}
	return d - d*k
}

// ---------------------------------------------------------------- vehicles

func (s *sim) canMount(tm *team) bool {
	n := 0
	for _, m := range tm.members {
		switch m.st {
		case stKnocked:
			return false
		case stGround:
			if m.reviving != nil {
				return false
			}
			n++
		}
	}
	return n > 0
}

func (s *sim) mount(tm *team) {
	r := s.rng
	ld := s.leader(tm)
	s.vehUID++
	v := &vehicle{
		id:     s.mp.vehicles[r.IntN(len(s.mp.vehicles))],
		uid:    5000 + s.vehUID*37 + r.IntN(30),
		x:      ld.x + (r.Float64()*2-1)*1500,
		y:      ld.y + (r.Float64()*2-1)*1500,
		speed:  1700 + r.Float64()*900,
		fuel:   20 + r.Float64()*80,
		health: 60 + r.Float64()*40,
		tx:     tm.tx, ty: tm.ty,
	}
	v.maxSpeed = v.speed * 0.036 * (1.15 + 0.2*r.Float64())
	tm.veh = v
	ms := r.IntN(500)
	for _, m := range tm.members {
		if m.st != stGround {
			continue
		}
		m.x, m.y = v.x, v.y
		m.veh = v
		m.seat = len(v.riders)
		m.rideStart = m.distVeh
		m.healEnd = 0
		m.target = nil
		s.begin(at(s.sec, ms), evVehicleRide, m)
		s.charKey("character", m)
		s.e.key("vehicle")
		s.vehicleObj(v, m.seat)
		s.e.int("seatIndex", m.seat)
		s.e.key("fellowPassengers")
		s.charList(v.riders)
		s.e.end()
		v.riders = append(v.riders, m)
		ms += 40 + r.IntN(200)
	}
}

func (s *sim) drive(tm *team) {
	v := tm.veh
	ox, oy := v.x, v.y
	dx, dy := v.tx-v.x, v.ty-v.y
	d := math.Hypot(dx, dy)
	k := math.Min(1, v.speed/math.Max(d, 1))
	v.x = clamp(v.x+dx*k, 500, s.mp.size-500)
	v.y = clamp(v.y+dy*k, 500, s.mp.size-500)
	v.fuel = math.Max(1, v.fuel-0.05)
	if len(v.riders) > 0 && s.rng.Float64() < 0.12 {
		// bumps and crashes on the way
		dmg := 1 + s.rng.Float64()*12
		v.health = math.Max(5, v.health-dmg)
		s.vehicleDamage(at(s.sec, s.rng.IntN(900)), v.riders[0], v, -1, "Damage_VehicleCrashHit", v.id, dmg, 0)
	}
	for _, m := range v.riders {
		m.distVeh += math.Hypot(v.x-m.x, v.y-m.y)
		m.x, m.y = v.x, v.y
		m.z = groundZ(v.x, v.y) + 80
	}
	s.roadkill(tm, ox, oy)
	if tm.veh != nil && d-v.speed < 2500 {
		s.dismount(tm)
		tm.moving = false
	}
}

func (s *sim) dismount(tm *team) {
	v := tm.veh
	if v == nil {
		return
	}
	r := s.rng
	ms := 300 + r.IntN(400)
	riders := append([]*player(nil), v.riders...)
	for i, m := range riders {
		rest := riders[i+1:]
		m.x += (r.Float64()*2 - 1) * 300
		m.y += (r.Float64()*2 - 1) * 300
		s.begin(at(s.sec, ms), evVehicleLeave, m)
		s.charKey("character", m)
		s.e.key("vehicle")
		s.vehicleObj(v, m.seat)
		s.e.f32("rideDistance", m.distVeh-m.rideStart)
		s.e.int("seatIndex", m.seat)
		s.e.f32("maxSpeed", v.maxSpeed)
		s.e.key("fellowPassengers")
		s.charList(rest)
		s.e.end()
		m.veh = nil
		ms += 30 + r.IntN(60)
	}
	tm.veh = nil
}

// vehicleDamage renders LogVehicleDamage.
func (s *sim) vehicleDamage(tk int64, att *player, v *vehicle, attackID int, category, causer string, dmg, distance float64) {
	s.begin(tk, evVehicleDamage, att)
	s.e.int("attackId", attackID)
	s.charKey("attacker", att)
	s.e.key("vehicle")
	s.vehicleObj(v, 0)
	s.e.str("damageTypeCategory", category)
	s.e.str("damageCauserName", causer)
	s.e.f32("damage", dmg)
	s.e.f32("distance", distance)
	s.e.end()
}

// roadkill: enemies standing on the road the vehicle just drove.
func (s *sim) roadkill(tm *team, ox, oy float64) {
	v := tm.veh
	if len(v.riders) == 0 {
		return
	}
	driver := v.riders[0]
	for _, q := range s.players {
		if q.team == tm || q.st != stGround || q.veh != nil {
			continue
		}
		if segDist(q.x, q.y, ox, oy, v.x, v.y) > 500 || s.rng.Float64() > 0.3 {
			continue
		}
		s.attackID++
		info := dmgInfo{reason: "NonSpecific", category: "Damage_VehicleHit", causer: v.id, distance: 200}
		s.applyDamage(at(s.sec, s.rng.IntN(800)), driver, q, info, 90+s.rng.Float64()*60, s.attackID, true)
	}
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	u := 0.0
	if l2 > 0 {
		u = clamp(((px-ax)*dx+(py-ay)*dy)/l2, 0, 1)
	}
	return math.Hypot(px-(ax+dx*u), py-(ay+dy*u))
}
