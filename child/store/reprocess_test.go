package store_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/store"
)

func reprocess(t *testing.T, names ...string) store.Reprocess {
	t.Helper()
	tables, _, err := store.ParseTables(names)
	if err != nil {
		t.Fatal(err)
	}
	return store.Reprocess{Tables: tables, Run: "run-1"}
}

// ids lists a table's serial ids for match m1 in order, as text.
func ids(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(`SELECT string_agg(id::text, ',' ORDER BY id) FROM ` + table + ` WHERE match_id = 'm1'`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}

func killSteps(victims ...string) []store.Step {
	rows := make([]extract.KillPosition, len(victims))
	for i, v := range victims {
		rows[i] = extract.KillPosition{VictimName: o(v)}
	}
	return []store.Step{{Flag: store.FlagKills, Writers: []store.TableWriter{store.KillPositions{Info: info, Rows: rows}}}}
}

// TestReprocessReplacesOnlyTheRequestedTable: the requested table's rows
// are replaced (whatever its flag says), every other table keeps its rows
// and their ids, the flags are ORed, and the run is logged in the same
// transaction.
func TestReprocessReplacesOnlyTheRequestedTable(t *testing.T) {
	st, db := openStore(t)
	ctx := context.Background()
	if _, err := st.CommitMatch(ctx, "m1", matchSteps()); err != nil {
		t.Fatal(err)
	}
	knockIDs, summaryIDs := ids(t, db, "player_knock_events"), ids(t, db, "player_finishing_summary")

	w, err := st.CommitReprocess(ctx, "m1", killSteps("X", "Y", "Z"), reprocess(t, "kill_positions"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Deleted["kill_positions"] != 2 || w.Rows["kill_positions"] != 3 {
		t.Errorf("deleted %v written %v, want 2 and 3 kill_positions", w.Deleted, w.Rows)
	}
	expect(t, row(t, db, `SELECT string_agg(victim_name, ',' ORDER BY victim_name) AS victims FROM kill_positions`), "victims=X,Y,Z")
	if got := ids(t, db, "player_knock_events"); got != knockIDs {
		t.Errorf("knock event ids %s, want untouched %s", got, knockIDs)
	}
	if got := ids(t, db, "player_finishing_summary"); got != summaryIDs {
		t.Errorf("finishing summary ids %s, want untouched %s", got, summaryIDs)
	}
	expect(t, row(t, db, `SELECT kills_processed, finishing_processed, landings_processed, status FROM matches`),
		"kills_processed=true", "finishing_processed=true", "landings_processed=false", "status=completed")
	expect(t, row(t, db, `SELECT run_id, match_id, tables, rows_deleted, rows_written, commits FROM reprocess_log`),
		"run_id=run-1", "match_id=m1", "tables={kill_positions}",
		`rows_deleted={"kill_positions": 2}`, `rows_written={"kill_positions": 3}`, "commits=1")

	// The same run again: the same rows, one log row with two commits.
	if _, err := st.CommitReprocess(ctx, "m1", killSteps("X", "Y", "Z"), reprocess(t, "kill_positions")); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "kill_positions"); n != 3 {
		t.Errorf("%d kill_positions after reprocessing twice, want 3", n)
	}
	expect(t, row(t, db, `SELECT count(*) AS n, max(commits) AS commits FROM reprocess_log`), "n=1", "commits=2")
}

// TestReprocessOneTableOfATwoTableStep: asking for finishing summaries
// replaces them and leaves the knock events (same step) alone.
func TestReprocessOneTableOfATwoTableStep(t *testing.T) {
	st, db := openStore(t)
	ctx := context.Background()
	if _, err := st.CommitMatch(ctx, "m1", matchSteps()); err != nil {
		t.Fatal(err)
	}
	knockIDs := ids(t, db, "player_knock_events")
	steps := []store.Step{{Flag: store.FlagFinishing, Writers: []store.TableWriter{
		store.FinishingSummaries{Info: info, Rows: []extract.FinishingSummary{{PlayerName: "A", TeamID: 1, TotalKnocks: 5}, {PlayerName: "B", TeamID: 2, TotalKnocks: 1}}},
	}}}
	w, err := st.CommitReprocess(ctx, "m1", steps, reprocess(t, "player_finishing_summary"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Deleted["player_finishing_summary"] != 1 || w.Rows["player_finishing_summary"] != 2 || len(w.Deleted) != 1 {
		t.Errorf("deleted %v written %v", w.Deleted, w.Rows)
	}
	expect(t, row(t, db, `SELECT string_agg(player_name || ':' || total_knocks, ',' ORDER BY player_name) AS s FROM player_finishing_summary`), "s=A:5,B:1")
	if got := ids(t, db, "player_knock_events"); got != knockIDs {
		t.Errorf("knock event ids %s, want untouched %s", got, knockIDs)
	}
}

// TestReprocessWithNothingExtractedEmptiesTheTable: a rule that now finds
// no row leaves none (and the flag as it was: flags only go up).
func TestReprocessWithNothingExtractedEmptiesTheTable(t *testing.T) {
	st, db := openStore(t)
	ctx := context.Background()
	if _, err := st.CommitMatch(ctx, "m1", matchSteps()); err != nil {
		t.Fatal(err)
	}
	w, err := st.CommitReprocess(ctx, "m1", []store.Step{{Flag: store.FlagKills}}, reprocess(t, "kill_positions"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Deleted["kill_positions"] != 2 || count(t, db, "kill_positions") != 0 {
		t.Errorf("deleted %v, %d rows left", w.Deleted, count(t, db, "kill_positions"))
	}
	expect(t, row(t, db, `SELECT kills_processed FROM matches`), "kills_processed=true")
}

// TestReprocessFightsReplacesParticipantsFirst: the fights step empties the
// participants (even one whose match_id is wrong but whose fight is this
// match's) before the fights, which their foreign key requires.
func TestReprocessFightsReplacesParticipantsFirst(t *testing.T) {
	st, db := openStore(t)
	ctx := context.Background()
	fights := func() []store.Step {
		w := &store.Fights{Info: info, Rows: sampleFights()}
		return []store.Step{{Flag: store.FlagFights, Writers: []store.TableWriter{w.TeamFights(), w.Participants()}}}
	}
	if _, err := st.CommitMatch(ctx, "m1", fights()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE fight_participants SET match_id = 'another' WHERE player_name = 'D1'`); err != nil {
		t.Fatal(err)
	}
	w, err := st.CommitReprocess(ctx, "m1", fights(), reprocess(t, "team_fights"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Deleted["team_fights"] != 2 || w.Deleted["fight_participants"] != 3 {
		t.Errorf("deleted %v, want 2 fights and 3 participants", w.Deleted)
	}
	if n := count(t, db, "team_fights"); n != 2 {
		t.Errorf("%d fights, want 2", n)
	}
	var orphans int
	if err := db.QueryRow(`SELECT count(*) FROM fight_participants p LEFT JOIN team_fights f ON f.id = p.fight_id WHERE f.id IS NULL OR p.match_id <> 'm1'`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "fight_participants"); n != 3 || orphans != 0 {
		t.Errorf("%d participants, %d of them orphaned or without match, want 3 and 0", n, orphans)
	}
}

// TestReprocessOverwritesEnhancedStatsExactly: match_summaries rows are not
// deleted (the summary service owns them); their enhanced columns are reset
// to the column defaults and then updated, so a player the new extraction
// finds nothing for ends with the defaults, not the stale values a normal
// update's COALESCE would keep. Base columns are untouched.
func TestReprocessOverwritesEnhancedStatsExactly(t *testing.T) {
	st, db := openStore(t)
	ctx := context.Background()
	for _, name := range []string{"A", "Z"} {
		if _, err := db.Exec(`INSERT INTO match_summaries (match_id, participant_id, player_id, player_name, kills, heals_used, boosts_used,
			killsteals, throwable_damage, avg_distance_from_center, time_outside_zone_seconds)
			VALUES ('m1', $1, $2, $3, 4, 9, 9, 9, 9.5, 5.5, 99)`, "p"+name, "account."+name, name); err != nil {
			t.Fatal(err)
		}
	}
	rows := extract.MergeEnhancedStats([]extract.ItemUsage{{PlayerName: "A", HealsUsed: 2}}, nil, nil)
	steps := []store.Step{{Flag: store.FlagEnhancedStats, Writers: []store.TableWriter{store.EnhancedStats{MatchID: "m1", Rows: rows}}}}
	w, err := st.CommitReprocess(ctx, "m1", steps, reprocess(t, "match_summaries"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Deleted["match_summaries"] != 2 || w.Rows["match_summaries"] != 1 || count(t, db, "match_summaries") != 2 {
		t.Errorf("reset %v updated %v, %d rows", w.Deleted, w.Rows, count(t, db, "match_summaries"))
	}
	got := query(t, db, `SELECT player_name, kills, heals_used, boosts_used, killsteals, throwable_damage, avg_distance_from_center, time_outside_zone_seconds
		FROM match_summaries ORDER BY player_name`)
	want := "A 4 2 0 0 0.00 NULL NULL\nZ 4 0 0 0 0.00 NULL NULL\n"
	if got != want {
		t.Errorf("match_summaries\n got  %s want %s", got, want)
	}
}

// TestReprocessRefusesWhatWasNotRequested: a reprocess commit takes exactly
// the requested steps with writers of requested tables only; anything else
// is a bug in the caller and writes nothing.
func TestReprocessRefusesWhatWasNotRequested(t *testing.T) {
	st, db := openStore(t)
	ctx := context.Background()
	re := reprocess(t, "player_knock_events")
	for name, steps := range map[string][]store.Step{
		"a step not requested": append(killSteps("X"), store.Step{Flag: store.FlagFinishing}),
		"a writer of a table not requested": {{Flag: store.FlagFinishing, Writers: []store.TableWriter{
			store.FinishingSummaries{Info: info, Rows: []extract.FinishingSummary{{PlayerName: "A", TeamID: 1}}}}}},
		"the requested step missing": nil,
	} {
		if _, err := st.CommitReprocess(ctx, "m1", steps, re); err == nil || !strings.Contains(err.Error(), "reprocess of player_knock_events") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	for _, table := range []string{"kill_positions", "player_finishing_summary", "reprocess_log"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("refused commits left %d rows in %s", n, table)
		}
	}
}

// TestReprocessRacingDeliveriesLeavesOneRun: normal deliveries and
// reprocesses of one match committing at the same moment, through two
// pools, in several rounds, leave every table with one run's rows: never
// doubled, never emptied.
func TestReprocessRacingDeliveriesLeavesOneRun(t *testing.T) {
	st1, db := openStore(t)
	st2 := openSecondStore(t, db)
	all := reprocess(t, "kill_positions", "player_knock_events", "player_finishing_summary", "landings")
	for round := range 6 {
		if _, err := db.Exec(`DELETE FROM kill_positions; DELETE FROM player_knock_events; DELETE FROM player_finishing_summary;
			UPDATE matches SET kills_processed = false, finishing_processed = false, status = 'discovered'`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		start := make(chan struct{})
		for i := range 6 {
			st := []*store.Store{st1, st2}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				// Rounds differ in who goes first; each has both kinds.
				if (i+round)%3 == 0 {
					_, err = st.CommitMatch(context.Background(), "m1", matchSteps())
				} else {
					_, err = st.CommitReprocess(context.Background(), "m1", matchSteps(), all)
				}
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		for table, want := range map[string]int{"kill_positions": 2, "player_knock_events": 1, "player_finishing_summary": 1, "landings": 0} {
			if n := count(t, db, table); n != want {
				t.Errorf("round %d: %s has %d rows, want %d", round, table, n, want)
			}
		}
	}
	// Four reprocesses per round, all of one run: one log row counting
	// every commit.
	var commits int
	if err := db.QueryRow(`SELECT commits FROM reprocess_log WHERE run_id = 'run-1' AND match_id = 'm1'`).Scan(&commits); err != nil {
		t.Fatal(err)
	}
	if commits != 6*4 {
		t.Errorf("reprocess_log counts %d commits, want %d", commits, 6*4)
	}
}
