package supervisor_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pewstats/collector/supervisor/e2etest"
)

// setPolicy applies a RabbitMQ policy to exactly one queue for the rest of
// the test (it is removed at cleanup, or earlier by the returned func).
func setPolicy(t *testing.T, queue, definition string) (clear func()) {
	t.Helper()
	name := "test-" + queue
	out, err := exec.Command("rabbitmqctl", "-q", "set_policy", "--apply-to", "queues", "--priority", "100",
		name, "^"+queue+"$", definition).CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl set_policy: %v\n%s", err, out)
	}
	cleared := false
	clear = func() {
		if cleared {
			return
		}
		cleared = true
		if out, err := exec.Command("rabbitmqctl", "-q", "clear_policy", name).CombinedOutput(); err != nil {
			t.Errorf("rabbitmqctl clear_policy: %v\n%s", err, out)
		}
	}
	t.Cleanup(clear)
	return clear
}

// TestRetryWhoseRepublishIsRefusedIsRequeued: when a lost job's message
// cannot be republished with its raised attempt count (here the broker
// refuses it: the queue is full under a reject-publish policy), the original
// is returned to the queue at once instead of sitting unacked, holding the
// prefetch slot until the broker's consumer_timeout.
func TestRetryWhoseRepublishIsRefusedIsRequeued(t *testing.T) {
	e := e2etest.New(t)
	release := filepath.Join(t.TempDir(), "release")
	crash, crashIDs := seed(e, "crash-full", 1, 3, "block:"+release+",exit@1", 1)
	other, otherIDs := seed(e, "waits", 1, 2, "", 0)
	s := e.StartSupervisor("--pool-size=1", "--prefetch=1")
	s.WaitReady(t, 30*time.Second)
	e.Publish(crash[0])
	e2etest.WaitFor(t, 30*time.Second, "the first job running", func() bool {
		return s.Metric(t, `collector_pool_children{state="busy"}`) == 1
	})
	// With prefetch 1 the second message stays ready while the first runs,
	// so a queue of at most one ready message refuses the republish.
	e.Publish(other[0])
	clear := setPolicy(t, e.ProcessingQueue(), `{"max-length":1,"overflow":"reject-publish"}`)
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	e2etest.WaitFor(t, 60*time.Second, "the refused retry requeued", func() bool {
		return s.Metric(t, `collector_messages_requeued_total{reason="retry_publish_failed"}`) >= 1
	})
	clear()
	drained(t, e, s, 60*time.Second)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	e.Check(t, e2etest.Ledger{Processed: map[string]int{crashIDs[0]: 3, otherIDs[0]: 2}})
}

// TestTransientFailuresAreBounded: a message that fails transiently on every
// delivery (a cause that does not pass, e.g. an unlisted SQLSTATE) is
// retried --max-transient-attempts times, then dead-lettered as
// transient_exhausted instead of looping for ever; the database probe keeps
// the consumer running meanwhile, and other messages are processed.
func TestTransientFailuresAreBounded(t *testing.T) {
	e := e2etest.New(t)
	bad, badIDs := seed(e, "always-transient", 1, 2, "transient", 1)
	good, goodIDs := seed(e, "fine", 2, 3, "", 0)
	s := e.StartSupervisor("--pool-size=2", "--max-transient-attempts=3")
	s.WaitReady(t, 30*time.Second)
	e.Publish(append(bad, good...)...)
	e.WaitFailed(60*time.Second, 1)
	drained(t, e, s, 60*time.Second)
	if v := s.Metric(t, `collector_messages_requeued_total{reason="transient"}`); v != 2 {
		t.Errorf("transient requeues = %v, want 2 (the third failure dead-letters)", v)
	}
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	failed := e.Check(t, e2etest.Ledger{
		Processed: map[string]int{goodIDs[0]: 3, goodIDs[1]: 3},
		Failed:    map[string]string{badIDs[0]: "transient_exhausted"},
	})
	if len(failed) == 1 {
		if n, _ := failed[0].Headers["x-collector-transient-attempts"].(int32); n != 2 {
			t.Errorf("the dead-lettered copy carries %v earlier transient attempts, want 2", failed[0].Headers["x-collector-transient-attempts"])
		}
	}
}

// TestPoisonMessagesDoNotStopASequentialSupervisor: children killed by
// their jobs (crash, hang past the task timeout) are not a restart storm.
// With --pool-size=1 a handful of poison messages used to add up to
// --max-start-failures and stop the supervisor; now they are dead-lettered
// and the next message is processed.
func TestPoisonMessagesDoNotStopASequentialSupervisor(t *testing.T) {
	e := e2etest.New(t)
	crash, crashIDs := seed(e, "poison-exit", 2, 2, "exit", 2)
	panics, panicIDs := seed(e, "poison-panic", 1, 2, "panic", 1)
	after, afterIDs := seed(e, "after-poison", 1, 3, "", 0)
	s := e.StartSupervisor("--pool-size=1", "--max-start-failures=3", "--restart-backoff=20ms")
	s.WaitReady(t, 30*time.Second)
	e.Publish(append(append(crash, panics...), after...)...)
	e2etest.WaitFor(t, 90*time.Second, "the good match completed after six child deaths", func() bool {
		select {
		case <-s.Done():
			t.Fatalf("the supervisor exited: %v", s.Err())
		default:
		}
		return e.Count(`SELECT count(*) FROM matches WHERE match_id = $1 AND status = 'completed'`, afterIDs[0]) == 1
	})
	drained(t, e, s, 30*time.Second)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	e.Check(t, e2etest.Ledger{
		Processed: map[string]int{afterIDs[0]: 3},
		Failed:    map[string]string{crashIDs[0]: "crash", crashIDs[1]: "crash", panicIDs[0]: "crash"},
	})
}
