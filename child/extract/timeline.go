package extract

import (
	"slices"

	"github.com/pewstats/collector/child/telemetry"
)

// timeline is the reference's _build_position_timeline
// ({timestamp: {player: {location, teamId}}}) indexed for
// _find_positions_near_time. The reference scans every timestamp for every
// knock; here timestamps are also sorted by time so the ±5 s window is two
// binary searches, and the reference's iteration order (timestamps in
// first-appearance order, players in first-write order) is restored inside
// the window, so results, ties included, are the same.
type timeline struct {
	slots  []tlSlot
	byTime []int // slot indices sorted by (micros, order)
	// pos holds every slot's players, each slot's as a list linked in
	// first-write order: one growing slice instead of a slice per slot
	// (tens of thousands of small allocations per match).
	pos []tlPos
}

type tlSlot struct {
	micros      int64 // the timestamp truncated to microseconds, as fromisoformat reads it
	order       int   // first-appearance rank (dict insertion order)
	first, last int32 // the slot's players in pos; -1 when none
}

type tlPos struct {
	name string
	team int64
	char *telemetry.Character // holds the location
	next int32                // the slot's next player in pos, or -1
}

func buildTimeline(events []telemetry.Event) (*timeline, error) {
	tl := &timeline{pos: make([]tlPos, 0, len(events))}
	index := make(map[int64]int, len(events)/4) // exact instant (ns) -> slot
	add := func(ev *telemetry.Event, c *telemetry.Character) {
		// `if name and location and team_id is not None`
		if c == nil || c.Has&telemetry.CharHasName == 0 || c.Name == "" ||
			c.Has&telemetry.CharHasLocation == 0 || c.Has&telemetry.CharHasTeamID == 0 {
			return
		}
		key := ev.Time.UnixNano()
		si, ok := index[key]
		if !ok {
			si = len(tl.slots)
			index[key] = si
			tl.slots = append(tl.slots, tlSlot{micros: ev.Time.UnixMicro(), order: si, first: -1, last: -1})
		}
		s := &tl.slots[si]
		p := tlPos{name: c.Name, team: int64(c.TeamID), char: c, next: -1}
		for i := s.first; i >= 0; i = tl.pos[i].next {
			if tl.pos[i].name == c.Name {
				p.next = tl.pos[i].next
				tl.pos[i] = p // a later write replaces the value, keeps the position
				return
			}
		}
		i := int32(len(tl.pos))
		tl.pos = append(tl.pos, p)
		if s.last >= 0 {
			tl.pos[s.last].next = i
		} else {
			s.first = i
		}
		s.last = i
	}
	for i := range events {
		ev := &events[i]
		// Actors are read (`pos_data.get("name")`) for every event with a
		// truthy _D, parsable or not.
		if ev.Has&telemetry.HasDText != 0 {
			var read telemetry.Bad
			switch ev.Kind {
			case telemetry.KindPlayerPosition:
				read = telemetry.BadCharacter
			case telemetry.KindPlayerTakeDamage:
				read = telemetry.BadAttacker | telemetry.BadVictim
			case telemetry.KindPlayerMakeGroggy, telemetry.KindPlayerKillV2:
				read = telemetry.BadAttacker | telemetry.BadFinisher | telemetry.BadVictim
			}
			if err := notObject(ev, read); err != nil {
				return nil, err
			}
		}
		if ev.Has&telemetry.HasTime == 0 {
			continue
		}
		switch ev.Kind {
		case telemetry.KindPlayerPosition:
			add(ev, ev.Character)
		case telemetry.KindPlayerTakeDamage:
			add(ev, ev.Attacker)
			add(ev, ev.Victim)
		case telemetry.KindPlayerMakeGroggy, telemetry.KindPlayerKillV2:
			add(ev, ev.Attacker)
			add(ev, ev.Finisher)
			add(ev, ev.Victim)
		}
	}
	tl.byTime = make([]int, len(tl.slots))
	for i := range tl.byTime {
		tl.byTime[i] = i
	}
	slices.SortFunc(tl.byTime, func(a, b int) int {
		if d := tl.slots[a].micros - tl.slots[b].micros; d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
		return tl.slots[a].order - tl.slots[b].order
	})
	return tl, nil
}

// nearby is one player's position closest to a target time.
type nearby struct {
	name string
	team int64
	char *telemetry.Character
	diff int64 // |Δt| in microseconds
}

const windowMicros = 5_000_000 // window_seconds=5; `time_diff <= 5`

// near is _find_positions_near_time(target, window_seconds=5): for each
// player seen within ±5 s, the position with the smallest time difference,
// the first in timestamp insertion order winning ties, in the order the
// reference's dict would hold them.
func (tl *timeline) near(target int64, scratch []int) ([]nearby, []int) {
	lo, _ := slices.BinarySearchFunc(tl.byTime, target-windowMicros, func(si int, t int64) int {
		return cmp64(tl.slots[si].micros, t)
	})
	hi, _ := slices.BinarySearchFunc(tl.byTime, target+windowMicros+1, func(si int, t int64) int {
		return cmp64(tl.slots[si].micros, t)
	})
	win := append(scratch[:0], tl.byTime[lo:hi]...)
	slices.SortFunc(win, func(a, b int) int { return tl.slots[a].order - tl.slots[b].order })
	var out []nearby
	pos := map[string]int{}
	for _, si := range win {
		s := &tl.slots[si]
		diff := s.micros - target
		if diff < 0 {
			diff = -diff
		}
		for j := s.first; j >= 0; j = tl.pos[j].next {
			p := &tl.pos[j]
			if i, seen := pos[p.name]; seen {
				if diff < out[i].diff {
					out[i] = nearby{p.name, p.team, p.char, diff}
				}
				continue
			}
			pos[p.name] = len(out)
			out = append(out, nearby{p.name, p.team, p.char, diff})
		}
	}
	return out, win
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
