package extract

import (
	"bytes"
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

var (
	benchOnce   sync.Once
	benchGz     []byte
	benchPlainN int
	benchEvents []telemetry.Event
)

// benchMatch is a modern squad match from child/synth (seed 1: 54,556
// events, 36.9 MB of JSON, a quarter of the players tracked), gzipped as the
// download worker stores it, and its
// decoded events.
func benchMatch(b *testing.B) ([]byte, []telemetry.Event) {
	benchOnce.Do(func() {
		sm, err := synth.Generate(synth.Options{Seed: 1, GameMode: "squad-fpp", TrackedFraction: 0.25})
		if err != nil {
			panic(err)
		}
		var plain, gz bytes.Buffer
		if _, err := sm.WriteTo(&plain); err != nil {
			panic(err)
		}
		if err := sm.Encode(&gz, synth.EncodingGzip); err != nil {
			panic(err)
		}
		for _, p := range sm.Players {
			if p.Tracked {
				benchTracked[p.Name] = struct{}{}
			}
		}
		benchPlainN = plain.Len()
		benchGz = gz.Bytes()
		m, err := telemetry.Read(context.Background(), bytes.NewReader(benchGz), "bench", 0)
		if err != nil {
			panic(err)
		}
		benchEvents = m.Events
	})
	return benchGz, benchEvents
}

// benchTracked is the synthetic match's tracked players (the players
// table of its seed).
var benchTracked = map[string]struct{}{}

func BenchmarkExtractLandings(b *testing.B) {
	_, evs := benchMatch(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Landings(evs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractKillPositions(b *testing.B) {
	_, evs := benchMatch(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := KillPositions(evs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractWeaponKills(b *testing.B) {
	_, evs := benchMatch(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WeaponKills(evs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractDamage(b *testing.B) {
	_, evs := benchMatch(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DamageEvents(evs, benchTracked); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractFinishing(b *testing.B) {
	_, evs := benchMatch(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Finishing(evs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadAndExtract is the per-match budget: gunzip, parse and run
// every extractor of this package (the aggregates included) on one full
// match. Run with -cpu 1 for
// the one-core figure. cpu-ms/op is process CPU time (GC included), which
// a busy machine disturbs less than wall time. peak-heap-MiB is measured
// on one extra run from a collected heap: the highest live-heap-objects
// figure (garbage included) above the heap held before it.
func BenchmarkReadAndExtract(b *testing.B) {
	gz, _ := benchMatch(b)
	run := func() {
		m, err := telemetry.Read(context.Background(), bytes.NewReader(gz), "bench", 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Landings(m.Events); err != nil {
			b.Fatal(err)
		}
		if _, err := KillPositions(m.Events); err != nil {
			b.Fatal(err)
		}
		if _, err := WeaponKills(m.Events); err != nil {
			b.Fatal(err)
		}
		if _, err := DamageEvents(m.Events, benchTracked); err != nil {
			b.Fatal(err)
		}
		if _, _, err := Finishing(m.Events); err != nil {
			b.Fatal(err)
		}
		allAggregates(m.Events)
	}
	peak := peakHeapMiB(run)
	b.SetBytes(int64(benchPlainN))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(peak, "peak-heap-MiB")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakHeapMiB runs fn once from a freshly collected heap and returns the
// highest heap growth seen while it ran.
func peakHeapMiB(fn func()) float64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go samplePeakHeap(stop, peak)
	fn()
	close(stop)
	p := <-peak
	if p < base {
		return 0
	}
	return float64(p-base) / (1 << 20)
}

// samplePeakHeap records the largest live-heap-objects figure seen. It
// includes garbage not yet collected, so it over-states the true peak.
func samplePeakHeap(stop <-chan struct{}, out chan<- uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var max uint64
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			out <- max
			return
		case <-t.C:
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > max {
				max = v
			}
		}
	}
}
