package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

// BenchmarkCommitMatch commits one modern match's rows, every step
// storing, through the writers (path=new) and through the staging-table
// writers they replaced (path=staging), for the three kinds of make
// bench: production (a tenth of the players tracked), heavy (0.15) and
// stress (nine in ten). STORE_BENCH_DROP_INDEXES drops indexes first
// (dropIndexes) to measure what they cost. Besides
// time it reports the CPU of the PostgreSQL backend serving the commit
// (pg-cpu-ms/op, from its /proc stat: the server is local) and of this
// process (client-cpu-ms/op), extraction excluded.
func BenchmarkCommitMatch(b *testing.B) {
	for _, kind := range []struct {
		name     string
		fraction float64
	}{{"production", 0.1}, {"heavy", 0.15}, {"stress", 0.9}} {
		m, seed := benchMatch(b, kind.fraction)
		for _, path := range []string{"new", "staging"} {
			b.Run(fmt.Sprintf("kind=%s/path=%s", kind.name, path), func(b *testing.B) {
				benchCommit(b, m, seed, path == "staging")
			})
		}
	}
}

func benchMatch(b *testing.B, fraction float64) (*parityMatch, *synth.Seed) {
	b.Helper()
	gm, err := synth.Generate(synth.Options{Profile: synth.ProfileModern, Seed: 4242, TrackedFraction: fraction})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gm.Encode(&buf, synth.EncodingPlain); err != nil {
		b.Fatal(err)
	}
	tm, err := telemetry.Read(context.Background(), &buf, "match.json", 0)
	if err != nil {
		b.Fatal(err)
	}
	return &parityMatch{
		info: extract.MatchInfo{MatchID: gm.ID, MapName: gm.MapName, GameMode: gm.GameMode, GameType: gm.GameType,
			MatchDatetime: gm.CreatedAt.UTC(), MatchDatetimeText: gm.MatchDatetime()},
		events: tm.Events,
	}, synth.NewSeed(gm)
}

func benchCommit(b *testing.B, m *parityMatch, seed *synth.Seed, legacy bool) {
	name := storetest.NewDatabase(b)
	db := storetest.Open(b, name)
	ctx := context.Background()
	if _, err := schema.Migrate(ctx, db, nil); err != nil {
		b.Fatal(err)
	}
	if err := seed.Apply(ctx, db); err != nil {
		b.Fatal(err)
	}
	dropIndexes(b, db, os.Getenv("STORE_BENCH_DROP_INDEXES"))
	tracked := trackedIn(b, db)
	m.rows = nil
	m.extracted(b, tracked)
	p := storetest.FromEnv()
	st, err := store.Open(ctx, store.Config{Host: p.Host, Port: portOf(p), DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var pid int
	if err := st.DB().QueryRow(`SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	// Every iteration stores a copy of the match under a new id, as a
	// stream of matches would: the tables grow, no row is updated twice.
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", m.info.MatchID, i)
		if _, err := db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type)
			SELECT $1, map_name, game_mode, match_datetime, game_type FROM matches WHERE match_id = $2`, ids[i], m.info.MatchID); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO match_summaries (match_id, participant_id, player_id, player_name, team_id, match_datetime)
			SELECT $1, participant_id, player_id, player_name, team_id, match_datetime FROM match_summaries WHERE match_id = $2`, ids[i], m.info.MatchID); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	pg0, me0 := procCPU(b, pid), procCPU(b, os.Getpid())
	for i := range b.N {
		if _, err := st.CommitMatch(ctx, ids[i], m.stepsAs(b, ids[i], tracked, legacy)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((procCPU(b, pid)-pg0)*1000/float64(b.N), "pg-cpu-ms/op")
	b.ReportMetric((procCPU(b, os.Getpid())-me0)*1000/float64(b.N), "client-cpu-ms/op")
}

// procCPU is a process's user+system CPU seconds.
func procCPU(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skipf("cannot read the backend's CPU time (server not local?): %v", err)
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// unreadIndexes are the indexes of the tables the collector writes that no
// query of the reference project reads (its workers, scripts, the views
// and functions of its migrations, its documented API queries): filters,
// joins and sort keys were searched for each index's leading column.
// docs/SCHEMA.md ("Indexes the collector pays for") lists them with what
// they cost; whether the platform's own services read them can only be
// told from pg_stat_user_indexes on the production database.
var unreadIndexes = []string{
	"idx_landings_map_name", "idx_landings_match_datetime",
	"idx_kill_positions_dbno_maker_name", "idx_kill_positions_match_datetime", "idx_kill_positions_map_name",
	"idx_kill_positions_game_mode", "idx_kill_positions_game_type",
	"idx_damage_events_victim_name", "idx_damage_events_weapon",
	"idx_weapon_kill_events_victim", "idx_weapon_kill_events_weapon", "idx_weapon_kill_events_timestamp", "idx_weapon_kill_events_map",
	"idx_knock_events_attacker", "idx_knock_events_victim", "idx_knock_events_outcome", "idx_knock_events_finisher_type",
	"idx_knock_events_distance", "idx_knock_events_team_proximity",
	"idx_finishing_summary_rate", "idx_finishing_summary_distance", "idx_finishing_summary_team_support",
	"idx_team_fights_teams", "idx_team_fights_total_damage", "idx_team_fights_loser", "idx_team_fights_team_outcomes",
	"idx_match_summaries_killsteals", "idx_match_summaries_throwable_damage", "idx_match_summaries_damage_received",
	"idx_circle_pos_elapsed_time", "idx_weapon_dist_damage",
}

// dropIndexes drops, in the benchmark's own throw-away database, the
// named indexes ("unread" for unreadIndexes, "all" for every index that
// backs no constraint), to measure what they cost the writers.
func dropIndexes(b *testing.B, db *sql.DB, which string) {
	b.Helper()
	var names []string
	switch which {
	case "":
		return
	case "unread":
		names = unreadIndexes
	case "all":
		rows, err := db.Query(`SELECT i.indexrelid::regclass::text FROM pg_index i
			JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname <> 'matches' AND c.relname <> 'players'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				b.Fatal(err)
			}
			names = append(names, n)
		}
		rows.Close()
	default:
		names = strings.Split(which, ",")
	}
	for _, n := range names {
		if _, err := db.Exec(`DROP INDEX ` + pq.QuoteIdentifier(strings.TrimSpace(n))); err != nil {
			b.Fatalf("drop index %s: %v", n, err)
		}
	}
}
