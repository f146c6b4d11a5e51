package telemetry_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
	"github.com/pewstats/collector/child/telemetry/internal/baseline"
)

var (
	benchOnce  sync.Once
	benchPlain []byte
	benchGz    []byte
	benchGz2   []byte
)

// benchData is a full modern match from child/synth (seed 1, squad-fpp,
// the match of BenchmarkReadSynth): ~55,000 events, ~37 MB of JSON, as
// plain JSON, gzip and gzip of gzip.
func benchData(tb testing.TB) ([]byte, []byte, []byte) {
	benchOnce.Do(func() {
		m, err := synth.Generate(synth.Options{Seed: 1, GameMode: "squad-fpp", TrackedFraction: 0.25})
		if err != nil {
			tb.Fatal(err)
		}
		benchPlain = m.Bytes(synth.EncodingPlain)
		benchGz = m.Bytes(synth.EncodingGzip)
		benchGz2 = m.Bytes(synth.EncodingDoubleGzip)
	})
	return benchPlain, benchGz, benchGz2
}

func reportEvents(b *testing.B, m *telemetry.Match, cpu0 time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(m.TotalEvents), "ns/event")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's CPU time (GC included): on a shared machine it
// is steadier than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRead measures the production reader on plain, gzip and doubly
// gzipped input (MB/s is of the decompressed JSON).
func BenchmarkRead(b *testing.B) {
	plain, gz, gz2 := benchData(b)
	for _, c := range []struct {
		name string
		data []byte
	}{{"plain", plain}, {"gzip", gz}, {"gzip2", gz2}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			var m *telemetry.Match
			cpu0 := cpuTime()
			for b.Loop() {
				var err error
				m, err = telemetry.Read(context.Background(), bytes.NewReader(c.data), "bench", 0)
				if err != nil {
					b.Fatal(err)
				}
			}
			reportEvents(b, m, cpu0)
		})
	}
}

// BenchmarkReadBaseline is the encoding/json Decoder the scanner replaced.
func BenchmarkReadBaseline(b *testing.B) {
	plain, _, _ := benchData(b)
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

// BenchmarkGunzip compares the standard library's inflate with
// klauspost/compress on the same stream.
func BenchmarkGunzip(b *testing.B) {
	plain, gz, _ := benchData(b)
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("klauspost", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			zr, err := kgzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
		}
	})
}
