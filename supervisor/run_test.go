package supervisor

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/e2etest"
	"github.com/pewstats/collector/supervisor/pool"
)

// supervisorGoroutines lists the stacks of live goroutines running this
// package's code, other than the caller's.
func supervisorGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "collector/supervisor.(*Supervisor)") && !strings.Contains(g, "supervisorGoroutines") {
			out = append(out, g)
		}
	}
	return out
}

// TestNoGoroutineOutlivesRun runs a supervisor in-process while the
// database is unreachable, so it pauses consumption and probes the database
// in the background, then stops it: when Run returns, none of its
// goroutines (the prober above all) is left running.
func TestNoGoroutineOutlivesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL, RabbitMQ and the collector binary")
	}
	e := e2etest.New(t)
	pg := storetest.FromEnv()
	proxy := e2etest.NewProxy(t, pg.Host+":"+pg.Port)
	bin := e2etest.Binary(t)
	e.SeedMatch("probe-1", "competitive")
	s := New(Config{
		WorkerID:    "leak-" + e.Environment,
		MetricsAddr: "127.0.0.1:0",
		AMQP: consumer.Config{Host: "127.0.0.1", Port: 5672, User: "guest", Password: "guest", VHost: "/",
			Environment: e.Environment, Prefetch: 1, ConsumerTag: "leak-" + e.Environment},
		Pool: pool.Config{Size: 1, Start: pool.Plugin(pool.PluginConfig{Command: func(int) *exec.Cmd {
			return exec.Command(bin, "child", "--postgres-host=127.0.0.1", "--postgres-port="+proxy.Port(),
				"--postgres-user="+pg.User, "--postgres-db="+e.DBName, "--telemetry-dir="+e.TelemetryDir, "--test-hooks")
		}})},
		pauseAfter:    1,
		probeInterval: 20 * time.Millisecond,
		ShutdownGrace: time.Second,
		Log:           slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, nil) }()
	e2etest.WaitFor(t, 30*time.Second, "the pool up", func() bool { return s.pool.Alive() == 1 })

	proxy.Down()
	e.Publish(e2etest.Message("probe-1", "no-file.json.gz", map[string]any{"x_test_fault": "transient"}))
	e2etest.WaitFor(t, 30*time.Second, "consumption paused and the database probed", func() bool { return s.db.paused.Load() })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
	// Run has returned: give a leaked goroutine a moment to show it is
	// still looping rather than on its way out.
	time.Sleep(200 * time.Millisecond)
	if left := supervisorGoroutines(); len(left) > 0 {
		t.Fatalf("%d goroutine(s) outlived Run:\n%s", len(left), strings.Join(left, "\n\n"))
	}
}
