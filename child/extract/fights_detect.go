package extract

import (
	"cmp"
	"slices"

	"github.com/pewstats/collector/child/telemetry"
)

type combatKind uint8

const (
	combatKnock combatKind = iota + 1
	combatKill
	combatDamage
)

// combatEvent is one entry of the reference's combat_events: an inter-team
// knock (LogPlayerMakeGroggy), kill (LogPlayerKillV2, finisher vs victim) or
// positive damage (LogPlayerTakeDamage).
type combatEvent struct {
	t      int64 // `_D` in Unix microseconds
	ev     int32 // index into the match's events
	kind   combatKind
	atk    int64 // attacker (finisher) team
	vic    int64 // victim team
	damage float64
	atkLoc fightLoc
	vicLoc fightLoc
}

// timedEvent is an event the per-fight statistics may read, by time.
type timedEvent struct {
	t  int64
	ev int32
}

// fightIndex holds the match's events indexed once for fight detection.
type fightIndex struct {
	events []telemetry.Event
	combat []combatEvent // sorted by time, file order among equal times
	// window: every damage, knock and kill whose two teams are known (and,
	// for damage, differ) — a superset of what any fight's statistics read —
	// sorted like combat.
	window []timedEvent
}

func newFightIndex(events []telemetry.Event) *fightIndex {
	x := &fightIndex{events: events}
	for i := range events {
		ev := &events[i]
		var a, v *telemetry.Character
		var kind combatKind
		switch ev.Kind {
		case telemetry.KindPlayerMakeGroggy:
			a, v, kind = ev.Attacker, ev.Victim, combatKnock
		case telemetry.KindPlayerKillV2:
			a, v, kind = ev.Finisher, ev.Victim, combatKill
		case telemetry.KindPlayerTakeDamage:
			a, v, kind = ev.Attacker, ev.Victim, combatDamage
		default:
			continue
		}
		if ev.Has&telemetry.HasTime == 0 {
			continue // _parse_timestamp failed: the reference skips the event
		}
		at, okA := charTeam(a)
		vt, okV := charTeam(v)
		if !okA || !okV || (kind == combatDamage && at == vt) {
			continue
		}
		t := ev.Time.UnixMicro()
		x.window = append(x.window, timedEvent{t: t, ev: int32(i)})
		if at == vt || (kind == combatDamage && !(ev.Damage > 0)) {
			continue // same-team knocks and kills, and zero damage, are not combat
		}
		x.combat = append(x.combat, combatEvent{
			t: t, ev: int32(i), kind: kind, atk: at, vic: vt, damage: ev.Damage,
			atkLoc: locOf(a), vicLoc: locOf(v),
		})
	}
	// Python's list.sort is stable; so is this, and the slices start in file order.
	slices.SortStableFunc(x.combat, func(p, q combatEvent) int { return cmp.Compare(p.t, q.t) })
	slices.SortStableFunc(x.window, func(p, q timedEvent) int { return cmp.Compare(p.t, q.t) })
	return x
}

// engagement is a cluster of combat events.
type engagement struct {
	start, end int64
	events     []int32 // indices into combat, seed first then in time order
	teams      []int64 // the teams involved (membership only; see replayTeams for order)
}

func (e *engagement) hasTeam(t int64) bool { return slices.Contains(e.teams, t) }

// engagements is _detect_combat_engagements. Each not-yet-used combat event
// seeds an engagement with a fixed centre (the mean of its attacker and
// victim locations); later unused events join while they are within 240 s
// of the seed and 45 s of the engagement's last event, if both their teams
// are already fighting, or one is and every located party of the event is
// within 300 m of the centre. Joined events are used up.
//
// Used events are unlinked from a list of unused ones, so each seed scans
// only unused events in its time window; the reference visits and skips the
// used ones, which cannot change a break decision (times are sorted).
func (x *fightIndex) engagements() []engagement {
	n := int32(len(x.combat))
	next := make([]int32, n+1) // next[i]: following unused index; n is the end
	prev := make([]int32, n+1)
	for i := int32(0); i <= n; i++ {
		next[i], prev[i] = i+1, i-1
	}
	unlink := func(i int32) {
		if p := prev[i]; p >= 0 {
			next[p] = next[i]
		}
		prev[next[i]] = prev[i]
	}
	var out []engagement
	// Every index below the seed is used, so the seed is always the head.
	for seed := int32(0); seed < n; seed = next[seed] {
		s := &x.combat[seed]
		eng := engagement{start: s.t, end: s.t, events: []int32{seed}, teams: []int64{s.atk, s.vic}}
		center, hasCenter := fixedCenter(s)
		for j := next[seed]; j < n; {
			c := &x.combat[j]
			if c.t-eng.start > fightMaxDurationMicros || c.t-eng.end > fightWindowMicros {
				break
			}
			inA, inV := eng.hasTeam(c.atk), eng.hasTeam(c.vic)
			join := inA && inV
			if !join && (inA || inV) && hasCenter {
				join = maxDistanceFrom(center, c) <= fightMaxDistanceMetres
			}
			following := next[j]
			if join {
				eng.events = append(eng.events, j)
				if !inA {
					eng.teams = append(eng.teams, c.atk)
				}
				if !inV {
					eng.teams = append(eng.teams, c.vic)
				}
				eng.end = c.t
				unlink(j)
			}
			j = following
		}
		out = append(out, eng)
		// The seed itself is unlinked last, as the reference marks it used
		// after its scan; next[seed] still points at the following unused event.
		unlink(seed)
	}
	return out
}

// fixedCenter is the mean of the seed's present attacker and victim
// locations. A location missing a coordinate would make the reference raise;
// the missing coordinate counts as 0 here.
func fixedCenter(c *combatEvent) ([3]float64, bool) {
	var locs [][3]float64
	for _, l := range []fightLoc{c.atkLoc, c.vicLoc} {
		if l.present {
			locs = append(locs, l.v)
		}
	}
	if len(locs) == 0 {
		return [3]float64{}, false
	}
	var ctr [3]float64
	for k := range 3 {
		var s pySum
		for _, l := range locs {
			s.add(l[k])
		}
		ctr[k] = s.value() / float64(len(locs))
	}
	return ctr, true
}

// maxDistanceFrom is the largest distance from the centre to the event's
// present, complete locations (0 when there is none, which then joins).
func maxDistanceFrom(center [3]float64, c *combatEvent) float64 {
	var m float64
	for _, l := range []fightLoc{c.atkLoc, c.vicLoc} {
		if l.present && l.complete {
			if d := dist3(center, l.v); d > m {
				m = d
			}
		}
	}
	return m
}
