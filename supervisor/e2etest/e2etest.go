package e2etest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store/storetest"
)

type build struct {
	once sync.Once
	path string
	err  error
}

var raceBuild, plainBuild build

// Binary builds cmd/collector once per test process (with the race detector
// when the tests run with it) and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	return buildBinary(t, &raceBuild, raceEnabled)
}

// PlainBinary builds cmd/collector without the race detector, for runs
// whose timing must resemble production's (the race detector slows a child
// five to twenty times, which would turn every task timeout into noise).
func PlainBinary(t testing.TB) string {
	t.Helper()
	return buildBinary(t, &plainBuild, false)
}

func buildBinary(t testing.TB, b *build, race bool) string {
	t.Helper()
	b.once.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "collector-e2e-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "collector")
		args := []string{"build", "-o", b.path}
		if race {
			args = append(args, "-race")
		}
		args = append(args, "./cmd/collector")
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatalf("e2etest: %v", b.err)
	}
	return b.path
}

// Env is one test's world: database, telemetry dir, queue names.
type Env struct {
	T            testing.TB
	DBName       string
	DB           *sql.DB
	TelemetryDir string
	Environment  string

	brokerURL string
	mu        sync.Mutex
	seeds     []seedFunc        // database state the matches need (replayed by CleanRun)
	bodies    map[string][]byte // first published body per match id
}

// New creates a migrated database, a telemetry directory and a unique
// environment name, and removes the queues at the end of the test.
func New(t testing.TB) *Env {
	t.Helper()
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := schema.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("e2etest: migrate: %v", err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	e := &Env{
		T: t, DBName: name, DB: db, TelemetryDir: t.TempDir(),
		Environment: "e2e" + hex.EncodeToString(rnd[:]),
		brokerURL:   amqpURL(),
	}
	t.Cleanup(e.deleteQueues)
	return e
}

func amqpURL() string {
	if u := os.Getenv("COLLECTOR_TEST_AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// ProcessingQueue and FailedQueue are the test's queue names.
func (e *Env) ProcessingQueue() string { return "match.processing." + e.Environment }
func (e *Env) FailedQueue() string     { return "match.failed." + e.Environment }

// Channel connects to the test broker and opens a channel (the test fails
// if it cannot); closing the connection closes both.
func (e *Env) Channel() (*amqp.Connection, *amqp.Channel) {
	e.T.Helper()
	conn, err := amqp.Dial(e.brokerURL)
	if err != nil {
		e.T.Fatalf("e2etest: RabbitMQ not reachable at %s (start it with `rabbitmq-server -detached`): %v", e.brokerURL, err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		e.T.Fatalf("e2etest: channel: %v", err)
	}
	return conn, ch
}

func (e *Env) deleteQueues() {
	conn, err := amqp.Dial(e.brokerURL)
	if err != nil {
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return
	}
	_, _ = ch.QueueDelete(e.ProcessingQueue(), false, false, false)
	_, _ = ch.QueueDelete(e.FailedQueue(), false, false, false)
	_ = ch.ExchangeDelete("match.exchange."+e.Environment, false, false)
}

// DeleteQueue deletes a queue, as an operator might by hand.
func (e *Env) DeleteQueue(name string) {
	e.T.Helper()
	conn, ch := e.Channel()
	defer conn.Close()
	if _, err := ch.QueueDelete(name, false, false, false); err != nil {
		e.T.Fatalf("e2etest: delete queue %s: %v", name, err)
	}
}

// Publish sends raw bodies to the processing queue (declaring it as the
// reference does), persistent, with publisher confirms.
func (e *Env) Publish(bodies ...[]byte) {
	e.T.Helper()
	e.PublishWithHeaders(nil, bodies...)
}

// PublishWithHeaders is Publish with AMQP headers on every message.
func (e *Env) PublishWithHeaders(headers amqp.Table, bodies ...[]byte) {
	e.T.Helper()
	conn, ch := e.Channel()
	defer conn.Close()
	if _, err := ch.QueueDeclare(e.ProcessingQueue(), true, false, false, false, nil); err != nil {
		e.T.Fatalf("e2etest: declare: %v", err)
	}
	if err := ch.Confirm(false); err != nil {
		e.T.Fatalf("e2etest: confirm: %v", err)
	}
	for _, b := range bodies {
		e.remember(b)
		c, err := ch.PublishWithDeferredConfirm("", e.ProcessingQueue(), false, false, amqp.Publishing{DeliveryMode: amqp.Persistent, ContentType: "application/json", Headers: headers, Body: b})
		if err != nil || !c.Wait() {
			e.T.Fatalf("e2etest: publish: %v", err)
		}
	}
}

// QueueDepth returns ready messages and consumers of a queue (0 if absent).
func (e *Env) QueueDepth(queue string) (messages, consumers int) {
	e.T.Helper()
	conn, ch := e.Channel()
	defer conn.Close()
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		return 0, 0
	}
	return q.Messages, q.Consumers
}

// FailedMessage is one message read back from the failed queue.
type FailedMessage struct {
	Body    []byte
	Headers amqp.Table
}

// Reason is the x-failure-reason header.
func (f FailedMessage) Reason() string { s, _ := f.Headers["x-failure-reason"].(string); return s }

// ErrorType is the x-error-type header.
func (f FailedMessage) ErrorType() string { s, _ := f.Headers["x-error-type"].(string); return s }

// DrainFailed consumes every message of the failed queue.
func (e *Env) DrainFailed() []FailedMessage {
	e.T.Helper()
	conn, ch := e.Channel()
	defer conn.Close()
	var out []FailedMessage
	for {
		d, ok, err := ch.Get(e.FailedQueue(), true)
		if err != nil || !ok {
			return out
		}
		out = append(out, FailedMessage{Body: d.Body, Headers: d.Headers})
	}
}

// Message builds a queue message body.
func Message(matchID, filePath string, extra map[string]any) []byte {
	m := map[string]any{
		"match_id": matchID, "file_path": filePath, "file_size_mb": 1.5,
		"map_name": "Baltic_Main", "game_mode": "squad-fpp",
		"match_datetime": "2024-05-01T12:00:00Z", "downloaded_at": "2024-05-01T12:40:00Z", "worker_id": "telemetry-download-worker-1",
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// SeedMatch inserts a matches row.
func (e *Env) SeedMatch(matchID, gameType string) {
	e.T.Helper()
	e.seed(func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, `INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type, status)
			VALUES ($1, 'Baltic_Main', 'squad-fpp', '2024-05-01T12:00:00Z', $2, 'discovered')`, matchID, gameType)
		if err != nil {
			return fmt.Errorf("seed match %s: %w", matchID, err)
		}
		return nil
	})
}

// WriteLandingsFile writes a doubly gzipped telemetry file in which players
// player0..player{n-1} land once each (plus a bot and a pre-game landing
// that must be ignored) and returns its name relative to the telemetry dir.
func (e *Env) WriteLandingsFile(matchID string, players int) string {
	e.T.Helper()
	var b bytes.Buffer
	b.WriteString(`[{"MatchId":"` + matchID + `","_D":"2024-05-01T12:30:00.000Z","_T":"LogMatchDefinition"}`)
	for i := range players {
		fmt.Fprintf(&b, `,{"character":{"name":"player%d","teamId":%d,"health":100,"location":{"x":%d.5,"y":2000,"z":300},"accountId":"account.%032d"},"distance":0,"common":{"isGame":1},"_D":"2024-05-01T12:01:%02d.1234567Z","_T":"LogParachuteLanding"}`, i, i/4+1, 1000+i, i, i%60)
	}
	b.WriteString(`,{"_T":"LogParachuteLanding","character":{"name":"bot","teamId":99,"location":{"x":1,"y":2,"z":3},"accountId":"ai.7"},"common":{"isGame":1},"_D":"2024-05-01T12:01:00.000Z"}`)
	b.WriteString(`,{"_T":"LogParachuteLanding","character":{"name":"early","teamId":98,"location":{"x":1,"y":2,"z":3},"accountId":"account.early"},"common":{"isGame":0.10000000149011612},"_D":"2024-05-01T12:00:30.000Z"}`)
	b.WriteString(`]`)
	name := matchID + ".json.gz"
	if err := os.WriteFile(filepath.Join(e.TelemetryDir, name), doubleGzip(b.Bytes()), 0o644); err != nil {
		e.T.Fatalf("e2etest: write telemetry: %v", err)
	}
	return name
}

// WaitCompleted waits until every one of ids is a completed match.
func (e *Env) WaitCompleted(within time.Duration, ids ...string) {
	e.T.Helper()
	WaitFor(e.T, within, fmt.Sprintf("%v completed", ids), func() bool {
		return e.Count(`SELECT count(*) FROM matches WHERE match_id = ANY($1) AND status = 'completed'`, pq.Array(ids)) == len(ids)
	})
}

// WaitFailed waits until the failed queue holds n messages.
func (e *Env) WaitFailed(within time.Duration, n int) {
	e.T.Helper()
	WaitFor(e.T, within, fmt.Sprintf("%d messages in the failed queue", n), func() bool {
		got, _ := e.QueueDepth(e.FailedQueue())
		return got == n
	})
}

// Count runs a COUNT(*) query with args.
func (e *Env) Count(query string, args ...any) int {
	e.T.Helper()
	var n int
	if err := e.DB.QueryRow(query, args...).Scan(&n); err != nil {
		e.T.Fatalf("e2etest: %s: %v", query, err)
	}
	return n
}

// Supervisor is a running `collector supervise`.
type Supervisor struct {
	Cmd         *exec.Cmd
	MetricsAddr string
	logMu       sync.Mutex
	logs        bytes.Buffer
	done        chan struct{}
	err         error
}

// StartSupervisor runs the binary with the env's settings plus extra flags.
func (e *Env) StartSupervisor(extra ...string) *Supervisor {
	e.T.Helper()
	return e.StartSupervisorWith(Options{}, extra...)
}

// Options adjust how the supervisor is started.
type Options struct {
	Env          []string // extra environment variables
	PostgresPort string   // overrides the database port (e.g. a proxy)
	Binary       string   // the collector binary (default Binary)
}

// StartSupervisorWith is StartSupervisor with options.
func (e *Env) StartSupervisorWith(o Options, extra ...string) *Supervisor {
	e.T.Helper()
	addr := freeAddr(e.T)
	p := storetest.FromEnv()
	if o.PostgresPort != "" {
		p.Port = o.PostgresPort
	}
	args := []string{"supervise",
		"--environment=" + e.Environment,
		"--telemetry-dir=" + e.TelemetryDir,
		"--postgres-host=" + p.Host, "--postgres-port=" + p.Port, "--postgres-user=" + p.User, "--postgres-db=" + e.DBName,
		"--metrics-addr=" + addr, "--log-format=json", "--log-level=debug", "--test-hooks",
	}
	args = append(args, extra...)
	bin := o.Binary
	if bin == "" {
		bin = Binary(e.T)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "POSTGRES_PASSWORD="+p.Password), o.Env...)
	s := &Supervisor{Cmd: cmd, MetricsAddr: addr, done: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.logMu.Lock()
			s.logs.Write(sc.Bytes())
			s.logs.WriteByte('\n')
			s.logMu.Unlock()
		}
	}()
	if err := cmd.Start(); err != nil {
		e.T.Fatalf("e2etest: start supervisor: %v", err)
	}
	go func() {
		s.err = cmd.Wait()
		pw.Close()
		close(s.done)
	}()
	e.T.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
		if e.T.Failed() {
			e.T.Logf("supervisor log:\n%s", s.Logs())
		}
	})
	return s
}

// Logs returns everything the supervisor printed so far.
func (s *Supervisor) Logs() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.logs.String()
}

// LogRecords parses the JSON log lines.
func (s *Supervisor) LogRecords() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(s.Logs(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Stop sends SIGTERM and waits for exit, returning its error (nil on exit 0).
func (s *Supervisor) Stop(t testing.TB, within time.Duration) error {
	t.Helper()
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.err
	case <-time.After(within):
		t.Fatalf("supervisor did not exit within %s of SIGTERM", within)
		return nil
	}
}

// Done is closed when the process has exited.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Err is the exit error after Done.
func (s *Supervisor) Err() error { return s.err }

// WaitReady polls /readyz until it answers 200.
func (s *Supervisor) WaitReady(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + s.MetricsAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.done:
			t.Fatalf("supervisor exited before ready: %v\n%s", s.err, s.Logs())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("supervisor not ready within %s:\n%s", within, s.Logs())
}

// Metric returns the value of one exported sample (exact name with labels as
// exposed, e.g. `collector_jobs_in_flight`), or -1 if absent.
func (s *Supervisor) Metric(t testing.TB, sample string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + s.MetricsAddr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, sample+" ") {
			var v float64
			fmt.Sscan(strings.TrimPrefix(line, sample+" "), &v)
			return v
		}
	}
	return -1
}

// WaitFor polls cond until true.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2etest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}
