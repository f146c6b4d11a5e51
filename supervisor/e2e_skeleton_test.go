package supervisor_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/supervisor/e2etest"
)

// jobWindow is when a match was being processed, from the supervisor's
// "Successfully processed" log record (end time and duration).
type jobWindow struct {
	match      string
	start, end time.Time
}

func successWindows(t *testing.T, s *e2etest.Supervisor) []jobWindow {
	t.Helper()
	var out []jobWindow
	for _, r := range s.LogRecords() {
		if r["outcome"] != "success" && r["outcome"] != "skipped" {
			continue
		}
		end, err := time.Parse(time.RFC3339Nano, r["time"].(string))
		if err != nil {
			t.Fatalf("bad time in log record: %v", r)
		}
		var secs float64
		msg := r["msg"].(string)
		var match string
		if _, err := fmt.Sscanf(msg[len("[telemetry-processing-worker-1] "):], "Successfully processed match %s in %fs", &match, &secs); err != nil {
			t.Fatalf("unexpected success line %q: %v", msg, err)
		}
		out = append(out, jobWindow{match: match, end: end, start: end.Add(-time.Duration(secs * float64(time.Second)))})
	}
	return out
}

func maxOverlap(ws []jobWindow) int {
	best := 0
	for _, a := range ws {
		n := 0
		mid := a.start.Add(a.end.Sub(a.start) / 2)
		for _, b := range ws {
			if !mid.Before(b.start) && !mid.After(b.end) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// TestSuperviseProcessesConcurrently is the skeleton's end-to-end check: the
// real binary, a real broker and database, a pool of two real children.
func TestSuperviseProcessesConcurrently(t *testing.T) {
	for _, tc := range []struct {
		name        string
		poolSize    int
		wantOverlap int
	}{
		{"pool of two runs two matches at once", 2, 2},
		{"pool of one is sequential (rollback)", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e2etest.New(t)
			const matches, players = 4, 12
			var bodies [][]byte
			for i := range matches {
				id := fmt.Sprintf("match-%d", i)
				e.SeedMatch(id, "competitive")
				file := e.WriteLandingsFile(id, players)
				// slow:1s keeps each job long enough for overlaps to be unambiguous.
				bodies = append(bodies, e2etest.Message(id, file, map[string]any{"x_test_fault": "slow:1s"}))
			}
			e.Publish(bodies...)

			s := e.StartSupervisor(fmt.Sprintf("--pool-size=%d", tc.poolSize))
			s.WaitReady(t, 30*time.Second)
			e2etest.WaitFor(t, 60*time.Second, "all matches completed", func() bool {
				return e.Count(`SELECT count(*) FROM matches WHERE status = 'completed'`) == matches
			})
			e2etest.WaitFor(t, 10*time.Second, "queue drained and acked", func() bool {
				n, _ := e.QueueDepth(e.ProcessingQueue())
				return n == 0 && s.Metric(t, "collector_jobs_in_flight") == 0
			})
			if err := s.Stop(t, 30*time.Second); err != nil {
				t.Fatalf("supervisor exit: %v", err)
			}
			// Anything left unacked would be back in the queue now that the
			// connection is closed.
			if n, _ := e.QueueDepth(e.ProcessingQueue()); n != 0 {
				t.Fatalf("%d messages back in the queue after shutdown: some were never acked", n)
			}
			if n, _ := e.QueueDepth(e.FailedQueue()); n != 0 {
				t.Fatalf("%d messages in the failed queue, want 0", n)
			}
			if got := e.Count(`SELECT count(*) FROM landings`); got != matches*players {
				t.Fatalf("landings rows = %d, want %d (one per real player per match, no bots, no pre-game)", got, matches*players)
			}
			if got := e.Count(`SELECT count(*) FROM (SELECT match_id, player_id FROM landings GROUP BY 1, 2 HAVING count(*) > 1) d`); got != 0 {
				t.Fatalf("%d duplicated landings", got)
			}
			if got := e.Count(`SELECT count(*) FROM matches WHERE landings_processed`); got != matches {
				t.Fatalf("landings_processed set on %d matches, want %d", got, matches)
			}
			ws := successWindows(t, s)
			if len(ws) != matches {
				t.Fatalf("%d success log lines, want %d", len(ws), matches)
			}
			if got := maxOverlap(ws); got != tc.wantOverlap {
				t.Fatalf("at most %d matches were in flight at once, want %d: %+v", got, tc.wantOverlap, ws)
			}
		})
	}
}

// TestBadMessagesGoToFailedQueue: a missing file and a non-JSON body end in
// the failed queue with their reasons; the good ones still succeed.
func TestBadMessagesGoToFailedQueue(t *testing.T) {
	e := e2etest.New(t)
	e.SeedMatch("good-1", "competitive")
	e.SeedMatch("good-2", "official")
	e.SeedMatch("missing", "competitive")
	e.SeedMatch("custom", "custom")
	e.Publish(
		e2etest.Message("good-1", e.WriteLandingsFile("good-1", 5), nil),
		e2etest.Message("missing", "no-such-file.json.gz", nil),
		[]byte("this is { not json"),
		e2etest.Message("custom", e.WriteLandingsFile("custom", 5), nil),
		e2etest.Message("good-2", e.WriteLandingsFile("good-2", 7), nil),
		e2etest.Message("escape", "../../../../etc/passwd", nil),
	)
	s := e.StartSupervisor("--pool-size=2")
	e.WaitFailed(60*time.Second, 3)
	e2etest.WaitFor(t, 30*time.Second, "processing queue drained", func() bool {
		n, _ := e.QueueDepth(e.ProcessingQueue())
		return n == 0 && s.Metric(t, "collector_jobs_in_flight") == 0
	})
	// Read the counters while the supervisor still serves them.
	for sample, want := range map[string]float64{
		`collector_messages_dead_lettered_total{reason="permanent"}`:       2,
		`collector_messages_dead_lettered_total{reason="invalid_message"}`: 1,
	} {
		if v := s.Metric(t, sample); v != want {
			t.Errorf("%s = %v, want %v", sample, v, want)
		}
	}
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatalf("supervisor exit: %v", err)
	}
	failed := e.DrainFailed()
	byType := map[string]e2etest.FailedMessage{}
	for _, f := range failed {
		byType[f.ErrorType()] = f
	}
	for _, want := range []struct{ typ, reason, body string }{
		{"FileNotFound", "permanent", "missing"},
		{"ValidationError", "invalid_message", "this is { not json"},
		{"FileOutsideTelemetryDir", "permanent", "escape"},
	} {
		f, ok := byType[want.typ]
		if !ok {
			t.Errorf("no failed message of type %s; got %v", want.typ, failed)
			continue
		}
		if f.Reason() != want.reason {
			t.Errorf("%s: reason %q, want %q", want.typ, f.Reason(), want.reason)
		}
		if msg, _ := f.Headers["x-error-message"].(string); msg == "" {
			t.Errorf("%s: no x-error-message header", want.typ)
		}
		if !strings.Contains(string(f.Body), want.body) {
			t.Errorf("%s: body %q does not carry the original message", want.typ, f.Body)
		}
	}
	if got := e.Count(`SELECT count(*) FROM landings`); got != 12 {
		t.Fatalf("landings = %d, want 12 (5 + 7 from the good matches; the custom match is skipped)", got)
	}
	if got := e.Count(`SELECT count(*) FROM matches WHERE match_id = 'missing' AND status = 'failed' AND error_message LIKE '%FileNotFound%'`); got != 1 {
		t.Fatalf("the missing-file match is not marked failed with its error")
	}
	if got := e.Count(`SELECT count(*) FROM matches WHERE match_id = 'custom' AND status = 'discovered'`); got != 1 {
		t.Fatalf("the custom match should be skipped untouched")
	}
}
