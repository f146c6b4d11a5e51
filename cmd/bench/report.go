package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
)

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(p*float64(len(s)-1) + 0.5)
	return s[i]
}

func mean(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t / float64(max(1, len(xs)))
}

// median is the middle value, or the mean of the two middle values.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is "median [min–max]" of xs, or the value alone for one run.
func spread(xs []float64, format string) string {
	if len(xs) == 1 {
		return fmt.Sprintf(format, xs[0])
	}
	return fmt.Sprintf(format+" ["+format+"–"+format+"]", median(xs), percentile(xs, 0), percentile(xs, 1))
}

// group is every round of one binary, kind and pool size.
type group struct {
	bin, kind string
	pool      int
	runs      []*result
}

func (g *group) each(f func(r *result) float64) []float64 {
	out := make([]float64, len(g.runs))
	for i, r := range g.runs {
		out[i] = f(r)
	}
	return out
}

func groups(rs []*result) []*group {
	var out []*group
	idx := map[string]*group{}
	for _, r := range rs {
		k := fmt.Sprintf("%s/%s/%d", r.bin, r.kind, r.pool)
		g, ok := idx[k]
		if !ok {
			g = &group{bin: r.bin, kind: r.kind, pool: r.pool}
			idx[k] = g
			out = append(out, g)
		}
		g.runs = append(g.runs, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.kind != b.kind {
			return a.kind > b.kind // production before heavy
		}
		if a.pool != b.pool {
			return a.pool < b.pool
		}
		return a.bin < b.bin
	})
	return out
}

func perMatchMS(v float64, r *result) float64 { return v * 1000 / float64(r.n()) }

func report(w io.Writer, o *options, sets []*matchSet, rs []*result) {
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/pewstats/collector/cmd/bench\ncpu-count: %d\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	for _, r := range rs {
		n := len(r.perMatch)
		maxChild := int64(0)
		if len(r.childPeakRSS) > 0 {
			maxChild = r.childPeakRSS[0]
		}
		fmt.Fprintf(w, "BenchmarkEndToEnd/bin=%s/kind=%s/pool=%d %d %.0f ns/match %.1f matches/min %.1f p50-ms %.1f p95-ms %.1f read-ms %.1f extract-ms %.1f store-ms %.1f child-cpu-ms/match %.1f pg-cpu-ms/match %.1f parent-cpu-ms/match %.1f catalog-rows/match %.1f child-peak-MiB\n",
			r.bin, r.kind, r.pool, n, float64(r.wall.Nanoseconds())/float64(max(1, n)), r.matchesPerMin(),
			percentile(r.perMatch, .50)*1000, percentile(r.perMatch, .95)*1000,
			mean(r.read)*1000, mean(r.extract)*1000, mean(r.store)*1000,
			perMatchMS(r.childCPU, r), perMatchMS(r.pgCPU, r), perMatchMS(r.parentCPU, r),
			float64(r.catalog.total)/float64(r.n()), float64(maxChild)/(1<<20))
	}
	gs := groups(rs)
	fmt.Fprintf(w, "\n%d matches per run, %d round(s); median [min–max] over rounds\n", o.matches, o.rounds)
	fmt.Fprintf(w, "\n| binary | kind | pool | matches/min | p50 | read | extract | store | child CPU ms/match | PostgreSQL CPU ms/match | parent CPU ms/match | catalog rows/match (pg_class, pg_attribute) | failed | child peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	defer reportMachine(w, gs)
	for _, g := range gs {
		var peak []float64
		for _, r := range g.runs {
			for _, c := range r.childPeakRSS {
				peak = append(peak, float64(c)/(1<<20))
			}
		}
		last := g.runs[len(g.runs)-1]
		failed := 0
		for _, r := range g.runs {
			failed += r.failed
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s ms | %.0f ms | %.0f ms | %s ms | %s | %s | %s | %s (%d, %d) | %d | %.0f–%.0f MiB |\n",
			g.bin, g.kind, g.pool,
			spread(g.each(func(r *result) float64 { return r.matchesPerMin() }), "%.0f"),
			spread(g.each(func(r *result) float64 { return percentile(r.perMatch, .5) * 1000 }), "%.0f"),
			median(g.each(func(r *result) float64 { return mean(r.read) * 1000 })),
			median(g.each(func(r *result) float64 { return mean(r.extract) * 1000 })),
			spread(g.each(func(r *result) float64 { return mean(r.store) * 1000 }), "%.0f"),
			spread(g.each(func(r *result) float64 { return perMatchMS(r.childCPU, r) }), "%.0f"),
			spread(g.each(func(r *result) float64 { return perMatchMS(r.pgCPU, r) }), "%.0f"),
			spread(g.each(func(r *result) float64 { return perMatchMS(r.parentCPU, r) }), "%.0f"),
			spread(g.each(func(r *result) float64 { return float64(r.catalog.total) / float64(r.n()) }), "%.0f"),
			last.catalog.pgClass/int64(last.n()), last.catalog.pgAttribute/int64(last.n()),
			failed, percentile(peak, 0), percentile(peak, 1))
	}
	reportScaling(w, o, gs)
	reportTables(w, gs)
	fmt.Fprintln(w)
	for _, s := range sets {
		fmt.Fprintf(w, "%s: gzip -dc floor %.1f ms per match, %.1f MB of JSON per match\n", s.kind.name, s.floorPerMatch*1000, s.unpackedPerMatchMB)
	}
}

// reportScaling gives, per binary and kind, the largest pool's throughput
// over the smallest's, round by round (the two ran minutes apart, so a
// ratio within a round is less exposed to the shared machine's drift).
func reportScaling(w io.Writer, o *options, gs []*group) {
	if len(o.pools) < 2 {
		return
	}
	lo, hi := o.pools[0], o.pools[len(o.pools)-1]
	find := func(bin, kind string, pool int) *group {
		for _, g := range gs {
			if g.bin == bin && g.kind == kind && g.pool == pool {
				return g
			}
		}
		return nil
	}
	fmt.Fprintf(w, "\n| binary | kind | pool %d ÷ pool %d |\n|---|---|---|\n", hi, lo)
	for _, g := range gs {
		if g.pool != lo {
			continue
		}
		h := find(g.bin, g.kind, hi)
		if h == nil {
			continue
		}
		var ratios []float64
		for i := range min(len(g.runs), len(h.runs)) {
			ratios = append(ratios, h.runs[i].matchesPerMin()/g.runs[i].matchesPerMin())
		}
		fmt.Fprintf(w, "| %s | %s | %s× |\n", g.bin, g.kind, spread(ratios, "%.2f"))
	}
}

// reportTables gives rows per match and rows per second of each table's
// write time (children's measurement), per binary, kind and pool.
func reportTables(w io.Writer, gs []*group) {
	tables := map[string]bool{}
	for _, g := range gs {
		for _, r := range g.runs {
			for t := range r.rows {
				tables[t] = true
			}
		}
	}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\nrows per match, and rows per second of that table's write time (median over rounds)\n\n| table |")
	var sep strings.Builder
	sep.WriteString("|---|")
	for _, g := range gs {
		fmt.Fprintf(w, " %s %s pool %d |", g.bin, g.kind, g.pool)
		sep.WriteString("---|")
	}
	fmt.Fprintf(w, "\n%s\n", sep.String())
	for _, t := range names {
		fmt.Fprintf(w, "| %s |", t)
		for _, g := range gs {
			perMatch := median(g.each(func(r *result) float64 { return float64(r.rows[t]) / float64(r.n()) }))
			perSec := median(g.each(func(r *result) float64 {
				if r.writeSeconds[t] == 0 {
					return 0
				}
				return float64(r.rows[t]) / r.writeSeconds[t]
			}))
			fmt.Fprintf(w, " %.0f (%.0f/s) |", perMatch, perSec)
		}
		fmt.Fprintln(w)
	}
}

// reportMachine says where the machine's CPU went during the runs, in
// cores (CPU seconds per second of wall time): the children, the parent,
// the PostgreSQL backends serving them and PostgreSQL's own background
// processes, the broker, and everything else the shared machine ran
// meanwhile, against the cores it has. The last columns are what a match
// cost the pipeline in CPU, and the matches per minute that cost allows
// on the machine's cores with nothing else running on them: on a shared
// machine, the figure two builds can be compared by.
func reportMachine(w io.Writer, gs []*group) {
	n := runtime.NumCPU()
	fmt.Fprintf(w, "\nwhere the CPU went while the queue drained, in cores (median over rounds); the machine has %d\n\n| binary | kind | pool | children | PostgreSQL backends | PostgreSQL background | parent | broker | everything else | idle | pipeline CPU ms/match | matches/min on %d free cores |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n", n, n)
	for _, g := range gs {
		cores := func(f func(r *result) float64) string {
			return fmt.Sprintf("%.2f", median(g.each(func(r *result) float64 { return f(r) / r.wall.Seconds() })))
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", g.bin, g.kind, g.pool,
			cores(func(r *result) float64 { return r.childCPU }), cores(func(r *result) float64 { return r.pgCPU }),
			cores(func(r *result) float64 { return r.pgBackgroundCPU }),
			cores(func(r *result) float64 { return r.parentCPU }), cores(func(r *result) float64 { return r.brokerCPU }),
			cores(func(r *result) float64 {
				return max(0, r.machineBusy-r.childCPU-r.pgCPU-r.pgBackgroundCPU-r.parentCPU-r.brokerCPU)
			}),
			cores(func(r *result) float64 { return r.machineIdle }),
			spread(g.each(func(r *result) float64 { return r.pipelineCPU() * 1000 }), "%.0f"),
			spread(g.each(func(r *result) float64 { return float64(n) * 60 / r.pipelineCPU() }), "%.0f"))
	}
}
