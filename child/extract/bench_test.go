package extract

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

// fullMatch is a generated full-size squad match (child/synth, seed 42,
// bots named like NPCs): about 55,000 events.
var fullMatch = sync.OnceValue(func() []telemetry.Event {
	m, err := synth.Generate(synth.Options{Seed: 42, GameMode: "squad-fpp", NPCs: true})
	if err != nil {
		panic(err)
	}
	parsed, err := telemetry.Read(context.Background(), bytes.NewReader(m.Bytes(synth.EncodingPlain)), "bench", 0)
	if err != nil {
		panic(err)
	}
	return parsed.Events
})

func trackedEvery4th(name string) bool { return len(name) > 0 && name[len(name)-1]%4 == 0 }

// allAggregates is everything this package's aggregate steps do per match.
func allAggregates(events []telemetry.Event) int {
	n := len(TeamFights(events))
	items := ItemUsageStats(events)
	adv := AdvancedCombatStats(events)
	circ := CircleTracking(events, trackedEvery4th)
	n += len(MergeEnhancedStats(items, adv, circ.Aggregates)) + len(circ.Positions)
	return n + len(WeaponDistribution(events))
}

func benchExtract(b *testing.B, f func([]telemetry.Event) int) {
	events := fullMatch()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if f(events) == 0 {
			b.Fatal("nothing extracted")
		}
	}
	b.ReportMetric(float64(len(events)), "events")
}

func BenchmarkTeamFights(b *testing.B) {
	benchExtract(b, func(e []telemetry.Event) int { return len(TeamFights(e)) })
}
func BenchmarkItemUsage(b *testing.B) {
	benchExtract(b, func(e []telemetry.Event) int { return len(ItemUsageStats(e)) })
}
func BenchmarkAdvancedStats(b *testing.B) {
	benchExtract(b, func(e []telemetry.Event) int { return len(AdvancedCombatStats(e)) })
}
func BenchmarkCircleTracking(b *testing.B) {
	benchExtract(b, func(e []telemetry.Event) int { return len(CircleTracking(e, trackedEvery4th).Aggregates) })
}
func BenchmarkWeaponDistribution(b *testing.B) {
	benchExtract(b, func(e []telemetry.Event) int { return len(WeaponDistribution(e)) })
}
func BenchmarkAllAggregates(b *testing.B) { benchExtract(b, allAggregates) }

// TestAggregatesBudget keeps the aggregate extraction of a full-size match
// well inside the per-match budget (the whole extraction: < 300 ms on one
// core, < 64 MiB peak heap). Allocation is what can regress silently; the
// bound is on everything allocated, an upper bound of the heap growth.
// The race detector changes allocation, so `make test` runs tests named
// *Budget in a second pass without -race.
//
// The budget is per kept event: 24 MiB for the 62,103 events of the
// denser match the removed aggsynth generator made (positions every 2.5 s),
// about 405 bytes an event, so the synth match (about 18,400 kept events)
// is held to the same headroom rather than to a bound three times looser.
func TestAggregatesBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation budget is measured without -race and -short")
	}
	events := fullMatch()
	if len(events) < 15000 {
		t.Fatalf("the full match has %d kept events, want a full-size one", len(events))
	}
	budget := uint64(24<<20) * uint64(len(events)) / 62103
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	allAggregates(events)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > budget {
		t.Errorf("aggregate extraction allocated %.1f MiB for %d events, budget %.1f MiB (405 bytes an event)", float64(got)/(1<<20), len(events), float64(budget)/(1<<20))
	}
}
