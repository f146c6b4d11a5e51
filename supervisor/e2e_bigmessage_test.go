package supervisor_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/supervisor/e2etest"
)

// TestOversizedMessageIsInvalidNotACrash: a body past the message limit
// (here 5 MiB, past gRPC's 4 MiB default too) is refused by the parent as
// invalid_message without reaching, let alone killing, a child; the next
// message is processed by the same children.
func TestOversizedMessageIsInvalidNotACrash(t *testing.T) {
	e := e2etest.New(t)
	e.SeedMatch("big-0", "competitive")
	big := e2etest.Message("big-0", e.WriteLandingsFile("big-0", 3), map[string]any{"padding": strings.Repeat("x", 5<<20)})
	normal, normalIDs := seed(e, "after-big", 1, 4, "", 0)
	s := e.StartSupervisor("--pool-size=2", "--restart-backoff=50ms")
	s.WaitReady(t, 30*time.Second)
	var before []int
	e2etest.WaitFor(t, 20*time.Second, "two children", func() bool {
		before = e2etest.ChildPIDs(t, s.Cmd.Process.Pid)
		return len(before) == 2
	})

	e.Publish(big)
	e.WaitFailed(60*time.Second, 1)
	e.Publish(normal...)
	drained(t, e, s, 60*time.Second)

	after := e2etest.ChildPIDs(t, s.Cmd.Process.Pid)
	slices.Sort(before)
	slices.Sort(after)
	if !slices.Equal(before, after) {
		t.Errorf("children changed from %v to %v: the big message cost a child", before, after)
	}
	for _, reason := range []string{"crash", "start_failure"} {
		if v := s.Metric(t, fmt.Sprintf(`worker_restarts_total{reason=%q,worker_type="telemetry_processing"}`, reason)); v > 0 {
			t.Errorf("worker_restarts_total{reason=%s} = %v, want none", reason, v)
		}
	}
	if v := s.Metric(t, `collector_messages_dead_lettered_total{reason="invalid_message"}`); v != 1 {
		t.Errorf("dead-lettered{invalid_message} = %v, want 1", v)
	}
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	failed := e.Check(t, e2etest.Ledger{
		Processed: map[string]int{normalIDs[0]: 4},
		Failed:    map[string]string{"big-0": "invalid_message"},
	})
	for _, f := range failed {
		msg, _ := f.Headers["x-error-message"].(string)
		if f.ErrorType() != "ValidationError" || !strings.Contains(msg, fmt.Sprint(len(big))) || !strings.Contains(msg, "limit") {
			t.Errorf("x-error-type %q, x-error-message %q: want ValidationError naming the size %d and the limit", f.ErrorType(), msg, len(big))
		}
		if len(f.Body) != len(big) {
			t.Errorf("failed queue holds %d bytes, want the original %d", len(f.Body), len(big))
		}
	}
}
