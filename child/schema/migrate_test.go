package schema

import (
	"database/sql"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pewstats/collector/child/store/storetest"
)

func TestVersionsAreOrderedAndWellNamed(t *testing.T) {
	vs := Versions()
	if len(vs) == 0 {
		t.Fatal("no embedded migrations")
	}
	if !sort.StringsAreSorted(vs) {
		t.Errorf("Versions not sorted: %v", vs)
	}
	re := regexp.MustCompile(`^[0-9]{3}_[a-z0-9_]+$`)
	for i, v := range vs {
		if !re.MatchString(v) {
			t.Errorf("version %q is not NNN_name", v)
		}
		if i > 0 && vs[i-1][:3] == v[:3] {
			t.Errorf("versions %q and %q share a number", vs[i-1], v)
		}
	}
}

func TestMigrateNilDB(t *testing.T) {
	if _, err := Migrate(t.Context(), nil, nil); err == nil {
		t.Fatal("Migrate(nil db) succeeded")
	}
}

// shapeOverrides are deliberate departures from expected_test.go in an
// upgraded database: types ("table.column" -> type) the migration must keep
// as it found them, and unique keys (table -> keys) it must not retrofit.
type shapeOverrides struct {
	types  map[string]string
	unique map[string][]string
}

// assertShape checks the columns, unique keys, foreign keys and indexes of
// every table against expected_test.go, as amended by o.
func assertShape(t *testing.T, db *sql.DB, o shapeOverrides) {
	t.Helper()
	for _, tbl := range expectedTables {
		t.Run("columns/"+tbl.name, func(t *testing.T) {
			got := columnTypes(t, db, tbl.name)
			if len(got) == 0 {
				t.Fatalf("table %s missing", tbl.name)
			}
			for _, spec := range tbl.columns {
				name, want, _ := strings.Cut(spec, " ")
				if o, ok := o.types[tbl.name+"."+name]; ok {
					want = o
				}
				typ, ok := got[name]
				switch {
				case !ok:
					t.Errorf("%s.%s missing (want %s)", tbl.name, name, want)
				case typ != want:
					t.Errorf("%s.%s is %s, want %s", tbl.name, name, typ, want)
				}
			}
		})
	}
	for table, want := range expectedUniqueKeys {
		if o, ok := o.unique[table]; ok {
			want = o
		}
		t.Run("unique/"+table, func(t *testing.T) {
			got := uniqueKeys(t, db, table)
			if !slices.Equal(got, want) {
				t.Errorf("unique keys of %s = %v, want %v", table, got, want)
			}
		})
	}
	t.Run("foreign_keys", func(t *testing.T) {
		if got := foreignKeys(t, db); !slices.Equal(got, expectedForeignKeys) {
			t.Errorf("foreign keys:\n got  %v\n want %v", got, expectedForeignKeys)
		}
	})
	for table, want := range expectedIndexes {
		t.Run("indexes/"+table, func(t *testing.T) {
			got := indexNames(t, db, table)
			for _, ix := range want {
				if !got[ix] {
					t.Errorf("index %s on %s missing", ix, table)
				}
			}
		})
	}
}

func TestMigrateEmptyDatabase(t *testing.T) {
	db := freshDB(t)
	applied := mustMigrate(t, db)
	if !slices.Equal(applied, Versions()) {
		t.Fatalf("applied %v, want every version %v", applied, Versions())
	}
	if n := count(t, db, `SELECT count(*) FROM schema_migrations WHERE applied_at IS NOT NULL`); n != len(Versions()) {
		t.Errorf("ledger has %d rows, want %d", n, len(Versions()))
	}
	assertShape(t, db, shapeOverrides{})

	// Defaults the worker relies on when it omits a column.
	mustExec(t, db, `INSERT INTO matches (match_id, map_name, game_mode, match_datetime) VALUES ('d-1', 'm', 'g', now())`)
	var status, gameType string
	var flags [7]bool
	err := db.QueryRow(`SELECT status, game_type, landings_processed, kills_processed, circles_processed,
		weapons_processed, damage_processed, finishing_processed, fights_processed FROM matches WHERE match_id = 'd-1'`).
		Scan(&status, &gameType, &flags[0], &flags[1], &flags[2], &flags[3], &flags[4], &flags[5], &flags[6])
	if err != nil {
		t.Fatal(err)
	}
	if status != "discovered" || gameType != "unknown" || flags != [7]bool{} {
		t.Errorf("matches defaults: status=%q game_type=%q flags=%v", status, gameType, flags)
	}
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	db := freshDB(t)
	mustMigrate(t, db)
	seedCurrent(t, db)
	schemaBefore := schemaFingerprint(t, db)
	dataBefore := dataFingerprint(t, db)

	tests := []struct {
		name  string
		prep  func(t *testing.T)
		wantN int // migrations expected to run
	}{
		{"ledger says everything is applied", func(*testing.T) {}, 0},
		// With the ledger emptied every file runs again against the full
		// schema: this exercises the SQL's own idempotency, which is what
		// protects a production database that predates the ledger.
		{"ledger emptied, every file re-run", func(t *testing.T) {
			mustExec(t, db, `DELETE FROM schema_migrations`)
		}, len(Versions())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.prep(t)
			applied := mustMigrate(t, db)
			if len(applied) != tc.wantN {
				t.Fatalf("applied %v, want %d migrations", applied, tc.wantN)
			}
			if got := schemaFingerprint(t, db); got != schemaBefore {
				t.Errorf("schema changed:\n%s", diffLines(schemaBefore, got))
			}
			dataAfter := dataFingerprint(t, db)
			for table, before := range dataBefore {
				if table == "schema_migrations" {
					continue // emptied and refilled by the second case
				}
				if dataAfter[table] != before {
					t.Errorf("%s data changed: %s -> %s", table, before, dataAfter[table])
				}
			}
		})
	}
}

func TestMigrateUpgradesOldProductionInPlace(t *testing.T) {
	db := oldProductionDB(t)
	before := snapshotOldColumns(t, db)

	applied := mustMigrate(t, db)
	if !slices.Equal(applied, Versions()) {
		t.Fatalf("applied %v, want %v", applied, Versions())
	}

	// Old rows, old values.
	after := snapshotOldColumns(t, db)
	for table, want := range before {
		if want == "" {
			t.Fatalf("fixture for %s has no rows", table)
		}
		if after[table] != want {
			t.Errorf("%s rows changed:\n before %s\n after  %s", table, want, after[table])
		}
	}

	// Full target shape, except the column whose older type must survive and
	// players.discord_id, which is added as a plain column: its UNIQUE is
	// only created with a new players table (see docs/SCHEMA.md).
	assertShape(t, db, shapeOverrides{
		types:  map[string]string{"landings.is_game": "numeric"},
		unique: map[string][]string{"players": {"player_id"}},
	})

	// New columns read as their defaults on old rows, without any UPDATE.
	checks := []struct {
		query string
		want  string
	}{
		{`SELECT string_agg(match_id || ':' || finishing_processed || ':' || fights_processed, ',' ORDER BY match_id) FROM matches`,
			"old-1:false:false,old-2:false:false"},
		{`SELECT string_agg(concat_ws(':', heals_used, boosts_used, throwables_used, smokes_thrown, killsteals,
			throwable_damage, damage_received, coalesce(avg_distance_from_center::text, 'null')), ',' ORDER BY id) FROM match_summaries`,
			"0:0:0:0:0:0.00:0.00:null,0:0:0:0:0:0.00:0.00:null"},
		{`SELECT total_damage || ':' || coalesce(team_outcomes::text, 'null') || ':' || coalesce(loser_team_id::text, 'null') FROM team_fights`,
			"0.00:null:null"},
		{`SELECT victim_teammates_within_50m || ':' || coalesce(victim_teammate_positions::text, 'null') FROM player_knock_events`,
			"0:null"},
		{`SELECT tracking_enabled::text FROM players WHERE player_id = 'account.a'`, "true"},
	}
	for _, c := range checks {
		var got string
		if err := db.QueryRow(c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", firstLine(c.query), err)
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", firstLine(c.query), got, c.want)
		}
	}

	// The differently named unique index on match_summaries satisfied the
	// key: no second one was added next to it.
	if n := count(t, db, `SELECT count(*) FROM pg_indexes WHERE tablename = 'match_summaries' AND indexdef LIKE 'CREATE UNIQUE%'`); n != 2 {
		t.Errorf("match_summaries has %d unique indexes, want 2 (pkey + ux_summaries_participant)", n)
	}

	// And a second run is a no-op.
	if again := mustMigrate(t, db); len(again) != 0 {
		t.Errorf("second run applied %v", again)
	}
}

func TestMigrateRefusesToDeduplicate(t *testing.T) {
	db := oldProductionDB(t)
	// Two rows for one (match_id, player_name): the unique key the upsert
	// needs cannot be added without deleting one, which Migrate must not do.
	mustExec(t, db, `INSERT INTO player_finishing_summary (match_id, player_name, team_id, total_knocks) VALUES ('old-1', 'Alpha', 4, 9)`)

	applied, err := Migrate(testCtx(t), db, testLogger(t))
	if err == nil {
		t.Fatal("Migrate succeeded despite duplicate (match_id, player_name) rows")
	}
	if !strings.Contains(err.Error(), "004_finishing_metrics") {
		t.Errorf("error does not name the failing migration: %v", err)
	}
	if want := Versions()[:3]; !slices.Equal(applied, want) {
		t.Errorf("applied before failure = %v, want %v", applied, want)
	}
	if n := count(t, db, `SELECT count(*) FROM player_finishing_summary`); n != 2 {
		t.Errorf("player_finishing_summary has %d rows, want both duplicates kept", n)
	}
	// The failed file rolled back as a whole: its earlier ALTER did not stick.
	if n := count(t, db, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'player_knock_events' AND column_name = 'victim_teammate_positions'`); n != 0 {
		t.Error("victim_teammate_positions exists although 004 failed")
	}
	if n := count(t, db, `SELECT count(*) FROM schema_migrations WHERE version = '004_finishing_metrics'`); n != 0 {
		t.Error("failed migration recorded in the ledger")
	}

	// Once an operator resolves the duplicate, the next run finishes.
	mustExec(t, db, `DELETE FROM player_finishing_summary WHERE total_knocks = 9`)
	applied = mustMigrate(t, db)
	if want := Versions()[3:]; !slices.Equal(applied, want) {
		t.Errorf("resumed run applied %v, want %v", applied, want)
	}
}

func TestMigrateRejectsForeignLedger(t *testing.T) {
	db := freshDB(t)
	// e.g. another migration tool's table of the same name.
	mustExec(t, db, `CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL)`)
	if _, err := Migrate(testCtx(t), db, testLogger(t)); err == nil {
		t.Fatal("Migrate accepted a schema_migrations table it does not own")
	}
	if n := count(t, db, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'matches'`); n != 0 {
		t.Error("Migrate created tables after rejecting the ledger")
	}
}

func TestMigrateConcurrentCallersSerialize(t *testing.T) {
	name := storetest.NewDatabase(t)
	const callers = 6
	dbs := make([]*sql.DB, callers)
	for i := range dbs {
		dbs[i] = storetest.Open(t, name) // separate pools: separate sessions
	}
	ctx := testCtx(t)
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([][]string, callers)
		errs    = make([]error, callers)
	)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = Migrate(ctx, dbs[i], nil)
		}()
	}
	close(start)
	wg.Wait()

	var all []string
	for i := range callers {
		if errs[i] != nil {
			t.Errorf("caller %d: %v", i, errs[i])
		}
		all = append(all, results[i]...)
	}
	sort.Strings(all)
	if !slices.Equal(all, Versions()) {
		t.Errorf("migrations applied across callers = %v, want each of %v exactly once", all, Versions())
	}
	assertShape(t, dbs[0], shapeOverrides{})
}

// diffLines shows the lines present in only one of two fingerprints.
func diffLines(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for l := range ma {
		if !mb[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range mb {
		if !ma[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "(no line differences)"
	}
	return strings.Join(out, "\n")
}
