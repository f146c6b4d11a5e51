package supervisor_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/supervisor/e2etest"
)

// settled is the number of messages a supervisor has finished with, from its
// own counters (success and skipped and failed).
func settled(t *testing.T, s *e2etest.Supervisor) float64 {
	t.Helper()
	var n float64
	for _, st := range []string{"success", "skipped", "failed"} {
		if v := s.Metric(t, fmt.Sprintf(`telemetry_processed_total{status=%q}`, st)); v > 0 {
			n += v
		}
	}
	return n
}

// TestDuplicateDeliveriesWriteEveryTableOnce: one match published four times
// at once, worked on by two children of one supervisor, or by two
// supervisors on the same queue, ends with every one of the twelve outputs
// equal to a single delivery's: no table doubled, none missing.
func TestDuplicateDeliveriesWriteEveryTableOnce(t *testing.T) {
	for _, tc := range []struct {
		name        string
		supervisors int
	}{
		{"one supervisor, two children", 1},
		{"two supervisors", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e2etest.New(t)
			ms := e.SynthMatches(synth.ProfileModern, []uint64{9001}, nil, 0)
			var sups []*e2etest.Supervisor
			for i := range tc.supervisors {
				s := e.StartSupervisor("--pool-size=2", fmt.Sprintf("--worker-id=dup-%d", i))
				s.WaitReady(t, 30*time.Second)
				sups = append(sups, s)
			}
			const copies = 4
			body := ms[0].Body
			e.Publish(body, body, body, body)
			e2etest.WaitFor(t, 120*time.Second, "every copy settled", func() bool {
				var n float64
				for _, s := range sups {
					n += settled(t, s)
				}
				return n == copies
			})
			for _, s := range sups {
				if err := s.Stop(t, 30*time.Second); err != nil {
					t.Fatalf("supervisor exit: %v", err)
				}
			}
			e.Check(t, e2etest.Ledger{Processed: map[string]int{ms[0].ID: -1}})
		})
	}
}

// TestUnknownMatchIsParkedInTheFailedQueue: a message for a match the
// database does not know is not acked away as skipped (the reference's
// game_type "unknown"): it goes to the failed queue with reason
// unknown_match, is counted, and is processed once requeued after discovery
// stored the match.
func TestUnknownMatchIsParkedInTheFailedQueue(t *testing.T) {
	e := e2etest.New(t)
	name := e.WriteLandingsFile("undiscovered", 3)
	e.Publish(e2etest.Message("undiscovered", name, nil))
	s := e.StartSupervisor("--pool-size=1")
	e.WaitFailed(30*time.Second, 1)
	if v := s.Metric(t, `collector_messages_dead_lettered_total{reason="unknown_match"}`); v != 1 {
		t.Errorf("dead_lettered_total{reason=unknown_match} = %v, want 1", v)
	}
	if v := s.Metric(t, `telemetry_processed_total{status="skipped"}`); v != 0 {
		t.Errorf("the unknown match was counted as skipped (%v)", v)
	}
	e.SeedMatch("undiscovered", "competitive")
	out, err := exec.Command(e2etest.Binary(t), "failed", "--environment="+e.Environment, "--requeue").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"reason":"unknown_match"`) {
		t.Fatalf("collector failed --requeue: %v\n%s", err, out)
	}
	requeuedCompletes(t, e, s, "undiscovered", 3)
}

// TestDeliveryWhoseChannelDiedIsNotStarted: a message waiting for a busy
// child when its channel dies has been redelivered by the broker; the old
// delivery must not be started as well, or the match runs twice for one
// message.
func TestDeliveryWhoseChannelDiedIsNotStarted(t *testing.T) {
	e := e2etest.New(t)
	workerID := "worker-" + e.Environment
	release := filepath.Join(t.TempDir(), "release")
	held, heldIDs := seed(e, "held", 1, 3, "block:"+release, 1)
	waiting, waitingIDs := seed(e, "waiting", 1, 4, "", 0)
	s := e.StartSupervisor("--pool-size=1", "--prefetch=2", "--worker-id="+workerID)
	s.WaitReady(t, 30*time.Second)
	// The held job must own the child before the other message arrives:
	// deliveries are handled concurrently, so publishing both at once lets
	// either reach the child first (and a waiting job that ran already has
	// nothing left to give up).
	e.Publish(held[0])
	e2etest.WaitFor(t, 30*time.Second, "the held job running", func() bool {
		return s.Metric(t, `collector_pool_children{state="busy"}`) == 1 && s.Metric(t, "collector_jobs_in_flight") == 1
	})
	e.Publish(waiting[0])
	e2etest.WaitFor(t, 30*time.Second, "one job running and one waiting for the child", func() bool {
		return s.Metric(t, `collector_pool_children{state="busy"}`) == 1 && s.Metric(t, "collector_jobs_in_flight") == 2
	})
	if n := e2etest.CloseConnection(t, workerID); n != 1 {
		t.Fatalf("closed %d connections, want 1", n)
	}
	e2etest.WaitFor(t, 30*time.Second, "a reconnect and the waiting delivery given up", func() bool {
		return s.Metric(t, "collector_amqp_reconnects_total") >= 1 &&
			s.Metric(t, `collector_messages_requeued_total{reason="channel_closed"}`) == 1
	})
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	drained(t, e, s, 60*time.Second)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, r := range s.LogRecords() {
		if r["match_id"] == waitingIDs[0] && strings.Contains(fmt.Sprint(r["msg"]), "Successfully processed") {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf("the waiting match ran %d times, want once (its redelivery only)", runs)
	}
	e.Check(t, e2etest.Ledger{Processed: map[string]int{heldIDs[0]: 3, waitingIDs[0]: 4}})
}
