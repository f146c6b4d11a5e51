package supervisor_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/supervisor/e2etest"
)

// The whole promise under fire: several supervisors on one queue and one
// database, every good match published two or three times back to back,
// the bad-input matrix, and faults piling up while they work. `make test`
// runs the short plan; `make chaos` runs the full one:
//
//	go test -run '^TestChaos$' -v ./supervisor/ -args -chaos=full
var (
	chaosPlanName = flag.String("chaos", "short", "chaos plan: short (make test) or full (make chaos)")
	chaosSeed     = flag.Uint64("chaos.seed", 1, "seed of the chaos run (matches, copies, fault timing)")
)

type chaosPlan struct {
	supervisors, pool int
	small, modern     int
	// inTx good matches exit inside the match transaction on their first
	// delivery, after three tables were written.
	inTx int
	// Faults at progress points (share of good matches completed).
	connCloses, backendKills []float64
	sigterm, sigkill         float64
	taskTimeout              time.Duration
	within                   time.Duration
}

var chaosPlans = map[string]chaosPlan{
	"short": {
		supervisors: 2, pool: 2, small: 40, modern: 2, inTx: 4,
		connCloses: []float64{0.2, 0.55}, backendKills: []float64{0.3, 0.7},
		sigterm: 0.4, sigkill: 0.65,
		taskTimeout: 8 * time.Second, within: 6 * time.Minute,
	},
	"full": {
		supervisors: 3, pool: 2, small: 200, modern: 10, inTx: 10,
		connCloses: []float64{0.1, 0.35, 0.5, 0.75}, backendKills: []float64{0.2, 0.45, 0.65, 0.85},
		sigterm: 0.3, sigkill: 0.6,
		taskTimeout: 15 * time.Second, within: 15 * time.Minute,
	},
}

// badMessage is a message that must end in the failed queue with reason.
type badMessage struct {
	id, reason string
	body       []byte
}

// chaosBadMessages is the bad-input matrix: every way a message or its file
// can be refused, and two poison matches that kill their child (memory,
// time), each published once.
func chaosBadMessages(t *testing.T, e *e2etest.Env) []badMessage {
	t.Helper()
	msg := func(id, file string, extra map[string]any) []byte { return e2etest.Message(id, file, extra) }
	seedIDs := func(ids ...string) {
		for _, id := range ids {
			e.SeedMatch(id, "competitive")
		}
	}
	seedIDs("bad-missing-file", "bad-outside", "bad-fifo", "bad-no-path", "poison-memory", "poison-time")
	fifo := filepath.Join(e.TelemetryDir, "fifo.json.gz")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	out := []badMessage{
		{"", "invalid_message", []byte(`{"match_id": "truncated-json-body", "file_path": `)},
		{"bad-oversized", "invalid_message", msg("bad-oversized", "x.json.gz", map[string]any{"padding": strings.Repeat("x", 2<<20)})},
		{"bad-no-path", "permanent", []byte(`{"match_id":"bad-no-path"}`)},
		{"bad-missing-file", "permanent", msg("bad-missing-file", "nowhere/raw.json.gz", nil)},
		{"bad-outside", "permanent", msg("bad-outside", "../../../../etc/passwd", nil)},
		{"bad-fifo", "permanent", msg("bad-fifo", "fifo.json.gz", nil)},
		{"poison-memory", "memory", msg("poison-memory", e.WriteLandingsFile("poison-memory", 3), map[string]any{"x_test_fault": "oom"})},
		{"poison-time", "timeout", msg("poison-time", e.WriteLandingsFile("poison-time", 3), map[string]any{"x_test_fault": "hang"})},
	}
	unknown := e.WriteLandingsFile("bad-unknown-match", 3) // no matches row
	out = append(out, badMessage{"bad-unknown-match", "unknown_match", msg("bad-unknown-match", unknown, nil)})
	for i, kind := range synth.Corruptions() {
		if kind == synth.CorruptWrongTypes {
			// Not refused: as in the reference, fields of the wrong type
			// read as absent where the reference's code tolerates it.
			continue
		}
		m, err := synth.Generate(synth.Options{Profile: synth.ProfileSmall, Seed: 7000 + uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		f, err := synth.WriteCorruptMatch(e.TelemetryDir, kind, m, synth.EncodingGzip, synth.CorruptOptions{BombSize: 160 << 20})
		if err != nil {
			t.Fatalf("write %s: %v", kind, err)
		}
		seedIDs(m.ID)
		out = append(out, badMessage{m.ID, "permanent", synth.NewMessage(m, f.Path, f.Size, "").JSON()})
	}
	return out
}

// chaosFaults injects the faults while the supervisors work and measures
// how long a killed child's slot takes to have a ready child again.
type chaosFaults struct {
	t     *testing.T
	e     *e2etest.Env
	plan  chaosPlan
	rng   *rand.Rand
	good  map[string]bool
	start func(i int) *e2etest.Supervisor

	mu       sync.Mutex
	sups     []*e2etest.Supervisor
	all      []*e2etest.Supervisor      // every supervisor started, replaced ones too
	killed   map[string]bool            // match ids whose child was killed (once each)
	recovery map[string][]time.Duration // kind of kill -> time to a ready replacement
	counts   map[string]int
	errs     []error
	fired    int
	wg       sync.WaitGroup
}

func (c *chaosFaults) note(what string) {
	c.mu.Lock()
	c.counts[what]++
	c.mu.Unlock()
}

func (c *chaosFaults) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

func (c *chaosFaults) sup(i int) *e2etest.Supervisor {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sups[i]
}

// progress is the share of good matches completed.
func (c *chaosFaults) progress(ids []string) float64 {
	var n int
	if err := c.e.DB.QueryRow(`SELECT count(*) FROM matches WHERE match_id = ANY($1) AND status = 'completed'`, pq.Array(ids)).Scan(&n); err != nil {
		return 0
	}
	return float64(n) / float64(len(ids))
}

// killChild SIGKILLs a random child of any supervisor: preferably one
// working on a good match that has not been hit yet (a match hit again and
// again would rightly end in the failed queue; poison and bad messages are
// left alone so their reasons stay theirs), else an idle one. It times the
// slot's recovery and reports whether it killed a child.
func (c *chaosFaults) killChild(idleToo bool) bool {
	type cand struct {
		sup int
		s   *e2etest.Supervisor
		ch  e2etest.ChildView
	}
	var busy, idle []cand
	for i := range c.plan.supervisors {
		s := c.sup(i)
		st, err := s.Status()
		if err != nil {
			continue // restarting
		}
		c.mu.Lock()
		for _, ch := range st.Children {
			switch {
			case ch.PID <= 0:
			case ch.State == "busy" && c.good[ch.MatchID] && !c.killed[ch.MatchID]:
				busy = append(busy, cand{i, s, ch})
			case ch.State == "idle":
				idle = append(idle, cand{i, s, ch})
			}
		}
		c.mu.Unlock()
	}
	cands, what := busy, "child SIGKILLed mid-job"
	if len(cands) == 0 && idleToo {
		cands, what = idle, "child SIGKILLed while idle"
	}
	if len(cands) == 0 {
		return false
	}
	pick := cands[c.rng.IntN(len(cands))]
	i, s, victim := pick.sup, pick.s, pick.ch
	if victim.State == "busy" {
		c.mu.Lock()
		c.killed[victim.MatchID] = true
		c.mu.Unlock()
	}
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		return false
	}
	c.note(what)
	killedAt := time.Now()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for time.Since(killedAt) < time.Minute {
			if c.sup(i) != s {
				return // the supervisor itself was replaced meanwhile
			}
			if st, err := s.Status(); err == nil {
				for _, ch := range st.Children {
					if ch.Slot == victim.Slot && ch.PID != victim.PID && ch.PID > 0 && (ch.State == "idle" || ch.State == "busy") {
						c.recovered(what, time.Since(killedAt))
						return
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		c.fail(fmt.Errorf("slot %d of supervisor %d had no ready child a minute after its child was killed", victim.Slot, i))
	}()
	return true
}

func (c *chaosFaults) closeConnection() {
	i := c.rng.IntN(c.plan.supervisors)
	s := c.sup(i)
	n, err := e2etest.CloseConnections(c.workerID(i))
	if err != nil {
		c.fail(err)
		return
	}
	if n == 0 {
		return
	}
	what := "AMQP connection closed by the broker"
	c.note(what)
	closed := time.Now()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		// rabbitmqctl returns once the broker closed it; the supervisor
		// may not have noticed yet, so first see it not consuming.
		down := false
		for time.Since(closed) < time.Minute {
			if c.sup(i) != s {
				return
			}
			st, err := s.Status()
			if err == nil && !st.Readiness.Consuming {
				down = true
			}
			if err == nil && st.Readiness.Consuming && (down || time.Since(closed) > 2*time.Second) {
				c.recovered(what, time.Since(closed))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		c.fail(fmt.Errorf("supervisor %d not consuming a minute after its connection was closed", i))
	}()
}

func (c *chaosFaults) recovered(what string, d time.Duration) {
	c.mu.Lock()
	c.recovery[what] = append(c.recovery[what], d)
	c.mu.Unlock()
}

func (c *chaosFaults) workerID(i int) string { return fmt.Sprintf("chaos-%s-%d", c.e.Environment, i) }

func (c *chaosFaults) killBackends() {
	var n int
	err := c.e.DB.QueryRow(`SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND application_name = 'collector' AND pid <> pg_backend_pid()) k`, c.e.DBName).Scan(&n)
	if err != nil {
		c.fail(fmt.Errorf("pg_terminate_backend: %w", err))
		return
	}
	c.counts["children's PostgreSQL backends terminated"] += n
}

// replace stops supervisor i with sig and starts a fresh one in its place.
func (c *chaosFaults) replace(i int, sig syscall.Signal) {
	s := c.sup(i)
	name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGKILL: "SIGKILL"}[sig]
	sent := time.Now()
	_ = s.Cmd.Process.Signal(sig)
	select {
	case <-s.Done():
	case <-time.After(90 * time.Second):
		c.fail(fmt.Errorf("supervisor %d did not exit within 90s of %s", i, sig))
		return
	}
	c.recovered("supervisor "+name+" -> exited", time.Since(sent))
	if sig == syscall.SIGTERM && s.Err() != nil {
		c.fail(fmt.Errorf("supervisor %d exited with %v after SIGTERM", i, s.Err()))
	}
	started := time.Now()
	fresh := c.start(i)
	c.recovered("fresh supervisor started -> ready", time.Since(started))
	c.mu.Lock()
	c.sups[i] = fresh
	c.mu.Unlock()
	c.note("supervisor " + name + "ed and replaced")
}

// run injects faults until ctx ends: a child kill every 1-2 s, and the
// progress-triggered events.
func (c *chaosFaults) run(ctx context.Context, ids []string) {
	type event struct {
		at float64
		do func()
	}
	var events []event
	for _, p := range c.plan.connCloses {
		events = append(events, event{p, c.closeConnection})
	}
	for _, p := range c.plan.backendKills {
		events = append(events, event{p, c.killBackends})
	}
	events = append(events, event{c.plan.sigterm, func() { c.replace(0, syscall.SIGTERM) }})
	events = append(events, event{c.plan.sigkill, func() { c.replace(1, syscall.SIGKILL) }})
	slices.SortFunc(events, func(a, b event) int {
		if a.at < b.at {
			return -1
		}
		return 1
	})
	nextKill := time.Now() // the first kill is due at once
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// A kill is due every 1-2 s. It waits up to a second for a child
		// working on a good match; then an idle child will do.
		if now := time.Now(); now.After(nextKill) && c.killChild(now.Sub(nextKill) > time.Second) {
			nextKill = time.Now().Add(time.Second + time.Duration(c.rng.Int64N(int64(time.Second))))
		}
		p := c.progress(ids)
		for len(events) > 0 && p >= events[0].at {
			events[0].do()
			events = events[1:]
			c.mu.Lock()
			c.fired++
			c.mu.Unlock()
		}
	}
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// TestChaos: every message processed exactly once or failed with its
// reason, nothing lost, no row written twice, under the plan's faults.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL and RabbitMQ")
	}
	plan, ok := chaosPlans[*chaosPlanName]
	if !ok {
		t.Fatalf("unknown -chaos plan %q", *chaosPlanName)
	}
	rng := rand.New(rand.NewPCG(*chaosSeed, 0x636861))
	e := e2etest.New(t)

	// The supervisors run the binary built without the race detector even
	// under `go test -race`: the race detector slows children so much that
	// the task timeout and memory limit would fire on good matches. Data
	// races are the other end-to-end tests' business. The same binary
	// generates the matches, for the same reason.
	bin := e2etest.PlainBinary(t)
	setup := time.Now()
	good := e.SynthWithBinary(bin, "small", 1+*chaosSeed*100000, plan.small, map[string]any{"x_test_fault": "exit-in-tx@1"}, plan.inTx)
	// The modern matches take two seconds longer on their first delivery,
	// so the fault injector always finds a child busy with a good match to
	// kill: with the match transaction as fast as it is now, a short plan
	// could drain without one.
	good = append(good, e.SynthWithBinary(bin, "modern", 50000+*chaosSeed*100000, plan.modern, map[string]any{"x_test_fault": "slow:2s@1"}, plan.modern)...)
	bad := chaosBadMessages(t, e)
	t.Logf("generated the matches and files in %s", time.Since(setup).Round(time.Second))
	ids := e2etest.IDs(good)
	isGood := map[string]bool{}
	for _, id := range ids {
		isGood[id] = true
	}

	// Publication order: each good match's copies back to back, the bad
	// messages scattered among them.
	var bodies [][]byte
	copies := 0
	for _, m := range good {
		n := 2 + rng.IntN(2)
		copies += n
		for range n {
			bodies = append(bodies, m.Body)
		}
	}
	for _, b := range bad {
		at := rng.IntN(len(bodies) + 1)
		bodies = slices.Insert(bodies, at, b.body)
	}

	c := &chaosFaults{t: t, e: e, plan: plan, rng: rng, good: isGood, killed: map[string]bool{}, counts: map[string]int{}, recovery: map[string][]time.Duration{}}
	c.start = func(i int) *e2etest.Supervisor {
		s := e.StartSupervisorWith(e2etest.Options{Binary: bin}, "--pool-size="+fmt.Sprint(plan.pool), "--worker-id="+c.workerID(i),
			"--max-attempts=3", "--task-timeout="+plan.taskTimeout.String(), "--max-child-memory=512MiB",
			"--max-telemetry-bytes=96MiB", "--shutdown-grace=20s", "--log-level=info")
		s.WaitReady(t, 60*time.Second)
		c.mu.Lock()
		c.all = append(c.all, s)
		c.mu.Unlock()
		return s
	}
	for i := range plan.supervisors {
		c.sups = append(c.sups, c.start(i))
	}
	// The fault injector is running before the first message arrives.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.run(ctx, ids) }()
	e.Publish(bodies...)
	began := time.Now()
	t.Logf("published %d messages: %d good matches (%d small, %d modern) in %d copies, %d bad; %d supervisors × %d children",
		len(bodies), len(good), plan.small, plan.modern, copies, len(bad), plan.supervisors, plan.pool)

	totalEvents := len(plan.connCloses) + len(plan.backendKills) + 2
	var state string
	var goodAt, badAt time.Duration
	settled := func() bool {
		c.mu.Lock()
		fired := c.fired
		c.mu.Unlock()
		p := c.progress(ids)
		nf, _ := e.QueueDepth(e.FailedQueue())
		np, _ := e.QueueDepth(e.ProcessingQueue())
		var unacked []int64
		for i := range plan.supervisors {
			st, err := c.sup(i).Status()
			if err != nil {
				st.Unacked = -1
			}
			unacked = append(unacked, st.Unacked)
		}
		if p == 1 && goodAt == 0 {
			goodAt = time.Since(began)
		}
		if nf >= len(bad) && badAt == 0 {
			badAt = time.Since(began)
		}
		state = fmt.Sprintf("events fired %d/%d, good completed %.0f%%, failed queue %d/%d, processing queue %d, unacked per supervisor %v",
			fired, totalEvents, 100*p, nf, len(bad), np, unacked)
		return fired == totalEvents && p == 1 && nf >= len(bad) && np == 0 && slices.Max(unacked) == 0 && slices.Min(unacked) == 0
	}
	deadline := time.Now().Add(plan.within)
	for !settled() {
		if time.Now().After(deadline) {
			t.Fatalf("not settled after %s: %s", plan.within, state)
		}
		time.Sleep(500 * time.Millisecond)
	}
	stop()
	<-done
	c.wg.Wait()
	drainedAt := time.Since(began)
	for i := range plan.supervisors {
		if err := c.sup(i).Stop(t, 60*time.Second); err != nil {
			t.Errorf("supervisor %d exited with %v after SIGTERM", i, err)
		}
	}
	for _, err := range c.errs {
		t.Error(err)
	}
	e2etest.WaitFor(t, 10*time.Second, "no child process left behind", func() bool {
		return len(e2etest.ProcessesOf(bin, "child")) == 0
	})

	var report strings.Builder
	fmt.Fprintf(&report, "chaos plan %q, seed %d: drained in %s\n", *chaosPlanName, *chaosSeed, drainedAt.Round(time.Second))
	var names []string
	for k := range c.counts {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&report, "  %-48s %d\n", k, c.counts[k])
	}
	fmt.Fprintf(&report, "  %-48s %d\n", "good matches failing inside their transaction", plan.inTx)
	fmt.Fprintf(&report, "  good matches all completed after %s; bad and poison messages all dead-lettered after %s\n",
		goodAt.Round(time.Second), badAt.Round(time.Second))
	for _, what := range []string{"child SIGKILLed mid-job", "child SIGKILLed while idle", "AMQP connection closed by the broker",
		"supervisor SIGTERM -> exited", "supervisor SIGKILL -> exited", "fresh supervisor started -> ready"} {
		r := c.recovery[what]
		fmt.Fprintf(&report, "  %-48s p50 %s, max %s (n=%d)\n", recoveryLabel(what),
			percentile(r, 0.5).Round(time.Millisecond), percentile(r, 1).Round(time.Millisecond), len(r))
	}
	t.Log(report.String())

	failed := map[string]string{}
	for _, b := range bad {
		failed[b.id] = b.reason
	}
	processed := map[string]int{}
	for _, id := range ids {
		processed[id] = -1
	}
	unconfirmed := 0
	for _, s := range c.all {
		unconfirmed += strings.Count(s.Logs(), "may be dead-lettered twice")
	}
	if unconfirmed > 0 {
		t.Logf("%d dead-letters were not confirmed before their connection went (each may leave a second copy)", unconfirmed)
	}
	checking := time.Now()
	e.Check(t, e2etest.Ledger{Processed: processed, Failed: failed, Print: true, ExtraFailedCopies: unconfirmed, CleanBinary: bin})
	t.Logf("ledger checked (clean run included) in %s", time.Since(checking).Round(time.Second))
	if n, _ := e.QueueDepth(e.ProcessingQueue()); n != 0 {
		t.Errorf("%d messages back in the processing queue after every supervisor stopped (were unacked)", n)
	}
	if len(c.recovery["child SIGKILLed mid-job"]) == 0 {
		t.Error("no child was killed mid-job: the run was too short for the fault injector")
	}
}

// recoveryLabel names what a recovery time measures.
func recoveryLabel(what string) string {
	switch {
	case strings.HasPrefix(what, "child SIGKILLed"):
		return what + " -> replacement ready"
	case strings.HasPrefix(what, "AMQP"):
		return "AMQP connection closed -> consuming again"
	}
	return what
}
