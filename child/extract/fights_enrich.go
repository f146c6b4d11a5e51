package extract

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// teamAcc is one team_stats entry of _enrich_engagement_with_stats.
type teamAcc struct {
	team                     int64
	kills, knocks, deaths    int
	damageDealt, damageTaken float64
	eliminated               bool
}

// playerAcc is one player_stats entry.
type playerAcc struct {
	name                     string
	team                     int64
	account                  Opt[string]
	knocks, kills            int
	damageDealt, damageTaken float64
	wasKnocked, wasKilled    bool
	knockedAt, killedAt      time.Time
	pos                      [][3]float64
}

// fightStats is what _enrich_engagement_with_stats computes. Slices keep the
// insertion order of the reference's dicts, which decides the order of its
// float sums.
type fightStats struct {
	fightTeams  []int64 // fight_teams in CPython set iteration order
	teams       []teamAcc
	players     []playerAcc
	byName      map[string]int
	actualTeams []int64 // sorted teams of real (non-NPC) players
}

func (s *fightStats) inFight(t int64) bool { return slices.Contains(s.fightTeams, t) }

func (s *fightStats) team(t int64) *teamAcc {
	for i := range s.teams {
		if s.teams[i].team == t {
			return &s.teams[i]
		}
	}
	s.teams = append(s.teams, teamAcc{team: t})
	return &s.teams[len(s.teams)-1]
}

// player returns the entry for name, creating it (defaultdict access) and
// recording the team and account id the reference assigns on every touch.
func (s *fightStats) player(c *telemetry.Character, team int64) *playerAcc {
	i, ok := s.byName[c.Name]
	if !ok {
		i = len(s.players)
		s.byName[c.Name] = i
		s.players = append(s.players, playerAcc{name: c.Name})
	}
	p := &s.players[i]
	p.team = team
	p.account = charAccount(c)
	return p
}

// touch is a named character of an in-fight combat event: its entry (see
// player) with the character's position, if any, recorded, for the caller
// to add the event's stats to. An unnamed character is nil: the reference
// skips it.
func (s *fightStats) touch(c *telemetry.Character, team int64) *playerAcc {
	if charName(c) == "" {
		return nil
	}
	p := s.player(c, team)
	if l := locOf(c); l.present {
		p.pos = append(p.pos, l.v)
	}
	return p
}

// replayTeams rebuilds the reference's fight_teams = set(list(engagement_teams))
// with CPython's set layout: engagement_teams starts as the seed's
// {attacker, victim} and is .update()d with each joined event's pair.
func (x *fightIndex) replayTeams(eng *engagement) []int64 {
	seed := &x.combat[eng.events[0]]
	s := pySetLiteral2(seed.atk, seed.vic)
	for _, j := range eng.events[1:] {
		c := &x.combat[j]
		o := pySetLiteral2(c.atk, c.vic)
		s.update(&o)
	}
	var f pyIntSet
	for _, t := range s.items(nil) {
		f.add(t)
	}
	return f.items(make([]int64, 0, len(eng.teams)))
}

// windowEvents returns the indexed events with start <= t <= end, in file
// order (the reference iterates the whole file in order and filters by time).
func (x *fightIndex) windowEvents(start, end int64) []int32 {
	lo := sort.Search(len(x.window), func(i int) bool { return x.window[i].t >= start })
	hi := sort.Search(len(x.window), func(i int) bool { return x.window[i].t > end })
	out := make([]int32, 0, hi-lo)
	for _, w := range x.window[lo:hi] {
		out = append(out, w.ev)
	}
	if !slices.IsSorted(out) {
		slices.Sort(out) // telemetry whose `_D` goes backwards
	}
	return out
}

// enrich is _enrich_engagement_with_stats.
func (x *fightIndex) enrich(eng *engagement) *fightStats {
	s := &fightStats{fightTeams: x.replayTeams(eng), byName: make(map[string]int, 16)}
	for _, i := range x.windowEvents(eng.start, eng.end) {
		ev := &x.events[i]
		switch ev.Kind {
		case telemetry.KindPlayerTakeDamage:
			at, _ := charTeam(ev.Attacker)
			vt, _ := charTeam(ev.Victim)
			if !s.inFight(at) || !s.inFight(vt) { // the index already excludes at == vt
				continue
			}
			if p := s.touch(ev.Attacker, at); p != nil {
				p.damageDealt += ev.Damage
				s.team(at).damageDealt += ev.Damage
			}
			if p := s.touch(ev.Victim, vt); p != nil {
				p.damageTaken += ev.Damage
				s.team(vt).damageTaken += ev.Damage
			}
		case telemetry.KindPlayerMakeGroggy:
			at, _ := charTeam(ev.Attacker)
			vt, _ := charTeam(ev.Victim)
			if !s.inFight(at) || !s.inFight(vt) { // same-team knocks count too
				continue
			}
			if p := s.touch(ev.Attacker, at); p != nil {
				p.knocks++
				s.team(at).knocks++
			}
			if p := s.touch(ev.Victim, vt); p != nil {
				p.wasKnocked, p.knockedAt = true, ev.Time
			}
		case telemetry.KindPlayerKillV2:
			ft, _ := charTeam(ev.Finisher)
			vt, _ := charTeam(ev.Victim)
			if !s.inFight(ft) || !s.inFight(vt) {
				continue
			}
			if p := s.touch(ev.Finisher, ft); p != nil {
				p.kills++
				s.team(ft).kills++
			}
			if p := s.touch(ev.Victim, vt); p != nil {
				p.wasKilled, p.killedAt = true, ev.Time
				s.team(vt).deaths++
			}
		}
	}
	for _, t := range s.fightTeams {
		s.team(t) // the primary-team scoring touches every fight team
	}
	s.markEliminated()
	for i := range s.players {
		if !isNPCOrBot(s.players[i].name) {
			s.actualTeams = append(s.actualTeams, s.players[i].team)
		}
	}
	slices.Sort(s.actualTeams)
	s.actualTeams = slices.Compact(s.actualTeams)
	return s
}

// markEliminated: a fight team is eliminated when every player seen on it
// (NPCs included) was killed. Players on team 0 are never grouped — the
// reference tests `if stats["team_id"]:` — so team 0 is never eliminated.
func (s *fightStats) markEliminated() {
	for _, t := range s.fightTeams {
		if t == 0 {
			continue
		}
		seen, all := false, true
		for i := range s.players {
			if s.players[i].team == t {
				seen = true
				all = all && s.players[i].wasKilled
			}
		}
		if seen {
			s.team(t).eliminated = all
		}
	}
}

// primaryTeams ranks the fight teams by kills*3 + knocks*2 + damage/100,
// highest first; Python's stable sort keeps tied teams in set order.
func (s *fightStats) primaryTeams() []int64 {
	type scored struct {
		team  int64
		score float64
	}
	ranked := make([]scored, len(s.fightTeams))
	for i, t := range s.fightTeams {
		a := s.team(t)
		ranked[i] = scored{t, float64(a.kills*3+a.knocks*2) + a.damageDealt/100}
	}
	slices.SortStableFunc(ranked, func(p, q scored) int { return cmp.Compare(q.score, p.score) })
	out := make([]int64, len(ranked))
	for i, r := range ranked {
		out[i] = r.team
	}
	return out
}

// geography is the fight centre (mean of every recorded position, player by
// player in first-seen order, with Python's sum) and the spread radius (the
// farthest position from it, in metres).
// All three are absent when no player has a position.
func (s *fightStats) geography() (cx, cy, spread Opt[float64]) {
	var sx, sy, sz pySum
	n := 0
	for i := range s.players {
		for _, l := range s.players[i].pos {
			sx.add(l[0])
			sy.add(l[1])
			sz.add(l[2])
			n++
		}
	}
	if n == 0 {
		return cx, cy, spread
	}
	ctr := [3]float64{sx.value() / float64(n), sy.value() / float64(n), sz.value() / float64(n)}
	far := 0.0
	for i := range s.players {
		for _, l := range s.players[i].pos {
			if d := dist3(ctr, l); d > far {
				far = d
			}
		}
	}
	return Some(ctr[0]), Some(ctr[1]), Some(far)
}

// totals are total_knocks, total_kills and total_damage: sums over team_stats
// in insertion order, the damage with Python's sum().
func (s *fightStats) totals() (knocks, kills int, damage float64) {
	var d pySum
	for i := range s.teams {
		knocks += s.teams[i].knocks
		kills += s.teams[i].kills
		d.add(s.teams[i].damageDealt)
	}
	return knocks, kills, d.value()
}
