package e2etest

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
	"github.com/pewstats/collector/child/store/storetest/ledger"
	"github.com/pewstats/collector/protocol"
)

// seedFunc writes database state a match needs before processing; the env
// keeps every one so a clean database can be given the same state.
type seedFunc func(ctx context.Context, db *sql.DB) error

func (e *Env) seed(f seedFunc) {
	e.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f(ctx, e.DB); err != nil {
		e.T.Fatalf("e2etest: seed: %v", err)
	}
	e.mu.Lock()
	e.seeds = append(e.seeds, f)
	e.mu.Unlock()
}

// remember records the first body published for each match id, which is
// what a clean run processes.
func (e *Env) remember(body []byte) {
	var m struct {
		MatchID string `json:"match_id"`
	}
	if json.Unmarshal(body, &m) != nil || m.MatchID == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bodies == nil {
		e.bodies = map[string][]byte{}
	}
	if _, ok := e.bodies[m.MatchID]; !ok {
		e.bodies[m.MatchID] = body
	}
}

// Snapshot fingerprints every output of the given matches in the env's
// database.
func (e *Env) Snapshot(ids []string) map[string]ledger.Match {
	e.T.Helper()
	return snapshot(e.T, e.DB, ids)
}

func snapshot(t testing.TB, db *sql.DB, ids []string) map[string]ledger.Match {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := ledger.Snapshot(ctx, db, ids)
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	return s
}

// CleanRun is what the given matches look like after one delivery each,
// with nothing going wrong: a fresh database gets the env's seed rows, and
// each match's first published body is processed once by an in-process
// child (test faults ignored) reading the env's telemetry directory.
func (e *Env) CleanRun(ids []string) map[string]ledger.Match {
	e.T.Helper()
	return e.cleanRun(ids, "")
}

func (e *Env) cleanRun(ids []string, bin string) map[string]ledger.Match {
	e.T.Helper()
	name := storetest.NewDatabase(e.T)
	db := storetest.Open(e.T, name)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := schema.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		e.T.Fatalf("e2etest: clean run: migrate: %v", err)
	}
	e.mu.Lock()
	seeds := append([]seedFunc(nil), e.seeds...)
	bodies := make(map[string][]byte, len(ids))
	for _, id := range ids {
		bodies[id] = e.bodies[id]
	}
	e.mu.Unlock()
	for _, f := range seeds {
		if err := f(ctx, db); err != nil {
			e.T.Fatalf("e2etest: clean run: seed: %v", err)
		}
	}
	p := storetest.FromEnv()
	if bin != "" {
		for _, id := range ids {
			e.childMessage(bin, name, bodies[id])
		}
		return snapshot(e.T, db, ids)
	}
	port, _ := strconv.Atoi(p.Port)
	st, err := store.Open(ctx, store.Config{Host: p.Host, Port: port, DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 2})
	if err != nil {
		e.T.Fatalf("e2etest: clean run: %v", err)
	}
	defer st.Close()
	proc := child.NewProcessor(st, child.Config{TelemetryDir: e.TelemetryDir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, id := range ids {
		body := bodies[id]
		if body == nil {
			e.T.Fatalf("e2etest: clean run: no message was published for match %s", id)
		}
		res, err := proc.Process(ctx, &protocol.Job{Body: body, Attempt: 1, ID: "clean-" + id})
		if err != nil {
			e.T.Fatalf("e2etest: clean run of %s: %v", id, err)
		}
		if res.Failed() {
			e.T.Fatalf("e2etest: clean run of %s failed: %s: %s", id, res.ErrorType, res.ErrorMessage)
		}
	}
	return snapshot(e.T, db, ids)
}

// childMessage processes one message body with `bin child --message`
// against database name.
func (e *Env) childMessage(bin, name string, body []byte) {
	e.T.Helper()
	if body == nil {
		e.T.Fatalf("e2etest: clean run: a match has no published message")
	}
	f := filepath.Join(e.T.TempDir(), "message.json")
	if err := os.WriteFile(f, body, 0o644); err != nil {
		e.T.Fatalf("e2etest: %v", err)
	}
	p := storetest.FromEnv()
	cmd := exec.Command(bin, "child", "--message="+f, "--telemetry-dir="+e.TelemetryDir,
		"--postgres-host="+p.Host, "--postgres-port="+p.Port, "--postgres-user="+p.User, "--postgres-db="+name)
	cmd.Env = append(os.Environ(), "POSTGRES_PASSWORD="+p.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		e.T.Fatalf("e2etest: clean run: collector child --message: %v\n%s", err, out)
	}
}
