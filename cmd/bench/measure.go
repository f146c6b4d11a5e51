package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuWatch follows the CPU time of the supervisor, its children and the
// PostgreSQL backends serving them (application_name 'collector' on the
// bench database; the server is local, so their /proc is readable). Every
// process's time is counted from the first time it is seen after start,
// and its last reading is kept, so a backend or child that exits during
// the run still counts up to its last sample.
type cpuWatch struct {
	db     *sql.DB
	dbName string
	parent int
	base   map[int]float64
	last   map[int]float64
	role   map[int]string // "parent", "child", "postgres"

	broker                int // RabbitMQ's beam.smp, 0 if not found
	broker0, busy0, idle0 float64
	// pgBackground are PostgreSQL's own processes (WAL writer,
	// checkpointer, background writer, …): the WAL our rows make is
	// written there. Shared with whatever else the server serves.
	pgBackground map[int]float64
}

func newCPUWatch(db *sql.DB, dbName string, parent int) *cpuWatch {
	return &cpuWatch{db: db, dbName: dbName, parent: parent,
		base: map[int]float64{}, last: map[int]float64{}, role: map[int]string{}}
}

// start takes the baseline: CPU spent before consuming began (process
// start, connecting) is not the matches'.
func (w *cpuWatch) start(ctx context.Context) {
	w.broker = processNamed("beam.smp")
	if w.broker != 0 {
		w.broker0 = cpuSeconds(w.broker)
	}
	w.busy0, w.idle0 = machineCPU()
	w.pgBackground = map[int]float64{}
	for _, pid := range postgresBackground() {
		w.pgBackground[pid] = cpuSeconds(pid)
	}
	for pid, role := range w.processes(ctx) {
		w.role[pid] = role
		w.base[pid] = cpuSeconds(pid)
		w.last[pid] = w.base[pid]
	}
}

func (w *cpuWatch) sample(ctx context.Context) {
	for pid, role := range w.processes(ctx) {
		v := cpuSeconds(pid)
		if v == 0 {
			continue // gone between the listing and the read
		}
		if _, ok := w.role[pid]; !ok {
			w.role[pid] = role // started after the baseline: all of it counts
		}
		w.last[pid] = v
	}
}

// machine returns, since start, the broker's CPU seconds, PostgreSQL's
// background processes' and the whole machine's busy and idle CPU seconds.
func (w *cpuWatch) machine() (broker, pgBackground, busy, idle float64) {
	if w.broker != 0 {
		broker = cpuSeconds(w.broker) - w.broker0
	}
	for pid, v := range w.pgBackground {
		if now := cpuSeconds(pid); now > 0 {
			pgBackground += now - v
		}
	}
	b, i := machineCPU()
	return broker, pgBackground, b - w.busy0, i - w.idle0
}

// postgresBackground lists PostgreSQL's auxiliary processes, whose
// command lines the server sets to "postgres: <cluster>: <role>".
func postgresBackground() []int {
	roles := []string{": walwriter", ": checkpointer", ": background writer", ": autovacuum", ": logical replication", ": stats"}
	return processes("cmdline", func(cmdline string) bool {
		if !strings.HasPrefix(cmdline, "postgres: ") {
			return false
		}
		for _, r := range roles {
			if strings.Contains(cmdline, r) {
				return true
			}
		}
		return false
	})
}

// processes lists the pids whose /proc/<pid>/<file> can be read and keep
// accepts.
func processes(file string, keep func(content string) bool) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/" + file); err == nil && keep(string(b)) {
			out = append(out, p)
		}
	}
	return out
}

// machineCPU is the machine's busy and idle (idle + iowait) CPU seconds
// since boot, over all CPUs, from the first line of /proc/stat.
func machineCPU() (busy, idle float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	for i, v := range f[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		switch i {
		case 3, 4: // idle, iowait
			idle += n
		case 8, 9: // guest time is already counted in user
		default:
			busy += n
		}
	}
	return busy / 100, idle / 100
}

// processNamed returns the pid of the first process whose command name is
// name, 0 if none.
func processNamed(name string) int {
	if ps := processes("comm", func(comm string) bool { return strings.TrimSpace(comm) == name }); len(ps) > 0 {
		return ps[0]
	}
	return 0
}

// used returns CPU seconds since start by role.
func (w *cpuWatch) used() (child, parent, pg float64) {
	for pid, role := range w.role {
		d := w.last[pid] - w.base[pid]
		switch role {
		case "child":
			child += d
		case "parent":
			parent += d
		case "postgres":
			pg += d
		}
	}
	return child, parent, pg
}

func (w *cpuWatch) processes(ctx context.Context) map[int]string {
	out := map[int]string{w.parent: "parent"}
	for _, c := range children(w.parent) {
		out[c] = "child"
	}
	for _, p := range backendPIDs(ctx, w.db, w.dbName) {
		out[p] = "postgres"
	}
	return out
}

// backendPIDs lists the collector's backends on the bench database.
func backendPIDs(ctx context.Context, db *sql.DB, dbName string) []int {
	rows, err := db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'collector'`, dbName)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			out = append(out, pid)
		}
	}
	return out
}

// catalogWrites counts rows inserted, updated and deleted in the bench
// database's own system catalogs (shared catalogs left out): what a
// CREATE TEMP TABLE per match costs, and autovacuum must clean up.
// pg_statistic is left out too: autoanalyze writes it for the rows the run
// inserts, whatever the writers do.
type catalogWrites struct {
	total, pgClass, pgAttribute int64
}

func (c catalogWrites) minus(o catalogWrites) catalogWrites {
	return catalogWrites{c.total - o.total, c.pgClass - o.pgClass, c.pgAttribute - o.pgAttribute}
}

const catalogWritesSQL = `
SELECT s.relname, s.n_tup_ins + s.n_tup_upd + s.n_tup_del
FROM pg_stat_sys_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = 'pg_catalog' AND NOT c.relisshared AND s.relname <> 'pg_statistic'`

func readCatalogWrites(ctx context.Context, db *sql.DB) (catalogWrites, error) {
	rows, err := db.QueryContext(ctx, catalogWritesSQL)
	if err != nil {
		return catalogWrites{}, fmt.Errorf("read catalog statistics: %w", err)
	}
	defer rows.Close()
	var c catalogWrites
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return catalogWrites{}, err
		}
		c.total += n
		switch name {
		case "pg_class":
			c.pgClass = n
		case "pg_attribute":
			c.pgAttribute = n
		}
	}
	return c, rows.Err()
}

// settledCatalogWrites reads the catalog counters until two reads half a
// second apart agree: backends that just exited flush their counts a
// moment later.
func settledCatalogWrites(ctx context.Context, db *sql.DB) (catalogWrites, error) {
	prev, err := readCatalogWrites(ctx, db)
	if err != nil {
		return prev, err
	}
	for range 10 {
		time.Sleep(500 * time.Millisecond)
		cur, err := readCatalogWrites(ctx, db)
		if err != nil {
			return cur, err
		}
		if cur == prev {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}

func children(pid int) []int {
	ppid := strconv.Itoa(pid)
	return processes("stat", func(stat string) bool {
		// pid (comm) state ppid ...
		f := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
		return len(f) > 1 && f[1] == ppid
	})
}

func childPeaks(pid int) map[int]int64 {
	out := map[int]int64{}
	for _, c := range children(pid) {
		out[c] = statusKB(c, "VmHWM") * 1024
	}
	return out
}

func statusKB(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			f := strings.Fields(line[len(key)+1:])
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// cpuSeconds is a process's user+system time so far (0 if it is gone).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}
