package supervisor_test

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/supervisor/e2etest"
)

// TestChildrenDoNotInheritBrokerCredentials: children parse untrusted files
// and never talk to RabbitMQ, so the supervisor's RabbitMQ settings (and
// anything else outside the documented allow-list) must not be in their
// environment. The children must still work with what they get.
func TestChildrenDoNotInheritBrokerCredentials(t *testing.T) {
	e := e2etest.New(t)
	bodies, ids := seed(e, "env", 2, 4, "", 0)
	password := os.Getenv("RABBITMQ_PASSWORD")
	if password == "" {
		password = "guest"
	}
	s := e.StartSupervisorWith(e2etest.Options{Env: []string{
		"RABBITMQ_PASSWORD=" + password, "RABBITMQ_USER=" + envOr("RABBITMQ_USER", "guest"),
		"RABBITMQ_HOST=" + envOr("RABBITMQ_HOST", "127.0.0.1"), "RABBITMQ_VHOST=" + envOr("RABBITMQ_VHOST", "/"),
		"AWS_SECRET_ACCESS_KEY=not-for-children", "TZ=UTC",
	}}, "--pool-size=2")
	s.WaitReady(t, 30*time.Second)

	var kids []int
	e2etest.WaitFor(t, 20*time.Second, "two children", func() bool {
		kids = e2etest.ChildPIDs(t, s.Cmd.Process.Pid)
		return len(kids) == 2
	})
	for _, pid := range kids {
		env := e2etest.ProcEnviron(t, pid)
		if env["COLLECTOR_CHILD_SLOT"] == "" || env["COLLECTOR_CHILD_COOKIE"] == "" {
			t.Fatalf("pid %d does not look like a collector child: %v", pid, names(env))
		}
		for k, v := range env {
			if strings.HasPrefix(k, "RABBITMQ_") || k == "AWS_SECRET_ACCESS_KEY" || (len(password) > 3 && strings.Contains(v, password) && k != "POSTGRES_PASSWORD") {
				t.Errorf("child pid %d inherited %s", pid, k)
			}
		}
		if env["TZ"] != "UTC" {
			t.Errorf("child pid %d lost the allowed TZ: %v", pid, names(env))
		}
	}

	e.Publish(bodies...)
	drained(t, e, s, 60*time.Second)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	e.Check(t, e2etest.Ledger{Processed: map[string]int{ids[0]: 4, ids[1]: 4}})
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func names(env map[string]string) []string {
	var out []string
	for k := range env {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
