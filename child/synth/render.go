package synth

import "strconv"

// itemRef is an Item object.
type itemRef struct {
	id, category, sub string
	stack             int
	attached          []string
}

// appendItem appends an Item object.
func appendItem(b []byte, id string, stack int, category, sub string, attached []string) []byte {
	b = append(b, `{"itemId":`...)
	b = appendString(b, id)
	b = append(b, `,"stackCount":`...)
	b = appendInt(b, stack)
	b = append(b, `,"category":`...)
	b = appendString(b, category)
	b = append(b, `,"subCategory":`...)
	b = appendString(b, sub)
	b = append(b, `,"attachedItems":`...)
	if attached == nil {
		b = append(b, '[', ']')
	} else {
		b = appendStrings(b, attached)
	}
	return append(b, '}')
}

func (s *sim) item(k string, it itemRef) {
	s.e.key(k)
	s.e.b = appendItem(s.e.b, it.id, it.stack, it.category, it.sub, it.attached)
}

func (s *sim) gunItem(p *player, slot int) itemRef {
	w := &weapons[p.guns[slot]]
	return itemRef{id: w.item, stack: 1, category: "Weapon", sub: w.class.subCategory(), attached: p.gunAtt[slot]}
}

// char appends p as a Character object. Knocked and dead players show
// health 0.
func (s *sim) char(p *player) {
	h := p.health
	if p.st == stDead || p.st == stKnocked {
		h = 0
	}
	s.charAt(p, p.x, p.y, p.z, h, p.inBlue, p.inRed, p.veh != nil || p.st == stPlane, p.st == stKnocked, p.ranking, p.indRank, p.st >= stGround)
}

// charAt appends a Character object for p with the given state, with the
// modern key set (14 keys, several of them undocumented).
func (s *sim) charAt(p *player, x, y, z, h float64, blue, red, inVeh, dbno bool, ranking, indRank int, onGround bool) {
	start := len(s.e.b)
	b := s.e.b
	b = append(b, p.head...)
	b = appendF32(b, h)
	b = append(b, `,"location":`...)
	b = appendLoc(b, x, y, z)
	b = append(b, `,"ranking":`...)
	b = appendInt(b, ranking)
	b = append(b, `,"individualRanking":`...)
	b = appendInt(b, indRank)
	b = append(b, p.acct...)
	b = append(b, `,"isInBlueZone":`...)
	b = appendBool(b, blue)
	b = append(b, `,"isInRedZone":`...)
	b = appendBool(b, red)
	b = append(b, `,"inSpecialZone":false,"isInVehicle":`...)
	b = appendBool(b, inVeh)
	b = append(b, `,"zone":[`...)
	if onGround {
		if reg := s.region(x, y); reg != "" {
			b = appendString(b, reg)
		}
	}
	b = append(b, `],"type":"user","isDBNO":`...)
	b = appendBool(b, dbno)
	s.e.b = append(b, '}')
	if s.opt.Oddities {
		s.oddChar(start)
	}
}

// charKey writes `"k":<character>`, or null for a nil player.
func (s *sim) charKey(k string, p *player) {
	s.e.key(k)
	if p == nil {
		s.e.b = append(s.e.b, "null"...)
		return
	}
	s.char(p)
}

// sentinel is the attacker of blue-zone damage when it is not null: an
// empty character.
const sentinelChar = `{"name":"","teamId":0,"health":0,"location":{"x":0,"y":0,"z":0},"ranking":0,"individualRanking":0,"accountId":"","isInBlueZone":false,"isInRedZone":false,"inSpecialZone":false,"isInVehicle":false,"zone":[],"type":"","isDBNO":false}`

func (s *sim) charList(ps []*player) {
	s.e.b = append(s.e.b, '[')
	for i, p := range ps {
		if i > 0 {
			s.e.b = append(s.e.b, ',')
		}
		s.char(p)
	}
	s.e.b = append(s.e.b, ']')
}

// wrapper appends a CharacterWrapper; final zeroes the location of the
// dead as LogMatchEnd does.
func (s *sim) wrapper(p *player, final bool) {
	s.e.b = append(s.e.b, `{"character":`...)
	if final && p.st == stDead {
		s.charAt(p, 0, 0, 0, 0, false, false, false, false, p.ranking, p.indRank, false)
	} else {
		s.char(p)
	}
	prim1, prim2, sec := "", "", ""
	for _, g := range p.guns {
		if g < 0 {
			continue
		}
		w := &weapons[g]
		switch {
		case w.class == classPistol || w.class == classMelee:
			sec = w.item
		case prim1 == "":
			prim1 = w.item
		default:
			prim2 = w.item
		}
	}
	s.e.b = append(s.e.b, `,"primaryWeaponFirst":`...)
	s.e.b = appendString(s.e.b, prim1)
	s.e.b = append(s.e.b, `,"primaryWeaponSecond":`...)
	s.e.b = appendString(s.e.b, prim2)
	s.e.b = append(s.e.b, `,"secondaryWeapon":`...)
	s.e.b = appendString(s.e.b, sec)
	s.e.b = append(s.e.b, `,"spawnKitIndex":0}`...)
}

// vehicleObj appends a modern Vehicle object.
func (s *sim) vehicleObj(v *vehicle, seat int) {
	b := s.e.b
	b = append(b, `{"vehicleType":"WheeledVehicle","vehicleId":`...)
	b = appendString(b, v.id)
	b = append(b, `,"seatIndex":`...)
	b = appendInt(b, seat)
	b = append(b, `,"healthPercent":`...)
	b = appendF32(b, v.health)
	b = append(b, `,"feulPercent":`...)
	b = appendF32(b, v.fuel)
	b = append(b, `,"altitudeAbs":0,"altitudeRel":0,"velocity":`...)
	b = appendF32(b, v.speed*0.036)
	b = append(b, `,"isWheelsInAir":false,"isInWaterVolume":false,"isEngineOn":true,"location":`...)
	b = appendLoc(b, v.x, v.y, groundZ(v.x, v.y)+60)
	s.e.b = append(b, '}')
}

func (s *sim) planeObj(x, y float64) {
	b := append(s.e.b, `{"vehicleType":"TransportAircraft","vehicleId":"DummyTransportAircraft_C","seatIndex":0,"healthPercent":100,"feulPercent":100,"altitudeAbs":150000,"altitudeRel":0,"velocity":324,"isWheelsInAir":false,"isInWaterVolume":false,"isEngineOn":true,"location":`...)
	b = appendLoc(b, x, y, 150000)
	s.e.b = append(b, '}')
}

// noVehicle is the zeroed Vehicle LogPlayerKillV2 carries for a player on
// foot (victimVehicle / killerVehicle are never null).
const noVehicle = `{"vehicleType":"","vehicleId":"","seatIndex":-1,"healthPercent":0,"feulPercent":0,"altitudeAbs":0,"altitudeRel":0,"velocity":0,"isWheelsInAir":false,"isInWaterVolume":false,"isEngineOn":false,"location":{"x":0,"y":0,"z":0}}`

func (s *sim) vehicleOf(k string, p *player) {
	s.e.key(k)
	if p != nil && p.veh != nil {
		s.vehicleObj(p.veh, p.seat)
		return
	}
	s.e.b = append(s.e.b, noVehicle...)
}

func (s *sim) damageInfo(k string, info dmgInfo) {
	s.e.key(k)
	b := s.e.b
	b = append(b, `{"damageReason":`...)
	b = appendString(b, info.reason)
	b = append(b, `,"damageTypeCategory":`...)
	b = appendString(b, info.category)
	b = append(b, `,"damageCauserName":`...)
	b = appendString(b, info.causer)
	b = append(b, `,"additionalInfo":`...)
	if info.addl == nil {
		b = append(b, '[', ']')
	} else {
		b = appendStrings(b, info.addl)
	}
	b = append(b, `,"distance":`...)
	b = appendF32(b, info.distance)
	b = append(b, `,"isThroughPenetrableWall":`...)
	b = appendBool(b, info.wall)
	s.e.b = append(b, '}')
}

// ---------------------------------------------------------------- events

func (s *sim) renderAttack(tk int64, p *player, it itemRef, id, stack int) {
	s.begin(tk, evPlayerAttack, p)
	s.e.int("attackId", id)
	s.e.int("fireWeaponStackCount", stack)
	s.charKey("attacker", p)
	s.e.str("attackType", "Weapon")
	s.item("weapon", it)
	if p.veh != nil {
		s.e.key("vehicle")
		s.vehicleObj(p.veh, p.seat)
	} else {
		s.e.null("vehicle")
	}
	s.e.end()
}

func (s *sim) renderDamage(tk int64, att, vic *player, info dmgInfo, dmg float64, attackID int) {
	s.begin(tk, evTakeDamage, vic)
	s.e.int("attackId", attackID)
	if att == nil && info.category == "Damage_BlueZone" && s.rng.IntN(2) == 0 {
		s.e.key("attacker")
		s.e.b = append(s.e.b, sentinelChar...)
	} else {
		s.charKey("attacker", att)
	}
	s.charKey("victim", vic)
	s.e.str("damageTypeCategory", info.category)
	s.e.str("damageReason", info.reason)
	if s.opt.Oddities {
		dmg = s.oddDamage(att, dmg)
	}
	s.e.f32("damage", dmg)
	s.e.str("damageCauserName", info.causer)
	s.e.bool("isThroughPenetrableWall", info.wall)
	s.e.end()
	if s.opt.Oddities {
		s.oddFriendlyFire(tk, att, info)
	}
}

func (s *sim) renderGroggy(tk int64, att, vic *player, info dmgInfo, attackID int, inVehicle bool) {
	s.begin(tk, evMakeGroggy, vic)
	s.e.int("attackId", attackID)
	s.charKey("attacker", att)
	s.charKey("victim", vic)
	s.e.str("damageReason", info.reason)
	s.e.str("damageTypeCategory", info.category)
	s.e.str("damageCauserName", info.causer)
	s.e.strs("damageCauserAdditionalInfo", nonNil(info.addl))
	vw, va := victimWeapon(vic)
	s.e.str("victimWeapon", vw)
	s.e.strs("victimWeaponAdditionalInfo", va)
	s.e.f32("distance", info.distance)
	s.e.bool("isAttackerInVehicle", inVehicle)
	s.e.int("dBNOId", vic.dbno)
	s.e.bool("isThroughPenetrableWall", info.wall)
	s.e.end()
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// victimWeapon is the gun the victim held, as the damageCauserName of the
// weapon plus the instance suffix real files carry ("WeapSCAR-L_C_12").
func victimWeapon(v *player) (string, []string) {
	for i, g := range v.guns {
		if g >= 0 {
			return weapons[g].causer + "_" + strconv.Itoa(v.gunNo[i]), nonNil(v.gunAtt[i])
		}
	}
	return "", []string{}
}

var emptyDamageInfo = dmgInfo{reason: "None", category: "", causer: "", distance: -1}

func (s *sim) renderKill(tk int64, vic *player, dbno int, maker, finisher, killer *player, info dmgInfo, attackID int, assists []*player) {
	s.begin(tk, evKillV2, vic)
	s.e.int("attackId", attackID)
	s.e.int("dBNOId", dbno)
	s.e.key("victimGameResult")
	s.gameResult(vic, 0)
	s.charKey("victim", vic)
	vw, va := victimWeapon(vic)
	s.e.str("victimWeapon", vw)
	s.e.strs("victimWeaponAdditionalInfo", va)
	s.charKey("dBNOMaker", maker)
	if dbno >= 0 {
		s.damageInfo("dBNODamageInfo", vic.knockInfo)
	} else {
		s.damageInfo("dBNODamageInfo", emptyDamageInfo)
	}
	s.charKey("finisher", finisher)
	fi := info
	if finisher != nil {
		fi.distance = dist(finisher, vic)
	}
	s.damageInfo("finishDamageInfo", fi)
	s.charKey("killer", killer)
	ki := fi
	if killer != nil && killer == maker {
		ki = vic.knockInfo
		ki.distance = dist(killer, vic)
	}
	if killer == nil {
		ki = emptyDamageInfo
	}
	s.damageInfo("killerDamageInfo", ki)
	s.e.key("assists_AccountId")
	s.e.b = append(s.e.b, '[')
	for i, a := range assists {
		if i > 0 {
			s.e.b = append(s.e.b, ',')
		}
		s.e.b = appendString(s.e.b, a.account)
	}
	s.e.b = append(s.e.b, ']')
	s.e.strs("teamKillers_AccountId", []string{})
	s.e.bool("isSuicide", false)
	s.vehicleOf("victimVehicle", vic)
	s.vehicleOf("killerVehicle", killer)
	if s.opt.KillCauserTopLevel {
		s.killCauser(killer, ki)
	}
	s.e.end()
}

// gameResult appends a GameResult object; gameResult is the empty string in
// real files, even for the winners.
func (s *sim) gameResult(p *player, rank int) {
	b := s.e.b
	b = append(b, `{"rank":`...)
	b = appendInt(b, rank)
	b = append(b, `,"gameResult":"","teamId":`...)
	b = appendInt(b, p.team.id)
	b = append(b, `,"stats":{"killCount":`...)
	b = appendInt(b, p.kills)
	b = append(b, `,"distanceOnFoot":`...)
	b = appendF32(b, p.distFoot)
	b = append(b, `,"distanceOnSwim":0,"distanceOnVehicle":`...)
	b = appendF32(b, p.distVeh)
	b = append(b, `,"distanceOnParachute":`...)
	b = appendF32(b, p.distPara)
	b = append(b, `,"distanceOnFreefall":`...)
	b = appendF32(b, p.distFree)
	b = append(b, `},"isRewardAbuse":false,"accountId":`...)
	b = appendString(b, p.account)
	s.e.b = append(b, '}')
}

func (s *sim) renderItemUse(tk int64, p *player, it itemRef) {
	s.begin(tk, evItemUse, p)
	s.charKey("character", p)
	s.item("item", it)
	s.e.end()
}

func (s *sim) renderItemEvent(tk int64, et *evType, p *player, it itemRef) {
	s.begin(tk, et, p)
	s.charKey("character", p)
	s.item("item", it)
	s.e.end()
}

func (s *sim) renderCarePackage(tk int64, et *evType, id string, x, y, z float64, items []string) {
	s.e.begin(tk, et, false)
	s.e.key("itemPackage")
	s.e.b = append(s.e.b, `{"itemPackageId":`...)
	s.e.b = appendString(s.e.b, id)
	s.e.b = append(s.e.b, `,"location":`...)
	s.e.b = appendLoc(s.e.b, x, y, z)
	s.e.b = append(s.e.b, `,"items":[`...)
	for i, it := range items {
		if i > 0 {
			s.e.b = append(s.e.b, ',')
		}
		s.e.b = appendItem(s.e.b, it, 1, careCategory(it), careSub(it), nil)
	}
	s.e.b = append(s.e.b, ']', '}')
	s.e.end()
}

func careCategory(id string) string {
	switch {
	case hasPrefix(id, "Item_Weapon_"):
		return "Weapon"
	case hasPrefix(id, "Item_Ammo_"):
		return "Ammunition"
	case hasPrefix(id, "Item_Heal_"):
		return "Use"
	}
	return "Equipment"
}

func careSub(id string) string {
	switch {
	case hasPrefix(id, "Item_Weapon_"):
		return "Main"
	case hasPrefix(id, "Item_Heal_"):
		return "Heal"
	case hasPrefix(id, "Item_Armor_"):
		return "Vest"
	case hasPrefix(id, "Item_Head_"):
		return "Headgear"
	}
	return "None"
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// ---------------------------------------------------------------- periodic events

func (s *sim) positions() {
	sec := s.sec
	el := sec - s.S
	for _, p := range s.players {
		if p.st == stDead || (el-p.posPhase)%10 != 0 {
			continue
		}
		s.e.begin(at(sec, s.rng.IntN(1000)), evPlayerPosition, false)
		s.charKey("character", p)
		s.e.key("vehicle")
		switch {
		case p.st == stPlane:
			s.planeObj(p.x, p.y)
		case p.veh != nil:
			s.vehicleObj(p.veh, p.seat)
		default:
			s.e.b = append(s.e.b, "null"...)
		}
		s.e.int("elapsedTime", el)
		s.e.int("numAlivePlayers", s.alive)
		s.e.end()
	}
}

func (s *sim) gameState() {
	sec := s.sec
	el := sec - s.S
	if el%10 != 0 {
		return
	}
	bx, by, br := s.blueAt(sec)
	var wx, wy, wr float64
	if k := s.whiteAt(sec); k >= 0 {
		wx, wy, wr = s.phases[k].cx, s.phases[k].cy, s.phases[k].r
	}
	var rx, ry, rr float64
	if rz := s.redAt(sec); rz != nil {
		rx, ry, rr = rz.x, rz.y, rz.r
	}
	s.e.begin(at(sec, 0), evGameState, false)
	s.e.key("gameState")
	b := s.e.b
	b = append(b, `{"elapsedTime":`...)
	b = appendInt(b, el)
	b = append(b, `,"numStartTeams":`...)
	b = appendInt(b, len(s.teams))
	b = append(b, `,"numAliveTeams":`...)
	b = appendInt(b, s.aliveTeam)
	b = append(b, `,"numParticipatedTeams":`...)
	b = appendInt(b, len(s.teams))
	b = append(b, `,"numJoinPlayers":`...)
	b = appendInt(b, len(s.players))
	b = append(b, `,"numStartPlayers":`...)
	b = appendInt(b, len(s.players))
	b = append(b, `,"numAlivePlayers":`...)
	b = appendInt(b, s.alive)
	b = append(b, `,"numParticipatedPlayers":`...)
	b = appendInt(b, len(s.players))
	b = append(b, `,"safetyZonePosition":`...)
	b = appendLoc(b, bx, by, 0)
	b = append(b, `,"safetyZoneRadius":`...)
	b = appendF32(b, br)
	b = append(b, `,"poisonGasWarningPosition":`...)
	b = appendLoc(b, wx, wy, 0)
	b = append(b, `,"poisonGasWarningRadius":`...)
	b = appendF32(b, wr)
	b = append(b, `,"redZonePosition":`...)
	b = appendLoc(b, rx, ry, 0)
	b = append(b, `,"redZoneRadius":`...)
	b = appendF32(b, rr)
	b = append(b, `,"blackZonePosition":{"x":0,"y":0,"z":0},"blackZoneRadius":0}`...)
	s.e.b = b
	s.e.end()
}

// matchEnd renders LogMatchEnd and the few events that follow it.
func (s *sim) matchEnd() {
	sec := s.endSec
	var winner *team
	for _, tm := range s.teams {
		if !tm.elim {
			winner = tm
			tm.rank = 1
			for _, m := range tm.members {
				m.ranking = 1
			}
		}
	}
	rank := 1
	for _, tm := range s.teams {
		if tm == winner {
			for _, m := range tm.members {
				if m.alive() {
					m.indRank = rank
					rank++
				}
			}
		}
	}
	s.e.begin(at(sec, 0), evMatchEnd, false)
	s.e.key("characters")
	s.e.b = append(s.e.b, '[')
	for i, p := range s.players {
		if i > 0 {
			s.e.b = append(s.e.b, ',')
		}
		s.wrapper(p, true)
	}
	s.e.b = append(s.e.b, ']')
	s.e.key("gameResultOnFinished")
	s.e.b = append(s.e.b, `{"results":[`...)
	n := 0
	if winner != nil {
		for _, m := range winner.members {
			if n > 0 {
				s.e.b = append(s.e.b, ',')
			}
			s.gameResult(m, 1)
			n++
		}
	}
	s.e.b = append(s.e.b, ']', '}')
	s.e.key("allWeaponStats")
	s.allWeaponStats()
	s.e.end()
	// survivors put their guns away and log out after the end
	if winner != nil {
		for i, m := range winner.members {
			if !m.alive() {
				continue
			}
			if m.guns[0] >= 0 {
				s.renderItemEvent(at(sec, 400+s.rng.IntN(500)), evItemUnequip, m, s.gunItem(m, 0))
			}
			s.e.begin(at(sec+1+i, s.rng.IntN(900)), evPlayerLogout, false)
			s.e.str("accountId", m.account)
			s.e.end()
		}
	}
	// and a few dead spectators who stayed to the end
	n = 0
	for _, k := range s.rng.Perm(len(s.players)) {
		p := s.players[k]
		if p.alive() || n == 3 {
			continue
		}
		s.e.begin(at(sec+2+n, s.rng.IntN(900)), evPlayerLogout, false)
		s.e.str("accountId", p.account)
		s.e.end()
		n++
	}
}

func (s *sim) timeSurvived(p *player) int {
	if p.st == stDead {
		return p.deathSec - s.S
	}
	return s.endSec - s.S
}

// allWeaponStats appends LogMatchEnd.allWeaponStats: per account, the
// weapons it used with shots, hits and damage by body part.
func (s *sim) allWeaponStats() {
	b := append(s.e.b, '{')
	for i, p := range s.players {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.account)
		b = append(b, ':', '[')
		n := 0
		for wi := range p.ws {
			ws := &p.ws[wi]
			if ws.shots == 0 && ws.hits == 0 {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			causer := fistsMale.causer
			if wi < len(weapons) {
				causer = weapons[wi].causer
			}
			b = append(b, `{"weapon":`...)
			b = appendString(b, causer)
			b = append(b, `,"damage":`...)
			b = appendF32(b, ws.damage)
			b = append(b, `,"dBNODamage":`...)
			b = appendF32(b, ws.dbnoDamage)
			b = append(b, `,"shots":`...)
			b = appendInt(b, ws.shots)
			b = append(b, `,"hits":`...)
			b = appendInt(b, ws.hits)
			b = append(b, `,"dBNOHits":`...)
			b = appendInt(b, ws.dbnoHits)
			b = append(b, `,"holdingTime":`...)
			b = appendF32(b, float64(ws.holding))
			b = append(b, `,"hitDetails":[`...)
			m := 0
			for part, d := range ws.parts {
				if d.hits == 0 {
					continue
				}
				if m > 0 {
					b = append(b, ',')
				}
				m++
				b = append(b, `{"bodyPart":`...)
				b = appendString(b, partNames[part])
				b = append(b, `,"kills":`...)
				b = appendInt(b, d.kills)
				b = append(b, `,"dBNOs":`...)
				b = appendInt(b, d.dbnos)
				b = append(b, `,"hits":`...)
				b = appendInt(b, d.hits)
				b = append(b, '}')
			}
			b = append(b, ']', '}')
		}
		b = append(b, ']')
	}
	s.e.b = append(b, '}')
}
