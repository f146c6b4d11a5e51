package extract

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/pewstats/collector/child/telemetry"
	"github.com/pewstats/collector/child/telemetry/telemetrytest"
)

// naiveNear is _find_positions_near_time written the reference's way: scan
// every timestamp in insertion order.
func naiveNear(tl *timeline, target int64) []nearby {
	var out []nearby
	idx := map[string]int{}
	for si := range tl.slots { // slots are stored in insertion order
		s := &tl.slots[si]
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
// are shuffled locally so timestamps are out of order and repeat.
func TestTimelineMatchesNaiveScan(t *testing.T) {
	js := telemetrytest.Match(telemetrytest.Options{Seed: 3, Events: 8000})
	m, err := telemetry.Read(context.Background(), bytes.NewReader(js), "x", 0)
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
	for k := 0; k < 400; k++ {
		ev := &evs[r.IntN(len(evs))]
		if ev.Has&telemetry.HasTime == 0 {
			continue
		}
		target := ev.Time.UnixMicro() + int64(r.IntN(3_000_000)) - 1_500_000
		var got []nearby
		got, scratch = tl.near(target, scratch)
		want := naiveNear(tl, target)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("target %d: got %d players, want %d\n got %+v\nwant %+v", target, len(got), len(want), got, want)
		}
	}
}
