package e2etest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pewstats/collector/child/store/storetest/ledger"
)

// Ledger is what each published message must end as: processed exactly
// once, or in the failed queue with a reason.
type Ledger struct {
	// Processed maps a match id to the landings rows it must have, a number
	// the test knows by construction (-1: not known, e.g. a generated
	// match). Every other output is compared with a clean run.
	Processed map[string]int
	// Failed maps a match id to the x-failure-reason it must carry.
	Failed map[string]string
	// Print logs the ledger tables even when everything matches (make
	// chaos prints them).
	Print bool
	// ExtraFailedCopies is how many failed-queue messages beyond one per
	// failed match are explained: a dead-letter whose confirm the broker
	// never sent because the connection went (the supervisor logs each),
	// after which the redelivered original is dead-lettered again.
	ExtraFailedCopies int
	// CleanBinary, if set, makes the clean run use this binary's
	// `child --message` instead of processing in-process (faster under the
	// race detector, when it is a plain build).
	CleanBinary string
}

// Processed is a Ledger.Processed where every one of ids must have the same
// number of landings rows.
func Processed(ids []string, landings int) map[string]int {
	out := make(map[string]int, len(ids))
	for _, id := range ids {
		out[id] = landings
	}
	return out
}

// Check drains the failed queue and asserts the ledger:
//   - the processing queue is empty;
//   - every processed match's twelve outputs equal a clean single run of the
//     same message, row for row (CleanRun), and its landings equal the
//     number the test expects;
//   - every failed match is in the failed queue exactly once with its reason
//     and left no row in any output;
//   - nothing else is in the failed queue.
func (e *Env) Check(t testing.TB, l Ledger) []FailedMessage {
	t.Helper()
	if n, _ := e.QueueDepth(e.ProcessingQueue()); n != 0 {
		t.Errorf("ledger: %d messages still in %s", n, e.ProcessingQueue())
	}
	processed := make([]string, 0, len(l.Processed))
	for id := range l.Processed {
		processed = append(processed, id)
	}
	sort.Strings(processed)
	if len(processed) > 0 {
		got := e.Snapshot(processed)
		want := e.cleanRun(processed, l.CleanBinary)
		for _, d := range ledger.Diff(want, got) {
			t.Errorf("ledger: %s", d)
		}
		for _, id := range processed {
			if n := l.Processed[id]; n >= 0 && got[id]["landings"].Rows != n {
				t.Errorf("ledger: match %s has %d landings, want exactly %d", id, got[id]["landings"].Rows, n)
			}
			if st := got[id]["matches"]; st.Rows != 1 {
				t.Errorf("ledger: match %s has %d matches rows", id, st.Rows)
			}
		}
		if t.Failed() || l.Print {
			t.Logf("ledger of %d processed matches (expected = a clean single run of each):\n%s", len(processed), ledger.Table(want, got))
		}
	}

	failedIDs := make([]string, 0, len(l.Failed))
	for id := range l.Failed {
		failedIDs = append(failedIDs, id)
	}
	sort.Strings(failedIDs)
	for id, m := range e.Snapshot(failedIDs) {
		if n := m.Total(); n != 0 {
			t.Errorf("ledger: failed match %s left %d rows behind", id, n)
		}
		if strings.HasPrefix(statusOf(e, id), "completed") {
			t.Errorf("ledger: failed match %s is marked completed", id)
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
	extra := 0
	for _, id := range failedIDs {
		switch n := seen[id]; {
		case n == 0:
			t.Errorf("ledger: %s is not in the failed queue", id)
		case n > 1:
			extra += n - 1
		}
	}
	if extra > l.ExtraFailedCopies {
		t.Errorf("ledger: %d failed messages are in the queue more than once, %d explained by unconfirmed dead-letters", extra, l.ExtraFailedCopies)
	}
	if l.Print {
		var b strings.Builder
		fmt.Fprintf(&b, "%-28s %-20s %-28s %s\n", "failed message (match_id)", "reason", "error type", "in queue")
		for _, id := range failedIDs {
			typ := ""
			for _, f := range failed {
				var m struct {
					MatchID string `json:"match_id"`
				}
				if json.Unmarshal(f.Body, &m); m.MatchID == id {
					typ = f.ErrorType()
				}
			}
			fmt.Fprintf(&b, "%-28s %-20s %-28s %d\n", quoteEmpty(id), l.Failed[id], typ, seen[id])
		}
		t.Logf("failed queue (%d messages):\n%s", len(failed), b.String())
	}
	return failed
}

func statusOf(e *Env, id string) string {
	var s string
	_ = e.DB.QueryRow(`SELECT coalesce(status, '') FROM matches WHERE match_id = $1`, id).Scan(&s)
	return s
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
