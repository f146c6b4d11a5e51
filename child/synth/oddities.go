package synth

import (
	"bytes"
	"math/rand/v2"
)

// Options.Oddities and Options.NPCs: the awkward cases the extractors' rules react to, on top
// of the format traps every generated match has. They come from their own
// random stream, so the simulation (who lands where, who kills whom) decides
// what the same Options without Oddities decide; only what is written
// differs (the extra events shift a few timestamps and formatting choices).

// npcNames are the names the reference's fight rules treat as NPCs or bots
// (the fixed names, and "ai_" in any case); Options.NPCs gives them to the
// players of the bot teams, in this order.
var npcNames = []string{"Guard", "Commander", "Soldier", "ai_alpha", "AI_bravo", "Pillar", "SkySoldier", "ai_charlie"}

// oddTypes are the event types whose characters may come out damaged.
var oddTypes = map[*evType]bool{
	evPlayerPosition: true, evTakeDamage: true, evMakeGroggy: true, evKillV2: true,
	evItemUse: true, evPlayerAttack: true,
}

// oddRand is the random stream of the oddities.
func oddRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x6a09e667f3bcc909, 0xbb67ae8584caa73b))
}

// oddTeamIDs spreads the team ids over a wider range (large ids) and gives
// the first human team id 0, which Python treats as false.
func (s *sim) oddTeamIDs() {
	for _, tm := range s.teams {
		tm.id = (tm.id-1)*5 + 1 + s.odd.IntN(5)
	}
	if len(s.teams) > 0 && !s.teams[0].bot {
		s.teams[0].id = 0
	}
}

// oddNames names the bots like the game's NPCs (a name some player already
// has is skipped).
func (s *sim) oddNames(used map[string]bool) {
	k := 0
	for _, p := range s.players {
		for p.bot && k < len(npcNames) {
			n := npcNames[k]
			k++
			if !used[n] {
				used[n] = true
				p.name = n
				break
			}
		}
	}
}

// oddChar damages the character just written at s.e.b[start:], now and
// then: no location, an empty location, no teamId, an empty name or no
// accountId.
func (s *sim) oddChar(start int) {
	if !oddTypes[s.e.curTyp] || s.odd.IntN(60) != 0 {
		return
	}
	c := s.e.b[start:]
	var out []byte
	switch s.odd.IntN(5) {
	case 0:
		out = cutValue(c, `,"location":`, nil)
	case 1:
		out = cutValue(c, `,"location":`, []byte(`,"location":{}`))
	case 2:
		out = cutValue(c, `,"teamId":`, nil)
	case 3:
		out = cutValue(c, `{"name":`, []byte(`{"name":""`))
	case 4:
		out = cutValue(c, `,"accountId":`, nil)
	}
	if out != nil {
		s.e.b = append(s.e.b[:start], out...)
	}
}

// cutValue replaces the first `key` and the JSON value after it (a string,
// number, or flat object) with repl; nil when key is not there.
func cutValue(c []byte, key string, repl []byte) []byte {
	i := bytes.Index(c, []byte(key))
	if i < 0 {
		return nil
	}
	j := i + len(key)
	switch {
	case j < len(c) && c[j] == '"':
		j++
		for j < len(c) && c[j] != '"' {
			if c[j] == '\\' {
				j++
			}
			j++
		}
		j++
	case j < len(c) && c[j] == '{':
		j = j + bytes.IndexByte(c[j:], '}') + 1
	default:
		for j < len(c) && c[j] != ',' && c[j] != '}' {
			j++
		}
	}
	out := make([]byte, 0, len(c))
	out = append(out, c[:i]...)
	out = append(out, repl...)
	return append(out, c[j:]...)
}

// oddDamage returns the damage to write for a hit: now and then 0 (the
// simulation keeps its own).
func (s *sim) oddDamage(att *player, dmg float64) float64 {
	if att != nil && s.odd.IntN(15) == 0 {
		return 0
	}
	return dmg
}

// oddFriendlyFire now and then writes a hit on att by a teammate right
// after att's own hit (same-team damage); it changes no one's health.
func (s *sim) oddFriendlyFire(tk int64, att *player, info dmgInfo) {
	if att == nil || s.odd.IntN(40) != 0 {
		return
	}
	for _, m := range att.team.members {
		if m == att || !m.active() {
			continue
		}
		s.oddAttack++
		s.begin(tk+tMs, evTakeDamage, att)
		s.e.int("attackId", 2_000_000_000+s.oddAttack)
		s.charKey("attacker", m)
		s.charKey("victim", att)
		s.e.str("damageTypeCategory", info.category)
		s.e.str("damageReason", "TorsoShot")
		s.e.f32("damage", float64(1+s.odd.IntN(20)))
		s.e.str("damageCauserName", info.causer)
		s.e.bool("isThroughPenetrableWall", false)
		s.e.end()
		return
	}
}

// oddOrder swaps a few neighbouring events, so `_D` goes backwards; the
// first event (LogMatchDefinition) stays first.
func (s *sim) oddOrder() {
	recs := s.e.recs
	if len(recs) < 3 {
		return
	}
	for k := 0; k < len(recs)/500; k++ {
		i := 2 + s.odd.IntN(len(recs)-2)
		recs[i-1], recs[i] = recs[i], recs[i-1]
	}
}

// killCauser is the top-level damageCauserName Options.KillCauserTopLevel
// adds to a kill.
func (s *sim) killCauser(killer *player, info dmgInfo) {
	if killer != nil {
		s.e.str("damageCauserName", info.causer)
	}
}
