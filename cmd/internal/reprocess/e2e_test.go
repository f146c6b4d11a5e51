package reprocess_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/store/storetest/ledger"
	"github.com/pewstats/collector/child/store/storetest/legacy"
	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/supervisor/e2etest"
)

// cli runs `collector reprocess` against the env's database, queues and
// telemetry, with its resume state in stateDir.
type cli struct {
	e        *e2etest.Env
	stateDir string
}

func newCLI(e *e2etest.Env) *cli { return &cli{e: e, stateDir: e.T.TempDir()} }

func (c *cli) cmd(args ...string) *exec.Cmd {
	p := storetest.FromEnv()
	cmd := exec.Command(e2etest.Binary(c.e.T), append([]string{"reprocess"}, args...)...)
	cmd.Env = append(os.Environ(),
		"POSTGRES_HOST="+p.Host, "POSTGRES_PORT="+p.Port, "POSTGRES_USER="+p.User, "POSTGRES_PASSWORD="+p.Password,
		"POSTGRES_DB="+c.e.DBName, "ENVIRONMENT="+c.e.Environment, "TELEMETRY_DIR="+c.e.TelemetryDir,
		"XDG_STATE_HOME="+c.stateDir, "RABBITMQ_HOST=127.0.0.1")
	return cmd
}

// run runs the command to its end and returns its output and exit code.
func (c *cli) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := c.cmd(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("reprocess %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func (c *cli) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := c.run(t, args...)
	if code != 0 {
		t.Fatalf("reprocess %v: exit %d\n%s\n%s", args, code, out, errOut)
	}
	return out
}

// processNormally publishes the matches' download-worker messages and
// waits until the supervisor completed them all.
func processNormally(t *testing.T, e *e2etest.Env, ms []e2etest.SynthMatch) {
	t.Helper()
	for _, m := range ms {
		e.Publish(m.Body)
	}
	e2etest.WaitFor(t, 3*time.Minute, "every match completed", func() bool {
		return e.Count(`SELECT count(*) FROM matches WHERE status = 'completed'`) == len(ms)
	})
}

// TestReprocessThroughTheQueueRepairsALegacyDatabase is the backfill after
// the upgrade: matches the Python worker left (package legacy) are
// reprocessed with every table through the queue by a running supervisor;
// the command shows its progress, waits for the workers and ends with
// every table equal to a fresh run of the same matches. The same again
// with --local changes nothing (twice equals once).
func TestReprocessThroughTheQueueRepairsALegacyDatabase(t *testing.T) {
	e := e2etest.New(t)
	ms := e.SynthMatches(synth.ProfileModern, []uint64{4101, 4102}, nil, 0)
	s := e.StartSupervisor("--pool-size=2")
	s.WaitReady(t, 30*time.Second)
	processNormally(t, e, ms)
	ids := e2etest.IDs(ms)
	want := e.CleanRun(ids)
	if err := legacy.Apply(context.Background(), e.DB, ids); err != nil {
		t.Fatal(err)
	}
	if len(diff(want, e.Snapshot(ids))) == 0 {
		t.Fatal("the legacy database equals a fresh run: the test would prove nothing")
	}

	c := newCLI(e)
	out, errOut, code := c.run(t, "--since", "2000-01-01", "--tables", "all", "--rate", "20")
	if code != 0 {
		t.Fatalf("reprocess: exit %d\n%s\n%s\nsupervisor:\n%s", code, out, errOut, s.Logs())
	}
	for _, want := range []string{"matches:        2 selected", "files:          2 found", "published:             2",
		"processed by workers:  2 of 2 published", "failed in the queue:   0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Not a terminal: plain progress lines, the last one complete.
	if !strings.Contains(errOut, "publishing 2/2 (100.0%)") || !strings.Contains(errOut, "processed by workers 2/2 (100.0%)") {
		t.Errorf("progress lines missing:\n%s", errOut)
	}
	for _, d := range diff(want, e.Snapshot(ids)) {
		t.Errorf("after reprocessing through the queue: %s", d)
	}
	// Counted as reprocessed, not as new matches.
	if v := s.Metric(t, `collector_reprocessed_matches_total{status="success"}`); v != 2 {
		t.Errorf("collector_reprocessed_matches_total{status=success} = %v, want 2", v)
	}
	if v := s.Metric(t, `telemetry_processed_total{status="success"}`); v != 2 {
		t.Errorf("telemetry_processed_total{status=success} = %v, want 2 (the first deliveries only)", v)
	}
	if v := s.Metric(t, `collector_rows_replaced_total{action="written",table="team_fights"}`); v <= 0 {
		t.Errorf("collector_rows_replaced_total for team_fights = %v", v)
	}

	// Twice equals once, this time without a broker.
	out = c.mustRun(t, "--since", "2000-01-01", "--tables", "all", "--local", "--pool-size", "2")
	if !strings.Contains(out, "reprocessed:           2") {
		t.Errorf("local run output:\n%s", out)
	}
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	e.Check(t, e2etest.Ledger{Processed: processed(ids)})
	if n := e.Count(`SELECT count(*) FROM reprocess_log WHERE commits <> 1`); n != 0 {
		t.Errorf("%d reprocess_log rows with more than one commit", n)
	}
	if n := e.Count(`SELECT count(DISTINCT run_id) FROM reprocess_log`); n != 2 {
		t.Errorf("%d runs logged, want 2", n)
	}
}

func processed(ids []string) map[string]int {
	m := map[string]int{}
	for _, id := range ids {
		m[id] = -1
	}
	return m
}

// seedRange is n generator seeds from first on.
func seedRange(first uint64, n int) []uint64 {
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = first + uint64(i)
	}
	return seeds
}

func diff(want, got map[string]ledger.Match) []string { return ledger.Diff(want, got) }

// TestReprocessResumesAfterSIGKILLWithoutDoingAMatchTwice: `collector
// reprocess --local` killed with SIGKILL in the middle of a run (its
// children die with it), resumed with --resume, finishes the selection,
// and no match is done twice: one reprocess_log row per match with one
// commit, even for a match committed by a child whose result the killed
// command never recorded (simulated by cutting the state file's last
// line).
func TestReprocessResumesAfterSIGKILLWithoutDoingAMatchTwice(t *testing.T) {
	e := e2etest.New(t)
	ms := e.SynthMatches(synth.ProfileSmall, seedRange(4200, 10), nil, 0)
	ids := e2etest.IDs(ms)
	rememberForCleanRun(t, e, ms)
	c := newCLI(e)
	args := []string{"--all", "--tables", "all", "--local", "--pool-size", "2", "--rate", "3"}
	cmd := c.cmd(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e2etest.WaitFor(t, 2*time.Minute, "three matches reprocessed", func() bool {
		return e.Count(`SELECT count(*) FROM reprocess_log`) >= 3
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := e.Count(`SELECT count(*) FROM reprocess_log`); n >= len(ids) {
		t.Fatalf("the run finished (%d logged) before it was killed; nothing to resume", n)
	}
	// The window a state file alone cannot close: committed, not recorded.
	statePath := onlyFile(t, filepath.Join(c.stateDir, "collector"))
	lines := readLines(t, statePath)
	recorded := len(lines) - 1
	if recorded < 1 {
		t.Fatalf("state has no match recorded:\n%s", strings.Join(lines, "\n"))
	}
	if err := os.WriteFile(statePath, []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Without --resume, the interrupted run is not overwritten.
	if _, errOut, code := c.run(t, args...); code != 1 || !strings.Contains(errOut, "add --resume to continue it") {
		t.Errorf("a new run over an unfinished one: exit %d, want 1 naming --resume\n%s", code, errOut)
	}
	resumed := c.mustRun(t, append(args, "--resume")...)
	if !strings.Contains(resumed, "done before resuming:") {
		t.Errorf("resumed run does not say what was done before:\n%s", resumed)
	}
	if n := e.Count(`SELECT count(*) FROM reprocess_log`); n != len(ids) {
		t.Errorf("%d matches logged after resuming, want %d\n%s", n, len(ids), resumed)
	}
	if n := e.Count(`SELECT count(*) FROM reprocess_log WHERE commits <> 1`); n != 0 {
		t.Errorf("%d matches were reprocessed twice\n%s", n, resumed)
	}
	if n := e.Count(`SELECT count(DISTINCT run_id) FROM reprocess_log`); n != 1 {
		t.Errorf("%d runs logged, want the one resumed", n)
	}
	// The run is finished: resuming again has nothing to do.
	if _, errOut, code := c.run(t, append(args, "--resume")...); code != 1 || !strings.Contains(errOut, "already finished") {
		t.Errorf("resume of a finished run: exit %d\n%s", code, errOut)
	}
	e.Check(t, e2etest.Ledger{Processed: processed(ids)})
}

// TestReprocessResumePublishesEachMatchOnce: through the queue, a run
// killed while publishing and resumed has published every match exactly
// once (nobody consumes here, so the queue holds every message).
func TestReprocessResumePublishesEachMatchOnce(t *testing.T) {
	e := e2etest.New(t)
	ms := e.SynthMatches(synth.ProfileSmall, seedRange(4300, 12), nil, 0)
	c := newCLI(e)
	args := []string{"--all", "--tables", "landings,kill_positions", "--rate", "4", "--wait=false"}
	cmd := c.cmd(args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e2etest.WaitFor(t, time.Minute, "four messages published", func() bool {
		n, _ := e.QueueDepth(e.ProcessingQueue())
		return n >= 4
	})
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	c.mustRun(t, append(args, "--resume")...)

	conn, ch := e.Channel()
	defer conn.Close()
	seen := map[string]int{}
	for {
		d, ok, err := ch.Get(e.ProcessingQueue(), true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		var m struct {
			MatchID   string   `json:"match_id"`
			Reprocess []string `json:"reprocess"`
			FilePath  string   `json:"file_path"`
		}
		if err := json.Unmarshal(d.Body, &m); err != nil {
			t.Fatal(err)
		}
		if strings.Join(m.Reprocess, ",") != "landings,kill_positions" || !strings.HasSuffix(m.FilePath, "matchID="+m.MatchID+"/raw.json.gz") {
			t.Errorf("message %s", d.Body)
		}
		seen[m.MatchID]++
	}
	for _, id := range e2etest.IDs(ms) {
		if seen[id] != 1 {
			t.Errorf("match %s published %d times, want once", id, seen[id])
		}
	}
	if len(seen) != len(ms) {
		t.Errorf("%d matches published, want %d", len(seen), len(ms))
	}
}

// TestReprocessFailureIsReportedWithItsReason: a reprocess message that
// fails (here a corrupt file) goes to the failed queue as
// reprocess_permanent; the command finds it there while following the
// workers, names it in its summary and exits non-zero.
func TestReprocessFailureIsReportedWithItsReason(t *testing.T) {
	e := e2etest.New(t)
	ms := e.SynthMatches(synth.ProfileSmall, []uint64{4401, 4402}, nil, 0)
	s := e.StartSupervisor("--pool-size=2")
	s.WaitReady(t, 30*time.Second)
	processNormally(t, e, ms)
	bad := ms[0].ID
	if err := os.WriteFile(filepath.Join(e.TelemetryDir, "matchID="+bad, "raw.json.gz"), []byte("not gzip, not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCLI(e)
	out, _, code := c.run(t, "--all", "--tables", "player_knock_events")
	if code != 1 || !strings.Contains(out, "failed in the queue:   1") || !strings.Contains(out, "reprocess_permanent: 1") || !strings.Contains(out, bad) {
		t.Errorf("exit %d, want 1 with the failure reported:\n%s", code, out)
	}
	if v := s.Metric(t, `collector_messages_dead_lettered_total{reason="reprocess_permanent"}`); v != 1 {
		t.Errorf("dead_lettered_total{reason=reprocess_permanent} = %v", v)
	}
	if v := s.Metric(t, `collector_reprocessed_matches_total{status="failed"}`); v != 1 {
		t.Errorf("reprocessed_matches_total{status=failed} = %v", v)
	}
	if err := s.Stop(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	failed := e.DrainFailed()
	if len(failed) != 1 || failed[0].Reason() != "reprocess_permanent" {
		for _, f := range failed {
			t.Errorf("failed: %s %s %s", f.Reason(), f.ErrorType(), f.Body)
		}
		t.Fatalf("%d failed messages, want one reprocess_permanent", len(failed))
	}
}

// TestReprocessRefusesWhatItCannotDo: bad selections are usage errors (exit
// 2) before anything connects; selections nothing can be done for, unknown
// matches and missing files get a clear message and exit 1; a selection
// where only some files are missing runs and counts them.
func TestReprocessRefusesWhatItCannotDo(t *testing.T) {
	e := e2etest.New(t)
	ms := e.SynthMatches(synth.ProfileSmall, []uint64{4501, 4502, 4503}, nil, 0)
	e.SeedMatch("custom-1", "custom")
	c := newCLI(e)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--tables", "all"}, 2, "no matches selected"},
		{[]string{"--all"}, 2, "--tables is required"},
		{[]string{"--all", "--tables", "kills"}, 2, `unknown table "kills"`},
		{[]string{"--all", "--tables", "fight_participants"}, 2, "without team_fights"},
		{[]string{"--since", "yesterday", "--tables", "all"}, 2, `--since "yesterday" is not a date`},
		{[]string{"--missing", "kill", "--tables", "all"}, 2, `unknown processing flag "kill"`},
		{[]string{"--game-type", "custom", "--tables", "all"}, 2, "does not process custom"},
		{[]string{"--match-id", "@/nonexistent/ids.txt", "--tables", "all"}, 2, "--match-id @/nonexistent/ids.txt"},
		{[]string{"--all", "--tables", "all", "--rate", "-1"}, 2, "--rate must not be negative"},
		{[]string{"--match-id", "nope-1,nope-2", "--tables", "all"}, 1, "nothing to do: 2 match id(s) are not in the matches table: nope-1, nope-2"},
		{[]string{"--match-id", "custom-1", "--tables", "all"}, 1, "game type the worker does not process: custom 1"},
		{[]string{"--since", "2100-01-01", "--tables", "all"}, 1, "nothing to do: no match in the database fits the selection"},
		{[]string{"--all", "--tables", "all", "--resume"}, 1, "--resume: no interrupted run"},
	} {
		_, errOut, code := c.run(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("reprocess %v: exit %d, %q; want exit %d with %q", tc.args, code, strings.TrimSpace(errOut), tc.code, tc.want)
		}
	}

	// --missing without --tables: the missing steps' tables, said so.
	out, errOut, code := c.run(t, "--missing", "finishing", "--dry-run")
	if code != 0 || !strings.Contains(out, "matches:        3 selected") || !strings.Contains(out, "tables:         player_knock_events, player_finishing_summary") ||
		!strings.Contains(out, "note: tables of the missing steps") || !strings.Contains(out, "dry run") {
		t.Errorf("--missing finishing --dry-run: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := e.Count(`SELECT count(*) FROM reprocess_log`); n != 0 {
		t.Errorf("a dry run logged %d matches", n)
	}

	// Every file missing: nothing to do.
	hidden := filepath.Join(t.TempDir(), "telemetry")
	if err := os.Rename(e.TelemetryDir, hidden); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(e.TelemetryDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := c.run(t, "--all", "--tables", "all", "--dry-run"); code != 1 || !strings.Contains(errOut, "none of the 3 selected matches has a telemetry file") {
		t.Errorf("all files missing: exit %d\n%s", code, errOut)
	}
	// One missing: the others are done, the missing one counted and named.
	if err := os.RemoveAll(e.TelemetryDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(hidden, e.TelemetryDir); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(e.TelemetryDir, "matchID="+ms[1].ID)); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = c.run(t, "--match-id", ms[0].ID, "--match-id", ms[1].ID+",nope-3", "--tables", "all", "--local", "--pool-size", "1")
	for _, want := range []string{"1 found under", "1 missing", ms[1].ID, "unknown:        1 match id(s) not in the matches table: nope-3",
		"reprocessed:           1", "skipped, file missing: 1", "unknown match ids:     1"} {
		if !strings.Contains(out, want) {
			t.Errorf("partly missing: output lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("partly missing: exit %d, want 0 (what could be done was done)\n%s\n%s", code, out, errOut)
	}
}

// rememberForCleanRun makes the env know each match's download-worker
// message (what CleanRun processes) without any supervisor seeing it:
// published, then taken off the queue again.
func rememberForCleanRun(t *testing.T, e *e2etest.Env, ms []e2etest.SynthMatch) {
	t.Helper()
	for _, m := range ms {
		e.Publish(m.Body)
	}
	conn, ch := e.Channel()
	defer conn.Close()
	if _, err := ch.QueuePurge(e.ProcessingQueue(), false); err != nil {
		t.Fatal(err)
	}
}

func onlyFile(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, en := range entries {
		if !en.IsDir() && strings.HasSuffix(en.Name(), ".jsonl") {
			files = append(files, filepath.Join(dir, en.Name()))
		}
	}
	if len(files) != 1 {
		t.Fatalf("state files in %s: %v, want one", dir, files)
	}
	return files[0]
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}
