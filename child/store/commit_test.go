package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/failure"
	"github.com/pewstats/collector/child/store"
)

// matchSteps is a small match's output: kills and finishing rows, plus a
// step that produced nothing.
func matchSteps() []store.Step {
	return []store.Step{
		{Flag: store.FlagKills, Writers: []store.TableWriter{store.KillPositions{Info: info, Rows: []extract.KillPosition{{VictimName: o("V")}, {VictimName: o("W")}}}}},
		{Flag: store.FlagFinishing, Writers: []store.TableWriter{
			store.KnockEvents{Info: info, Rows: []extract.KnockEvent{{AttackerName: "A", AttackerTeamID: oi(1), VictimName: o("V"), VictimTeamID: oi(2), DBNOID: 7, Outcome: "killed", EventTimestamp: ot(time.Date(2025, 10, 7, 12, 1, 0, 0, time.UTC)), KnockWeaponAttachments: "[]", VictimWeaponAttachments: "[]", Team: extract.TeamMetrics{PositionsJSON: "[]"}, VictimTeam: extract.TeamMetrics{PositionsJSON: "[]"}}}},
			store.FinishingSummaries{Info: info, Rows: []extract.FinishingSummary{{PlayerName: "A", TeamID: 1, TotalKnocks: 1}}},
		}},
		{Flag: store.FlagLandings, Writers: []store.TableWriter{store.Landings{Info: info}}},
	}
}

// TestCommitWritesOnlyStepsWhoseFlagIsFalse: a step whose flag a twin set
// first is skipped whole; a step that stored nothing leaves its flag false.
func TestCommitWritesOnlyStepsWhoseFlagIsFalse(t *testing.T) {
	st, db := openStore(t)
	if _, err := db.Exec(`UPDATE matches SET kills_processed = true`); err != nil {
		t.Fatal(err)
	}
	w, err := st.CommitMatch(context.Background(), "m1", matchSteps())
	if err != nil {
		t.Fatal(err)
	}
	if !w.Skipped.Has(store.FlagKills) || w.Skipped.Has(store.FlagFinishing) {
		t.Errorf("skipped %v, want kills only", w.Skipped.List())
	}
	if w.Set != store.Flags(0).With(store.FlagFinishing) {
		t.Errorf("set %v, want finishing only (landings stored nothing)", w.Set.List())
	}
	for table, want := range map[string]int{"kill_positions": 0, "player_knock_events": 1, "player_finishing_summary": 1, "landings": 0} {
		if n := count(t, db, table); n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	expect(t, row(t, db, `SELECT kills_processed, finishing_processed, landings_processed, status FROM matches`),
		"kills_processed=true", "finishing_processed=true", "landings_processed=false", "status=completed")
}

// TestConcurrentCommitsWriteEachTableOnce: eight deliveries of one match
// committing at the same moment through two stores (as children of two
// supervisors would) leave each table with one delivery's rows.
func TestConcurrentCommitsWriteEachTableOnce(t *testing.T) {
	st1, db := openStore(t)
	st2 := openSecondStore(t, db)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := make(chan struct{})
	for i := range 8 {
		st := st1
		if i%2 == 1 {
			st = st2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := st.CommitMatch(context.Background(), "m1", matchSteps())
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("commit: %v", err)
		}
	}
	for table, want := range map[string]int{"kill_positions": 2, "player_knock_events": 1, "player_finishing_summary": 1} {
		if n := count(t, db, table); n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
}

// TestCommitRefusesStepsWithoutTheirOwnFlag: a step must name a flag, and
// one flag cannot own two steps.
func TestCommitRefusesStepsWithoutTheirOwnFlag(t *testing.T) {
	st, db := openStore(t)
	kp := store.KillPositions{Info: info, Rows: []extract.KillPosition{{VictimName: o("V")}}}
	for name, steps := range map[string][]store.Step{
		"no flag":       {{Writers: []store.TableWriter{kp}}},
		"repeated flag": {{Flag: store.FlagKills, Writers: []store.TableWriter{kp}}, {Flag: store.FlagKills, Writers: []store.TableWriter{kp}}},
	} {
		if _, err := st.CommitMatch(context.Background(), "m1", steps); err == nil {
			t.Errorf("%s: commit succeeded", name)
		}
	}
	if n := count(t, db, "kill_positions"); n != 0 {
		t.Errorf("refused commits wrote %d rows", n)
	}
}

// TestUnknownMatch: a match without a matches row is ErrUnknownMatch,
// permanent, both at the gate and under the lock.
func TestUnknownMatch(t *testing.T) {
	st, _ := openStore(t)
	_, err := st.MatchState(context.Background(), "nope")
	if !errors.Is(err, store.ErrUnknownMatch) {
		t.Fatalf("MatchState: %v, want ErrUnknownMatch", err)
	}
	if class, typ := failure.ClassOf(err); class != failure.Permanent || typ != "UnknownMatch" {
		t.Errorf("class %v type %s", class, typ)
	}
	if _, err := st.CommitMatch(context.Background(), "nope", matchSteps()); !errors.Is(err, store.ErrUnknownMatch) {
		t.Errorf("CommitMatch: %v, want ErrUnknownMatch", err)
	}
}

// TestMarkFailedKeepsACompletedMatch: a twin that fails after the match
// was completed does not overwrite the completion.
func TestMarkFailedKeepsACompletedMatch(t *testing.T) {
	st, db := openStore(t)
	if err := st.MarkFailed(context.Background(), "m1", "first failure"); err != nil {
		t.Fatal(err)
	}
	expect(t, row(t, db, `SELECT status, error_message FROM matches`), "status=failed", "error_message=first failure")
	if _, err := st.CommitMatch(context.Background(), "m1", matchSteps()); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkFailed(context.Background(), "m1", "late twin failure"); err != nil {
		t.Fatal(err)
	}
	expect(t, row(t, db, `SELECT status FROM matches`), "status=completed")
}
