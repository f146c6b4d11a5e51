package e2etest

import (
	"encoding/json"
	"sort"
	"testing"
)

// Ledger is what each published message must end as: processed with its
// landings written exactly once, or in the failed queue with a reason.
type Ledger struct {
	Processed map[string]int    // match id -> landings rows expected
	Failed    map[string]string // match id -> x-failure-reason expected
}

// Check drains the failed queue and asserts the ledger: none missing, none
// doubled, nothing left in the processing queue.
func (e *Env) Check(t testing.TB, l Ledger) []FailedMessage {
	t.Helper()
	if n, _ := e.QueueDepth(e.ProcessingQueue()); n != 0 {
		t.Errorf("ledger: %d messages still in %s", n, e.ProcessingQueue())
	}
	for id, want := range l.Processed {
		if got := e.Count(`SELECT count(*) FROM landings WHERE match_id = $1`, id); got != want {
			t.Errorf("ledger: match %s has %d landings, want exactly %d", id, got, want)
		}
		if got := e.Count(`SELECT count(*) FROM matches WHERE match_id = $1 AND status = 'completed' AND landings_processed`, id); got != 1 {
			t.Errorf("ledger: match %s is not completed with landings_processed", id)
		}
	}
	failed := e.DrainFailed()
	seen := map[string]int{}
	for _, f := range failed {
		var m struct {
			MatchID string `json:"match_id"`
		}
		_ = json.Unmarshal(f.Body, &m)
		seen[m.MatchID]++
		want, ok := l.Failed[m.MatchID]
		switch {
		case !ok:
			t.Errorf("ledger: unexpected failed message for %q (reason %q, %v)", m.MatchID, f.Reason(), f.Headers["x-error-message"])
		case f.Reason() != want:
			t.Errorf("ledger: %s failed with reason %q, want %q (%v)", m.MatchID, f.Reason(), want, f.Headers["x-error-message"])
		}
		if _, processed := l.Processed[m.MatchID]; processed {
			t.Errorf("ledger: %s is both processed and failed", m.MatchID)
		}
	}
	var ids []string
	for id := range l.Failed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("ledger: %s is in the failed queue %d times, want once", id, seen[id])
		}
	}
	return failed
}
