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
