package telemetry_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
	"github.com/pewstats/collector/child/telemetry/internal/baseline"
)

var (
	synthOnce           sync.Once
	synthPlain, synthGz []byte
)

// synthData is a modern squad match from child/synth (seed 1): 54,556
// events, 36.9 MB of JSON, the real files. key orders and traps.
func synthData(tb testing.TB) ([]byte, []byte) {
	synthOnce.Do(func() {
		m, err := synth.Generate(synth.Options{Seed: 1, GameMode: "squad-fpp", TrackedFraction: 0.25})
		if err != nil {
			tb.Fatal(err)
		}
		var plain, gz bytes.Buffer
		if _, err := m.WriteTo(&plain); err != nil {
			tb.Fatal(err)
		}
		if err := m.Encode(&gz, synth.EncodingGzip); err != nil {
			tb.Fatal(err)
		}
		synthPlain, synthGz = plain.Bytes(), gz.Bytes()
	})
	return synthPlain, synthGz
}

// BenchmarkReadSynth is BenchmarkRead on the child/synth match; "reused"
// reads every time through the same Buffers, as a child does.
func BenchmarkReadSynth(b *testing.B) {
	plain, gz := synthData(b)
	for _, c := range []struct {
		name   string
		data   []byte
		reused bool
	}{{"plain", plain, false}, {"gzip", gz, false}, {"gzip-reused", gz, true}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			var m *telemetry.Match
			var buf *telemetry.Buffers
			if c.reused {
				buf = &telemetry.Buffers{}
			}
			cpu0 := cpuTime()
			for b.Loop() {
				var err error
				m, err = buf.Read(context.Background(), bytes.NewReader(c.data), "bench", 0)
				if err != nil {
					b.Fatal(err)
				}
			}
			reportEvents(b, m, cpu0)
		})
	}
}

// TestReadSynthMatch: the synthetic modern match decodes cleanly, with no
// type mismatches.
func TestReadSynthMatch(t *testing.T) {
	_, gz := synthData(t)
	m, err := telemetry.Read(context.Background(), bytes.NewReader(gz), "synth", 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.TotalEvents < 50000 || len(m.Events) == 0 || m.Mismatches != 0 {
		t.Fatalf("total %d kept %d mismatches %d (%s)", m.TotalEvents, len(m.Events), m.Mismatches, m.FirstMismatch)
	}
	t.Logf("%d events, %d kept, %d bytes", m.TotalEvents, len(m.Events), m.DecompressedBytes)
}

// BenchmarkReadBaselineSynth is the encoding/json baseline on the
// child/synth match.
func BenchmarkReadBaselineSynth(b *testing.B) {
	plain, _ := synthData(b)
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	var m *telemetry.Match
	cpu0 := cpuTime()
	for b.Loop() {
		var err error
		m, err = baseline.Decode(context.Background(), bytes.NewReader(plain), "bench")
		if err != nil {
			b.Fatal(err)
		}
	}
	reportEvents(b, m, cpu0)
}
