package supervisor_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/supervisor/e2etest"
)

// TestHealthTellsTheTruthDuringALongOutage: with RabbitMQ unreachable,
// liveness (/healthz) stays up — restarting would not help — but the
// container health (/health, `collector healthcheck`) fails once the outage
// has lasted --unhealthy-after, so Docker and Komodo stop showing the
// worker healthy.
func TestHealthTellsTheTruthDuringALongOutage(t *testing.T) {
	e := e2etest.New(t)
	s := e.StartSupervisor("--pool-size=1", "--rabbitmq-port=1", "--unhealthy-after=2s")
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + s.MetricsAddr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	e2etest.WaitFor(t, 30*time.Second, "the endpoints up", func() bool { c, _ := get("/healthz"); return c == 200 })
	if c, body := get("/health"); c != 200 {
		t.Fatalf("/health is %d at once (%s): a short outage must be tolerated", c, body)
	}
	e2etest.WaitFor(t, 30*time.Second, "/health failing", func() bool { c, _ := get("/health"); return c == 503 })
	if _, body := get("/health"); !strings.Contains(body, "RabbitMQ unreachable for") {
		t.Errorf("/health does not say why: %s", body)
	}
	if c, _ := get("/healthz"); c != 200 {
		t.Errorf("/healthz is %d: liveness must not fail for an outage", c)
	}
	check := func(args ...string) error {
		return exec.Command(e2etest.Binary(t), append([]string{"healthcheck", "--metrics-addr=" + s.MetricsAddr}, args...)...).Run()
	}
	if err := check(); err == nil {
		t.Error("collector healthcheck succeeded during the outage")
	}
	if err := check("--path=/healthz"); err != nil {
		t.Errorf("collector healthcheck --path=/healthz failed: %v", err)
	}
}

// TestStatusShowsEachChildLive: `collector status` (and /status) list each
// child with what it works on, and the queues.
func TestStatusShowsEachChildLive(t *testing.T) {
	e := e2etest.New(t)
	release := filepath.Join(t.TempDir(), "release")
	held, heldIDs := seed(e, "status-held", 1, 3, "block:"+release, 1)
	s := e.StartSupervisor("--pool-size=2")
	s.WaitReady(t, 30*time.Second)
	e.Publish(held...)
	e2etest.WaitFor(t, 30*time.Second, "a busy child", func() bool {
		return s.Metric(t, `collector_pool_children{state="busy"}`) == 1
	})
	out, err := exec.Command(e2etest.Binary(t), "status", "--metrics-addr="+s.MetricsAddr).CombinedOutput()
	if err != nil {
		t.Fatalf("collector status: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"CHILD", heldIDs[0], "busy", "idle", "match.processing." + e.Environment, "1 messages unacked here"} {
		if !strings.Contains(text, want) {
			t.Errorf("collector status does not show %q:\n%s", want, text)
		}
	}
	raw, err := exec.Command(e2etest.Binary(t), "status", "--json", "--metrics-addr="+s.MetricsAddr).Output()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Children []struct {
			PID     int     `json:"pid"`
			State   string  `json:"state"`
			MatchID string  `json:"match_id"`
			BusyFor float64 `json:"busy_seconds"`
			RSS     int64   `json:"rss_bytes"`
		} `json:"children"`
	}
	if err := json.Unmarshal(raw, &st); err != nil || len(st.Children) != 2 {
		t.Fatalf("--json: %v\n%s", err, raw)
	}
	for _, c := range st.Children {
		if c.PID == 0 || c.RSS == 0 {
			t.Errorf("child without pid or memory: %+v", c)
		}
		if c.State == "busy" && (c.MatchID != heldIDs[0] || c.BusyFor <= 0) {
			t.Errorf("busy child %+v", c)
		}
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	drained(t, e, s, 30*time.Second)
}
