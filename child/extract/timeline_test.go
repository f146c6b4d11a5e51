package extract

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

// naiveNear is _build_position_timeline followed by
// _find_positions_near_time, written the reference's way and straight from
// the events (not from the timeline under test): a dict of timestamps in
// first-appearance order, each a dict of players in first-write order whose
// value a later write replaces; then a scan of every timestamp, keeping per
// player the smallest |Δt| within the window, the first timestamp winning
// ties.
func naiveNear(events []telemetry.Event, target int64) []nearby {
	type slot struct {
		micros  int64
		players []tlPos
	}
	var slots []*slot
	byInstant := map[int64]*slot{}
	for i := range events {
		ev := &events[i]
		if ev.Has&telemetry.HasTime == 0 {
			continue
		}
		var actors []*telemetry.Character
		switch ev.Kind {
		case telemetry.KindPlayerPosition:
			actors = []*telemetry.Character{ev.Character}
		case telemetry.KindPlayerTakeDamage:
			actors = []*telemetry.Character{ev.Attacker, ev.Victim}
		case telemetry.KindPlayerMakeGroggy, telemetry.KindPlayerKillV2:
			actors = []*telemetry.Character{ev.Attacker, ev.Finisher, ev.Victim}
		}
		for _, c := range actors {
			// `if name and location and team_id is not None`
			if c == nil || c.Name == "" || c.Has&telemetry.CharHasLocation == 0 || c.Has&telemetry.CharHasTeamID == 0 {
				continue
			}
			s := byInstant[ev.Time.UnixNano()]
			if s == nil {
				s = &slot{micros: ev.Time.UnixMicro()}
				byInstant[ev.Time.UnixNano()] = s
				slots = append(slots, s)
			}
			p := tlPos{name: c.Name, team: int64(c.TeamID), char: c}
			replaced := false
			for k := range s.players {
				if s.players[k].name == c.Name {
					s.players[k], replaced = p, true
				}
			}
			if !replaced {
				s.players = append(s.players, p)
			}
		}
	}
	var out []nearby
	idx := map[string]int{}
	for _, s := range slots {
		diff := s.micros - target
		if diff < 0 {
			diff = -diff
		}
		if diff > windowMicros {
			continue
		}
		for _, p := range s.players {
			if k, ok := idx[p.name]; !ok {
				idx[p.name] = len(out)
				out = append(out, nearby{p.name, p.team, p.char, diff})
			} else if diff < out[k].diff {
				out[k] = nearby{p.name, p.team, p.char, diff}
			}
		}
	}
	return out
}

// TestTimelineMatchesNaiveScan: the indexed window lookup returns exactly
// what the reference's full scan does, on a generated match whose events
// are shuffled locally so timestamps are out of order and repeat. The
// lookups must find players: an empty timeline (or one that loses
// positions) would otherwise agree with an empty scan.
func TestTimelineMatchesNaiveScan(t *testing.T) {
	sm, err := synth.Generate(synth.Options{Profile: synth.ProfileSmall, Seed: 3, GameMode: "squad-fpp"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := telemetry.Read(context.Background(), bytes.NewReader(sm.Bytes(synth.EncodingPlain)), "x", 0)
	if err != nil {
		t.Fatal(err)
	}
	evs := m.Events
	r := rand.New(rand.NewPCG(1, 2))
	for i := range evs {
		j := i + r.IntN(min(20, len(evs)-i))
		evs[i], evs[j] = evs[j], evs[i]
	}
	tl, err := buildTimeline(evs)
	if err != nil {
		t.Fatal(err)
	}
	var scratch []int
	lookups, found, multi, players := 0, 0, 0, 0
	for k := 0; k < 400; k++ {
		ev := &evs[r.IntN(len(evs))]
		if ev.Has&telemetry.HasTime == 0 {
			continue
		}
		target := ev.Time.UnixMicro() + int64(r.IntN(3_000_000)) - 1_500_000
		var got []nearby
		got, scratch = tl.near(target, scratch)
		want := naiveNear(evs, target)
		if !reflect.DeepEqual(got, want) {
			k := 0
			for k < min(len(got), len(want)) && got[k] == want[k] {
				k++
			}
			t.Fatalf("target %d: got %d players, want %d; first difference at %d:\n got %s\nwant %s",
				target, len(got), len(want), k, nearbyAt(got, k), nearbyAt(want, k))
		}
		lookups++
		players += len(got)
		if len(got) > 0 {
			found++
		}
		if len(got) > 1 {
			multi++
		}
	}
	t.Logf("%d lookups, %d found players (%d more than one), %d players in all", lookups, found, multi, players)
	// Every target lies within 1.5 s of an event of a match with positions
	// every few seconds: nearly all windows hold several players.
	if lookups < 300 || found < lookups*9/10 || multi < lookups*3/4 {
		t.Fatalf("%d lookups, only %d found a player and %d more than one: the comparison proves nothing", lookups, found, multi)
	}
}

func nearbyAt(ns []nearby, k int) string {
	if k >= len(ns) {
		return "(none)"
	}
	n := ns[k]
	return fmt.Sprintf("%s team %d at %+v, Δt %d µs", n.name, n.team, n.char.Location, n.diff)
}

// TestTimelineNearGolden pins _find_positions_near_time on a hand-written
// timeline: the ±5 s window is inclusive to the microsecond, a player's
// closest timestamp wins and the first-inserted one breaks ties, a later
// write at the same timestamp replaces the value but keeps the player's
// place, and actors without a name, location or team are not positions.
func TestTimelineNearGolden(t *testing.T) {
	evs := decode(t,
		// Inserted first although later in time: insertion order, not time
		// order, decides the result order and ties.
		`{"_T":"LogPlayerPosition",`+stamp("12:00:20.000000")+`,"character":`+ch("carol", 3, "", 30, 0, 0)+`}`,
		`{"_T":"LogPlayerPosition",`+stamp("12:00:10.000000")+`,"character":`+ch("alice", 1, "", 10, 0, 0)+`}`,
		`{"_T":"LogPlayerTakeDamage",`+stamp("12:00:12.000000")+`,"attacker":`+ch("bob", 2, "", 20, 0, 0)+`,"victim":`+ch("alice", 1, "", 11, 0, 0)+`}`,
		// Same instant again: alice's value replaced, her place kept.
		`{"_T":"LogPlayerPosition",`+stamp("12:00:10.000000")+`,"character":`+ch("alice", 1, "", 12, 0, 0)+`}`,
		// Equidistant from 12:00:15 with carol's 12:00:20 but inserted later.
		`{"_T":"LogPlayerPosition",`+stamp("12:00:10.000000")+`,"character":`+ch("carol", 3, "", 31, 0, 0)+`}`,
		// Not positions: no name, no location, no team.
		`{"_T":"LogPlayerPosition",`+stamp("12:00:15.000000")+`,"character":{"teamId":4,"location":{"x":1,"y":1,"z":1}}}`,
		`{"_T":"LogPlayerPosition",`+stamp("12:00:15.000000")+`,"character":{"name":"dave","teamId":4}}`,
		`{"_T":"LogPlayerPosition",`+stamp("12:00:15.000000")+`,"character":{"name":"erin","location":{"x":1,"y":1,"z":1}}}`,
		// An event kind the timeline does not read.
		`{"_T":"LogPlayerRevive",`+stamp("12:00:15.000000")+`,"reviver":`+ch("frank", 5, "", 1, 1, 1)+`}`,
	)
	tl, err := buildTimeline(evs)
	if err != nil {
		t.Fatal(err)
	}
	at := func(clock string) int64 { return tm(t, clock).V.UnixMicro() }
	type want struct {
		name string
		x    float64 // location x in centimetres, identifies the sample
		diff int64   // µs
	}
	tests := []struct {
		name   string
		target string
		want   []want
	}{
		{"everything within 5 s of 12:00:15; ties go to the first-inserted timestamp", "12:00:15.000000",
			[]want{{"carol", 30, 5_000_000}, {"alice", 11, 3_000_000}, {"bob", 20, 3_000_000}}},
		{"the edge of the window is inside", "12:00:05.000000",
			[]want{{"alice", 12, 5_000_000}, {"carol", 31, 5_000_000}}},
		{"one microsecond past the edge is outside", "12:00:04.999999", nil},
		{"closest sample wins; the order is first appearance in the window", "12:00:11.500000",
			[]want{{"alice", 11, 500_000}, {"carol", 31, 1_500_000}, {"bob", 20, 500_000}}},
		{"only the later timestamp in range", "12:00:24.000000",
			[]want{{"carol", 30, 4_000_000}}},
		{"nothing near", "12:01:00.000000", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := tl.near(at(tc.target), nil)
			var gotW []want
			for _, n := range got {
				gotW = append(gotW, want{n.name, n.char.Location.X, n.diff})
			}
			if !reflect.DeepEqual(gotW, tc.want) {
				t.Fatalf("near %s:\n got %+v\nwant %+v", tc.target, gotW, tc.want)
			}
			if naive := naiveNear(evs, at(tc.target)); !reflect.DeepEqual(got, naive) {
				t.Fatalf("near %s disagrees with the naive scan:\n got %+v\nwant %+v", tc.target, got, naive)
			}
		})
	}
}
