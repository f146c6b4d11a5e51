package child

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/protocol"
)

// BenchmarkProcessMatch is one child's whole job on gzipped modern
// matches, database included: gate read, read, extract, the match
// transaction. Each iteration processes another match. Besides time it
// reports this process's CPU (child-cpu-ms/op) and that of the PostgreSQL
// backends serving it (pg-cpu-ms/op; the server is local). With
// -cpuprofile it is the child's side of docs/PERFORMANCE.md's profile.
// PROCESS_BENCH_TRACKED sets the share of players tracked (default 0.15,
// the "heavy" matches of make bench).
func BenchmarkProcessMatch(b *testing.B) {
	fraction := 0.15
	if v := os.Getenv("PROCESS_BENCH_TRACKED"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			b.Fatal(err)
		}
		fraction = f
	}
	name := storetest.NewDatabase(b)
	db := storetest.Open(b, name)
	ctx := context.Background()
	if _, err := schema.Migrate(ctx, db, nil); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	bodies := make([][]byte, b.N)
	for i := range bodies {
		m, err := synth.Generate(synth.Options{Profile: synth.ProfileModern, Seed: synth.SeriesSeed(4242, i), TrackedFraction: fraction})
		if err != nil {
			b.Fatal(err)
		}
		f, err := synth.WriteMatch(dir, m, synth.EncodingGzip)
		if err != nil {
			b.Fatal(err)
		}
		if err := synth.NewSeed(m).Apply(ctx, db); err != nil {
			b.Fatal(err)
		}
		bodies[i] = synth.NewMessage(m, f.Path, f.Size, "").JSON()
	}
	p := storetest.FromEnv()
	port, _ := strconv.Atoi(p.Port)
	st, err := store.Open(ctx, store.Config{Host: p.Host, Port: port, DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	proc := NewProcessor(st, Config{TelemetryDir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	backends := func() float64 {
		rows, err := db.Query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'collector'`, name)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		total := 0.0
		for rows.Next() {
			var pid int
			if err := rows.Scan(&pid); err != nil {
				b.Fatal(err)
			}
			total += processCPU(pid)
		}
		return total
	}
	b.ResetTimer()
	pg0, me0 := backends(), processCPU(os.Getpid())
	for i := range b.N {
		res, err := proc.Process(ctx, &protocol.Job{Body: bodies[i], Attempt: 1})
		if err != nil || res.Outcome != protocol.OutcomeSuccess {
			b.Fatalf("match %d: %v %+v", i, err, res)
		}
	}
	b.StopTimer()
	b.ReportMetric((processCPU(os.Getpid())-me0)*1000/float64(b.N), "child-cpu-ms/op")
	b.ReportMetric((backends()-pg0)*1000/float64(b.N), "pg-cpu-ms/op")
}

// processCPU is a process's user+system CPU seconds (0 when unreadable).
func processCPU(pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}
