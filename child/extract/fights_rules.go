package extract

import (
	"fmt"
	"slices"
	"time"
)

// teamSum is one entry of an insertion-ordered {team: float} dict.
type teamSum struct {
	team int64
	sum  float64
}

// tally is what _is_fight counts over an engagement's own events.
type tally struct {
	knocks, kills int
	teamDamage    []teamSum // damage dealt per attacker team, first-seen order
	totalDamage   float64   // sum(team_damage.values()), Python's sum
	damageEvents  int
	killVictim    int64 // victim team of the first kill
}

func (x *fightIndex) tally(eng *engagement) tally {
	var t tally
	for _, j := range eng.events {
		c := &x.combat[j]
		switch c.kind {
		case combatKnock:
			t.knocks++
		case combatKill:
			if t.kills == 0 {
				t.killVictim = c.vic
			}
			t.kills++
		case combatDamage:
			t.damageEvents++
			k := slices.IndexFunc(t.teamDamage, func(s teamSum) bool { return s.team == c.atk })
			if k < 0 {
				t.teamDamage = append(t.teamDamage, teamSum{team: c.atk})
				k = len(t.teamDamage) - 1
			}
			t.teamDamage[k].sum += c.damage
		}
	}
	var s pySum
	for _, d := range t.teamDamage {
		s.add(d.sum)
	}
	t.totalDamage = s.value()
	return t
}

// dealtBy reports whether exactly the given teams dealt damage. When teams
// is nil (statistics not computed yet) it answers true, so isFight can be
// asked first whether an engagement could qualify at all.
func (t *tally) dealtBy(teams []int64) bool {
	if teams == nil {
		return true
	}
	if len(t.teamDamage) != len(teams) {
		return false
	}
	for _, d := range t.teamDamage {
		if !slices.Contains(teams, d.team) {
			return false
		}
	}
	return true
}

// isFight is _is_fight, in its priority order. teams is the engagement's
// team list after the statistics pass (real players' teams, NPCs removed).
//
// Note the reference's rule 2: a single instant kill whose victim team fought
// back enough is not accepted by any later rule (3 needs no kill, 4 needs one
// knock), so such an engagement is never a fight; only its reason differs.
func (x *fightIndex) isFight(eng *engagement, t *tally, teams []int64) (bool, string) {
	casualties := t.knocks + t.kills
	if casualties >= 2 {
		return true, fmt.Sprintf("Multiple casualties (%d knocks/kills)", casualties)
	}
	if t.kills == 1 && t.knocks == 0 && t.killVictim != 0 { // `if victim_team:` is falsy for team 0
		if ok, reason := x.resisted(eng, t); !ok {
			return false, reason
		}
	}
	if t.knocks == 0 && t.kills == 0 && len(t.teamDamage) >= 2 && t.dealtBy(teams) && t.totalDamage >= 150 {
		min := t.totalDamage * 0.20
		if !slices.ContainsFunc(t.teamDamage, func(d teamSum) bool { return !(d.sum >= min) }) {
			return true, fmt.Sprintf("Sustained reciprocal damage (%s total)", pyFormat0(t.totalDamage))
		}
	}
	if t.knocks == 1 && t.kills == 0 && len(t.teamDamage) >= 2 && t.dealtBy(teams) {
		if !slices.ContainsFunc(t.teamDamage, func(d teamSum) bool { return !(d.sum >= 75) }) {
			return true, "Single knock with reciprocal damage (all teams ≥75 damage)"
		}
	}
	return false, fmt.Sprintf("Insufficient engagement (%d casualties, %s damage)", casualties, pyFormat0(t.totalDamage))
}

// resisted is rule 2's resistance test: the victim team must have dealt 25,
// 50 or 75 damage depending on how outnumbered it was (team sizes counted
// from the named, non-zero-team characters of the engagement's events).
func (x *fightIndex) resisted(eng *engagement, t *tally) (bool, string) {
	members := map[int64]map[string]bool{}
	addMember := func(name string, team int64, ok bool) {
		if name == "" || !ok || team == 0 {
			return
		}
		if members[team] == nil {
			members[team] = map[string]bool{}
		}
		members[team][name] = true
	}
	for _, j := range eng.events {
		ev := &x.events[x.combat[j].ev]
		a := ev.Attacker // event.get("attacker") or event.get("finisher")
		if a == nil {
			a = ev.Finisher
		}
		at, okA := charTeam(a)
		addMember(charName(a), at, okA)
		vt, okV := charTeam(ev.Victim)
		addMember(charName(ev.Victim), vt, okV)
	}
	if len(members) < 2 {
		return true, ""
	}
	larger, smaller := 0, -1
	for _, m := range members {
		larger = max(larger, len(m))
		if smaller < 0 || len(m) < smaller {
			smaller = len(m)
		}
	}
	ratio := float64(larger) / float64(smaller)
	threshold := 25
	switch {
	case ratio >= 3:
		threshold = 75
	case ratio >= 2:
		threshold = 50
	}
	var victimDamage float64
	if k := slices.IndexFunc(t.teamDamage, func(d teamSum) bool { return d.team == t.killVictim }); k >= 0 {
		victimDamage = t.teamDamage[k].sum
	}
	if victimDamage < float64(threshold) {
		return false, fmt.Sprintf("Single instant kill with no resistance (%s < %d)", pyFormat0(victimDamage), threshold)
	}
	return true, ""
}

// outcome is _determine_fight_outcome over the sorted real teams.
type outcome struct {
	kind          string
	winner, loser Opt[int64]
	perTeam       []TeamOutcome
}

func determineOutcome(teams []int64, s *fightStats) outcome {
	kind := func(two string) string {
		if len(teams) > 2 {
			return OutcomeThirdParty
		}
		return two
	}
	st := func(t int64) *teamAcc { return s.team(t) }
	// maxBy/minBy return the first best team in teams order, like Python's max/min.
	maxBy := func(ts []int64, better func(a, b *teamAcc) bool) int64 {
		best := ts[0]
		for _, t := range ts[1:] {
			if better(st(t), st(best)) {
				best = t
			}
		}
		return best
	}
	moreDeaths := func(a, b *teamAcc) bool { return a.deaths > b.deaths }
	fewerDeaths := func(a, b *teamAcc) bool { return a.deaths < b.deaths }

	var eliminated, surviving []int64
	for _, t := range teams {
		if st(t).eliminated {
			eliminated = append(eliminated, t)
		} else {
			surviving = append(surviving, t)
		}
	}
	if len(eliminated) > 0 {
		o := outcome{kind: kind(OutcomeDecisiveWin), loser: Some(maxBy(teams, moreDeaths))}
		if len(surviving) > 0 {
			// (kills, knocks, damage_dealt) compared as a tuple.
			o.winner = Some(maxBy(surviving, func(a, b *teamAcc) bool {
				if a.kills != b.kills {
					return a.kills > b.kills
				}
				if a.knocks != b.knocks {
					return a.knocks > b.knocks
				}
				return a.damageDealt > b.damageDealt
			}))
		}
		for _, t := range teams {
			r := TeamDraw
			switch {
			case t == o.loser.V:
				r = TeamLost
			case o.winner.Valid && t == o.winner.V:
				r = TeamWon
			}
			o.perTeam = append(o.perTeam, TeamOutcome{t, r})
		}
		return o
	}
	maxD, minD := st(teams[0]).deaths, st(teams[0]).deaths
	for _, t := range teams[1:] {
		maxD, minD = max(maxD, st(t).deaths), min(minD, st(t).deaths)
	}
	diff := maxD - minD
	if diff >= 2 || (diff == 1 && maxD >= 2) {
		two := OutcomeDecisiveWin
		if diff == 1 {
			two = OutcomeMarginalWin
		}
		o := outcome{kind: kind(two), loser: Some(maxBy(teams, moreDeaths)), winner: Some(maxBy(teams, fewerDeaths))}
		for _, t := range teams {
			r := TeamDraw
			switch t {
			case o.winner.V: // assigned after the loser in the reference, so it wins a tie
				r = TeamWon
			case o.loser.V:
				r = TeamLost
			}
			o.perTeam = append(o.perTeam, TeamOutcome{t, r})
		}
		return o
	}
	o := outcome{kind: OutcomeDraw}
	for _, t := range teams {
		o.perTeam = append(o.perTeam, TeamOutcome{t, TeamDraw})
	}
	return o
}

// fight qualifies and describes one engagement.
func (x *fightIndex) fight(eng *engagement) (Fight, bool) {
	t := x.tally(eng)
	if ok, _ := x.isFight(eng, &t, nil); !ok {
		return Fight{}, false // cannot qualify whatever its teams: skip the statistics pass
	}
	s := x.enrich(eng)
	ok, reason := x.isFight(eng, &t, s.actualTeams)
	if !ok {
		return Fight{}, false
	}
	if len(s.actualTeams) == 0 {
		// Only NPCs took part. The reference would raise (max() of an empty
		// sequence in _determine_fight_outcome) and fail the whole match;
		// such a skirmish is dropped instead. See docs/PARITY.md (fights).
		return Fight{}, false
	}
	o := determineOutcome(s.actualTeams, s)
	primary := s.primaryTeams()
	knocks, kills, damage := s.totals()
	f := Fight{
		StartTime:         time.UnixMicro(eng.start).UTC(),
		EndTime:           time.UnixMicro(eng.end).UTC(),
		DurationSeconds:   float64(eng.end-eng.start) / 1e6,
		TeamIDs:           s.actualTeams,
		PrimaryTeam1:      primary[0],
		PrimaryTeam2:      primary[1],
		TotalKnocks:       knocks,
		TotalKills:        kills,
		TotalDamage:       damage,
		TotalDamageEvents: t.damageEvents,
		Outcome:           o.kind,
		WinningTeamID:     o.winner,
		LoserTeamID:       o.loser,
		TeamOutcomes:      o.perTeam,
		Reason:            reason,
	}
	if len(primary) > 2 {
		f.ThirdPartyTeams = primary[2:]
	}
	f.CenterX, f.CenterY, f.SpreadRadius = s.geography()
	for i := range s.players {
		p := &s.players[i]
		if isNPCOrBot(p.name) {
			continue
		}
		fp := FightParticipant{
			PlayerName: p.name, AccountID: p.account, TeamID: p.team,
			KnocksDealt: p.knocks, KillsDealt: p.kills, DamageDealt: p.damageDealt, DamageTaken: p.damageTaken,
			WasKnocked: p.wasKnocked, WasKilled: p.wasKilled, KnockedAt: nonZeroTime(p.knockedAt), KilledAt: nonZeroTime(p.killedAt),
		}
		if len(p.pos) > 0 {
			var sx, sy pySum
			for _, l := range p.pos {
				sx.add(l[0])
				sy.add(l[1])
			}
			fp.CenterX, fp.CenterY = Some(sx.value()/float64(len(p.pos))), Some(sy.value()/float64(len(p.pos)))
		}
		f.Participants = append(f.Participants, fp)
	}
	return f, true
}

// nonZeroTime is t, absent when it is the zero time (never set, or an event
// without a `_D`), which is stored as NULL.
func nonZeroTime(t time.Time) Opt[time.Time] { return OptIf(!t.IsZero(), t) }
