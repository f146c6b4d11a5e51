package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
)

// catalogCounts are rows inserted and deleted in the catalogs a table's
// creation and drop touch, from the cumulative statistics of the test's
// own database.
type catalogCounts map[string][2]int64

// catalogsWatched are what CREATE TEMP TABLE … ON COMMIT DROP writes (and
// its drop deletes). pg_statistic is left out: autoanalyze may write it
// for the rows the test inserts, which is not the writers' doing.
var catalogsWatched = []string{"pg_class", "pg_attribute", "pg_type", "pg_depend"}

func readCatalogCounts(t *testing.T, db *sql.DB) catalogCounts {
	t.Helper()
	rows, err := db.Query(`SELECT relname, n_tup_ins, n_tup_del FROM pg_stat_sys_tables
		WHERE schemaname = 'pg_catalog' AND relname = ANY($1)`, "{"+strings.Join(catalogsWatched, ",")+"}")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := catalogCounts{}
	for rows.Next() {
		var name string
		var ins, del int64
		if err := rows.Scan(&name, &ins, &del); err != nil {
			t.Fatal(err)
		}
		out[name] = [2]int64{ins, del}
	}
	return out
}

// settledCatalogCounts waits for the counters to stop moving: a backend
// flushes its counts when it exits, a moment after its client closed it.
func settledCatalogCounts(t *testing.T, db *sql.DB) catalogCounts {
	t.Helper()
	prev := readCatalogCounts(t, db)
	for range 20 {
		time.Sleep(300 * time.Millisecond)
		cur := readCatalogCounts(t, db)
		if equalCounts(cur, prev) {
			return cur
		}
		prev = cur
	}
	return prev
}

func equalCounts(a, b catalogCounts) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (c catalogCounts) minus(o catalogCounts) (ins, del int64) {
	for k, v := range c {
		ins += v[0] - o[k][0]
		del += v[1] - o[k][1]
	}
	return ins, del
}

// TestMatchesWriteNoCatalogRows processes matches with every step storing
// rows and requires the system catalogs to be untouched: no temporary
// table, no DDL of any kind per match. The same matches through the
// staging-table writers that came before must show up in the same
// counters, so the measurement is known to see what it looks for.
func TestMatchesWriteNoCatalogRows(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	matches, seed := parityMatches(t)
	name := storetest.NewDatabase(t)
	setup := storetest.Open(t, name)
	if _, err := schema.Migrate(context.Background(), setup, nil); err != nil {
		t.Fatal(err)
	}
	if err := seed.Apply(context.Background(), setup); err != nil {
		t.Fatal(err)
	}
	tracked := trackedIn(t, setup)
	setup.Close() // its backend flushes the migration's catalog counts as it exits

	reader := storetest.Open(t, name)
	reader.SetMaxOpenConns(1)
	p := storetest.FromEnv()
	open := func() *store.Store {
		st, err := store.Open(context.Background(), store.Config{Host: p.Host, Port: portOf(p), DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	run := func(legacy bool) (ins, del int64) {
		before := settledCatalogCounts(t, reader)
		st := open()
		for _, m := range matches {
			if _, err := st.CommitMatch(context.Background(), m.info.MatchID, m.steps(t, tracked, legacy)); err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
		if _, err := reader.Exec(`UPDATE matches SET ` + resetAllFlags()); err != nil {
			t.Fatal(err)
		}
		return settledCatalogCounts(t, reader).minus(before)
	}
	ins, del := run(false)
	if ins != 0 || del != 0 {
		t.Errorf("%d matches inserted %d and deleted %d rows in %v; want none", len(matches), ins, del, catalogsWatched)
	}
	oldIns, oldDel := run(true)
	if oldIns == 0 {
		t.Fatalf("the staging-table writers inserted no catalog row either: the counters do not see temporary tables")
	}
	t.Logf("catalog rows per match (%v): now %d inserted, %d deleted; staging tables: %d inserted, %d deleted",
		catalogsWatched, ins/int64(len(matches)), del/int64(len(matches)), oldIns/int64(len(matches)), oldDel/int64(len(matches)))
}
