package supervisor_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/supervisor/e2etest"
)

// The operator's loop: a message fails because its file is missing, the
// file is restored, `collector failed --requeue` moves it back, and it is
// processed.
func TestFailedRequeueCommand(t *testing.T) {
	e := e2etest.New(t)
	e.SeedMatch("late", "competitive")
	name := e.WriteLandingsFile("late", 4)
	hidden := filepath.Join(e.TelemetryDir, name+".hidden")
	if err := os.Rename(filepath.Join(e.TelemetryDir, name), hidden); err != nil {
		t.Fatal(err)
	}
	e.Publish(e2etest.Message("late", name, nil))
	s := e.StartSupervisor("--pool-size=1")
	e.WaitFailed(30*time.Second, 1)
	run := func(args ...string) string {
		cmd := exec.Command(e2etest.Binary(t), append([]string{"failed", "--environment=" + e.Environment}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("collector failed %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run(); !strings.Contains(out, `"match_id":"late"`) || !strings.Contains(out, `"error_type":"FileNotFound"`) {
		t.Fatalf("listing does not show the failure: %s", out)
	}
	if n, _ := e.QueueDepth(e.FailedQueue()); n != 1 {
		t.Fatalf("listing removed messages: %d left", n)
	}
	if err := os.Rename(hidden, filepath.Join(e.TelemetryDir, name)); err != nil {
		t.Fatal(err)
	}
	if out := run("--requeue"); !strings.Contains(out, `"action":"requeued"`) {
		t.Fatalf("requeue did not report: %s", out)
	}
	requeuedCompletes(t, e, s, "late", 4)
}

// If the failed queue disappears while the supervisor runs (deleted by
// hand), a dead-letter must not be acked on the strength of the broker
// confirming a message it could not route: the queue is declared again and
// the message lands in it.
func TestDeadLetterSurvivesDeletedFailedQueue(t *testing.T) {
	e := e2etest.New(t)
	s := e.StartSupervisor("--pool-size=1")
	s.WaitReady(t, 30*time.Second)
	e.DeleteQueue(e.FailedQueue())
	e.Publish([]byte("not json at all"))
	e.WaitFailed(30*time.Second, 1)
	drained(t, e, s, 30*time.Second)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	failed := e.DrainFailed()
	if len(failed) != 1 || string(failed[0].Body) != "not json at all" || failed[0].Reason() != "invalid_message" {
		t.Fatalf("failed queue holds %+v", failed)
	}
}

// TestFailedRequeueSurvivesMissingProcessingQueue: `collector failed
// --requeue` goes through the same confirmed publisher as the supervisor, so
// moving a message back to a processing queue that was deleted meanwhile
// declares the queue again instead of acking a copy the broker dropped.
func TestFailedRequeueSurvivesMissingProcessingQueue(t *testing.T) {
	e := e2etest.New(t)
	e.SeedMatch("gone", "competitive")
	e.Publish(e2etest.Message("gone", "no-such-file.json.gz", nil))
	s := e.StartSupervisor("--pool-size=1")
	e.WaitFailed(30*time.Second, 1)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	e.DeleteQueue(e.ProcessingQueue())
	out, err := exec.Command(e2etest.Binary(t), "failed", "--environment="+e.Environment, "--requeue").CombinedOutput()
	if err != nil {
		t.Fatalf("collector failed --requeue: %v\n%s", err, out)
	}
	if n, _ := e.QueueDepth(e.ProcessingQueue()); n != 1 {
		t.Errorf("processing queue holds %d messages after the requeue, want 1 (output: %s)", n, out)
	}
	if n, _ := e.QueueDepth(e.FailedQueue()); n != 0 {
		t.Errorf("failed queue still holds %d messages", n)
	}
}

// requeuedCompletes checks the end of a `collector failed --requeue`: the
// match completes, with the given landings rows, and nothing is left over.
func requeuedCompletes(t *testing.T, e *e2etest.Env, s *e2etest.Supervisor, id string, landings int) {
	t.Helper()
	e.WaitCompleted(30*time.Second, id)
	drained(t, e, s, 30*time.Second)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	e.Check(t, e2etest.Ledger{Processed: map[string]int{id: landings}})
}
