package supervisor_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/supervisor/e2etest"
)

// Behaviour 7: SIGTERM stops consuming, lets in-flight jobs finish within
// the grace period, requeues what cannot finish, and exits 0; a second
// signal stops at once.
//
// Nothing here depends on how fast the machine is: the two in-flight jobs
// either hang until cancelled or are held at their commit (HoldMatches)
// until the supervisor has stopped consuming, so no third job can start
// and no job can finish before the signal.
func TestGracefulShutdown(t *testing.T) {
	tests := []struct {
		name          string
		fault         string // on all three jobs
		hold          bool   // hold the jobs at their commit until consumption has stopped
		grace         string
		secondSignal  bool
		exitWithin    time.Duration
		wantProcessed int // of the two in flight
	}{
		{"in-flight jobs finish", "", true, "60s", false, 60 * time.Second, 2},
		{"grace runs out: jobs requeued", "hang", false, "1s", false, 30 * time.Second, 0},
		{"second signal stops at once", "hang", false, "60s", true, 30 * time.Second, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e2etest.New(t)
			bodies, ids := seed(e, "drain", 3, 4, tc.fault, 3)
			release := func() {}
			if tc.hold {
				release = e.HoldMatches(ids...)
			}
			s := e.StartSupervisor("--pool-size=2", "--shutdown-grace="+tc.grace)
			s.WaitReady(t, 30*time.Second)
			e.Publish(bodies...)
			e2etest.WaitFor(t, 30*time.Second, "two busy children", func() bool {
				return s.Metric(t, `collector_pool_children{state="busy"}`) == 2
			})
			if tc.hold {
				e2etest.WaitFor(t, 30*time.Second, "both jobs blocked at their commit", func() bool {
					return e.SessionsWaitingOnLocks() == 2
				})
			}
			start := time.Now()
			_ = s.Cmd.Process.Signal(syscall.SIGTERM)
			// The signal was handled and the broker has no consumer left on
			// the queue: nothing new can be delivered from here on.
			e2etest.WaitFor(t, 30*time.Second, "the shutdown under way and the consumer cancelled", func() bool {
				_, consumers := e.QueueDepth(e.ProcessingQueue())
				return s.LogCount("shutdown requested") == 1 && consumers == 0
			})
			if tc.secondSignal {
				_ = s.Cmd.Process.Signal(syscall.SIGTERM)
			}
			release()
			select {
			case <-s.Done():
			case <-time.After(tc.exitWithin):
				t.Fatalf("still running %s after SIGTERM", tc.exitWithin)
			}
			if err := s.Err(); err != nil {
				t.Fatalf("exit status: %v, want 0", err)
			}
			t.Logf("exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
			if tc.secondSignal && s.LogCount("second signal: stopping now") != 1 {
				t.Error("the second signal was not acted on")
			}
			processed := e.Count(`SELECT count(*) FROM matches WHERE status = 'completed'`)
			if processed != tc.wantProcessed {
				t.Fatalf("%d matches completed, want %d", processed, tc.wantProcessed)
			}
			// Everything not completed is back in the queue, nothing failed.
			if n, _ := e.QueueDepth(e.ProcessingQueue()); n != len(ids)-processed {
				t.Fatalf("%d messages in the queue after shutdown, want %d", n, len(ids)-processed)
			}
			if n, _ := e.QueueDepth(e.FailedQueue()); n != 0 {
				t.Fatalf("%d messages dead-lettered by a shutdown", n)
			}
			if got := e.Count(`SELECT count(*) FROM landings`); got != 4*processed {
				t.Fatalf("%d landings, want %d: an interrupted job left rows behind", got, 4*processed)
			}
		})
	}
}

// Behaviour 8: the broker closes the connection under a running job. The
// supervisor reconnects and keeps consuming; the job's result is not acked on
// the new channel (a stale tag would close it); the redelivered message is
// processed again harmlessly.
func TestBrokerOutage(t *testing.T) {
	e := e2etest.New(t)
	workerID := "worker-" + e.Environment
	// The job is held at its commit for as long as the outage takes
	// (rabbitmqctl needs seconds per call): it cannot finish early however
	// slow or fast the machine is. Its redelivered copy, started after the
	// reconnect, waits behind it.
	slow, slowIDs := seed(e, "inflight", 1, 5, "", 0)
	release := e.HoldMatches(slowIDs...)
	s := e.StartSupervisor("--pool-size=2", "--worker-id="+workerID)
	s.WaitReady(t, 30*time.Second)
	e.Publish(slow...)
	e2etest.WaitFor(t, 30*time.Second, "the held job running and blocked at its commit", func() bool {
		return s.Metric(t, `collector_pool_children{state="busy"}`) == 1 && e.SessionsWaitingOnLocks() == 1
	})
	if n := e2etest.CloseConnection(t, workerID); n != 1 {
		t.Fatalf("closed %d connections, want 1", n)
	}
	e2etest.WaitFor(t, 30*time.Second, "a reconnect", func() bool {
		return s.Metric(t, "collector_amqp_reconnects_total") >= 1 && s.Metric(t, "collector_amqp_consumer_up") == 1
	})
	if n := e.Count(`SELECT count(*) FROM matches WHERE match_id = $1 AND status = 'completed'`, slowIDs[0]); n != 0 {
		t.Fatal("the held job completed during the outage")
	}
	release()
	// The consumer is really consuming again, not silently idle.
	after, afterIDs := seed(e, "after", 3, 2, "", 0)
	e.Publish(after...)
	drained(t, e, s, 60*time.Second)
	e2etest.WaitFor(t, 30*time.Second, "everything completed", func() bool {
		return e.Count(`SELECT count(*) FROM matches WHERE status = 'completed'`) == 4
	})
	e2etest.WaitFor(t, 30*time.Second, "the old channel's result recognised as stale", func() bool {
		return s.LogCount("channel was replaced while the job ran") >= 1
	})
	if strings.Contains(s.Logs(), "PRECONDITION_FAILED") {
		t.Error("a stale delivery tag reached the new channel")
	}
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	processed := e2etest.Processed(afterIDs, 2)
	processed[slowIDs[0]] = 5
	e.Check(t, e2etest.Ledger{Processed: processed})
}

// Behaviour 9: with the database unreachable, children report transient
// failures; the supervisor requeues, pauses consumption, probes, and resumes
// when the database is back. Nothing goes to the failed queue.
func TestDatabaseOutage(t *testing.T) {
	e := e2etest.New(t)
	p := storetest.FromEnv()
	proxy := e2etest.NewProxy(t, net.JoinHostPort(p.Host, p.Port))
	bodies, ids := seed(e, "dbdown", 4, 3, "", 0)
	s := e.StartSupervisorWith(e2etest.Options{PostgresPort: proxy.Port()}, "--pool-size=2")
	s.WaitReady(t, 30*time.Second)
	proxy.Down()
	e.Publish(bodies...)
	e2etest.WaitFor(t, 30*time.Second, "consumption paused", func() bool {
		return s.Metric(t, "collector_consumer_paused") == 1
	})
	// Transient failures are requeued after a growing delay, never dead-lettered.
	e2etest.WaitFor(t, 30*time.Second, "three transient requeues", func() bool {
		return s.Metric(t, `collector_messages_requeued_total{reason="transient"}`) >= 3
	})
	// Paused means paused: every message ends up back in the queue and stays there.
	e2etest.WaitFor(t, 30*time.Second, "all messages back in the queue", func() bool {
		n, _ := e.QueueDepth(e.ProcessingQueue())
		return n == len(ids) && s.Metric(t, "collector_jobs_in_flight") == 0
	})
	// ... through the supervisor's next two failed database probes, each a
	// moment at which it decides whether to resume: until the database is
	// back, the queue keeps every message and has no consumer, nothing is
	// in flight, nothing more is requeued, and no resume is logged.
	probes := s.LogCount("database still unreachable")
	requeued := s.Metric(t, `collector_messages_requeued_total{reason="transient"}`)
	e2etest.Holds(t, 90*time.Second, "consumption stays paused while the database is down", func() error {
		n, consumers := e.QueueDepth(e.ProcessingQueue())
		switch {
		case n != len(ids) || consumers != 0:
			return fmt.Errorf("%d messages ready and %d consumers, want %d and 0", n, consumers, len(ids))
		case s.Metric(t, "collector_consumer_paused") != 1 || s.Metric(t, "collector_jobs_in_flight") != 0:
			return fmt.Errorf("paused = %v, in flight = %v", s.Metric(t, "collector_consumer_paused"), s.Metric(t, "collector_jobs_in_flight"))
		case s.LogCount("consumption resumed") != 0:
			return errors.New("consumption resumed with the database still down")
		case s.Metric(t, `collector_messages_requeued_total{reason="transient"}`) != requeued:
			return errors.New("a message was consumed and requeued again while paused")
		}
		return nil
	}, func() bool { return s.LogCount("database still unreachable") >= probes+2 })
	if n, _ := e.QueueDepth(e.FailedQueue()); n != 0 {
		t.Fatalf("%d messages dead-lettered for a transient cause", n)
	}
	proxy.Up()
	e2etest.WaitFor(t, 60*time.Second, "resumed and processed", func() bool {
		return s.Metric(t, "collector_consumer_paused") == 0 && e.Count(`SELECT count(*) FROM matches WHERE status = 'completed'`) == len(ids)
	})
	drained(t, e, s, 30*time.Second)
	// One pause, one resume (after the database came back) in the whole run.
	if p, r := s.LogCount("pausing consumption after"), s.LogCount("database reachable again"); p != 1 || r != 1 {
		t.Errorf("paused %d times and resumed %d times, want once each", p, r)
	}
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	e.Check(t, e2etest.Ledger{Processed: e2etest.Processed(ids, 3)})
}

// Behaviours 10 and 11: what children measure reaches the parent's metrics,
// and their log lines reach the parent's log tagged with child id and pid at
// their real level.
func TestChildrenReportMetricsAndLogs(t *testing.T) {
	e := e2etest.New(t)
	good, _ := seed(e, "m", 2, 6, "", 0)
	e.SeedMatch("missing", "competitive")
	s := e.StartSupervisor("--pool-size=2")
	s.WaitReady(t, 30*time.Second)
	e.Publish(append(good, e2etest.Message("missing", "nope.json", nil))...)
	drained(t, e, s, 60*time.Second)
	for sample, want := range map[string]float64{
		`telemetry_events_extracted_total{event_type="landings"}`:                           12,
		`collector_rows_written_total{table="landings"}`:                                    12,
		`telemetry_file_read_duration_seconds_count`:                                        2,
		`telemetry_processed_total{status="success"}`:                                       2,
		`telemetry_processed_total{status="failed"}`:                                        1,
		`worker_errors_total{error_type="FileNotFound",worker_type="telemetry_processing"}`: 1,
	} {
		if got := s.Metric(t, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	if got := s.Metric(t, `collector_child_rss_bytes{child="1"}`); got <= 0 {
		t.Errorf("collector_child_rss_bytes{child=1} = %v, want > 0", got)
	}
	var found bool
	for _, r := range s.LogRecords() {
		if r["msg"] == "match processing failed" {
			found = true
			if r["level"] != "ERROR" || r["child"] == nil || r["pid"] == nil || r["match_id"] != "missing" {
				t.Errorf("child log line forwarded as %v", r)
			}
		}
	}
	if !found {
		t.Error("the child's error log line did not reach the parent")
	}
}

// Behaviour 1 (restart storm): children that die at start make the
// supervisor exit non-zero instead of living on with a dead pool.
func TestRestartStormExitsNonZero(t *testing.T) {
	e := e2etest.New(t)
	s := e.StartSupervisorWith(e2etest.Options{Env: []string{"COLLECTOR_TEST_EXIT_AT_START=1"}},
		"--pool-size=2", "--max-start-failures=3", "--restart-backoff=20ms")
	select {
	case <-s.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("supervisor with a dead pool is still running")
	}
	if s.Err() == nil {
		t.Fatal("supervisor exited 0 with a dead pool")
	}
	if !strings.Contains(s.Logs(), "no child could start") && !strings.Contains(s.Logs(), "keep failing to start") {
		t.Fatalf("exit reason not logged:\n%s", s.Logs())
	}
}

// Behaviour 12: a child started by hand with --debug-serve can be the
// supervisor's whole pool via --reattach.
func TestDebugServeAndReattach(t *testing.T) {
	e := e2etest.New(t)
	bodies, ids := seed(e, "dbg", 2, 3, "", 0)
	p := storetest.FromEnv()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	child := exec.CommandContext(ctx, e2etest.Binary(t), "child", "--debug-serve",
		"--telemetry-dir="+e.TelemetryDir, "--postgres-host="+p.Host, "--postgres-port="+p.Port, "--postgres-user="+p.User, "--postgres-db="+e.DBName)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	var reattach string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "collector supervise --reattach '") {
			reattach = strings.TrimSuffix(strings.TrimPrefix(line, "collector supervise --reattach '"), "'")
			break
		}
	}
	if !json.Valid([]byte(reattach)) {
		t.Fatalf("no reattach config printed (got %q)", reattach)
	}
	s := e.StartSupervisor("--reattach=" + reattach)
	s.WaitReady(t, 30*time.Second)
	e.Publish(bodies...)
	drained(t, e, s, 60*time.Second)
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	e.Check(t, e2etest.Ledger{Processed: e2etest.Processed(ids, 3)})
}
