package faultinject

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pewstats/collector/protocol"
)

// fakeInner records the jobs it is given and answers with a fixed Result.
type fakeInner struct {
	mu     sync.Mutex
	jobs   []*protocol.Job
	at     []time.Time
	res    *protocol.Result
	during func() // called inside Process (e.g. to drive the tx seam)
	pinged int
}

func (f *fakeInner) Process(_ context.Context, job *protocol.Job) (*protocol.Result, error) {
	f.mu.Lock()
	f.jobs = append(f.jobs, job)
	f.at = append(f.at, time.Now())
	f.mu.Unlock()
	if f.during != nil {
		f.during()
	}
	return f.res, nil
}

func (f *fakeInner) Ping(context.Context) error { f.pinged++; return nil }

// fakeSeam is a store's SetAfterWrite.
type fakeSeam struct {
	hook func(string) error
	sets int
}

func (s *fakeSeam) SetAfterWrite(f func(string) error) { s.hook = f; s.sets++ }

// catchExit replaces os.Exit for the test and returns the codes it got.
func catchExit(t *testing.T) *[]int {
	t.Helper()
	var codes []int
	old := exit
	exit = func(code int) { codes = append(codes, code) }
	t.Cleanup(func() { exit = old })
	return &codes
}

func body(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	m := map[string]any{"match_id": "m-1", "file_path": "m-1.json.gz"}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWrapperPassesJobsWithoutFaultsThrough(t *testing.T) {
	codes := catchExit(t)
	want := &protocol.Result{MatchID: "m-1", Outcome: protocol.OutcomeSuccess, Rows: map[string]int64{"match_landings": 7}}
	for _, b := range [][]byte{
		body(t, nil),
		body(t, map[string]any{"x_test_fault": ""}),
		[]byte(`not json`),
		[]byte(`{"match_id":"m-1"}`),
	} {
		inner := &fakeInner{res: want}
		seam := &fakeSeam{}
		p := Wrap(inner, seam, nil)
		job := &protocol.Job{ID: "j", Body: b, Attempt: 1}
		got, err := p.Process(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: result %+v, want the inner processor's %+v", b, got, want)
		}
		if len(inner.jobs) != 1 || inner.jobs[0] != job {
			t.Errorf("%s: inner got %v, want exactly the job itself", b, inner.jobs)
		}
		if seam.sets != 0 {
			t.Errorf("%s: the store seam was touched %d times", b, seam.sets)
		}
	}
	if len(*codes) != 0 {
		t.Errorf("exit called: %v", *codes)
	}
	inner := &fakeInner{}
	if err := Wrap(inner, nil, nil).Ping(context.Background()); err != nil || inner.pinged != 1 {
		t.Errorf("Ping: err %v, inner pinged %d times, want nil and 1", err, inner.pinged)
	}
}

func TestWrapperFaultOnInvalidMessageGoesToInner(t *testing.T) {
	// The child validates first: a message without file_path fails
	// validation even with a fault attached, as before the wrapper existed.
	inner := &fakeInner{res: &protocol.Result{Outcome: protocol.OutcomePermanent, ErrorType: "ValidationError"}}
	job := &protocol.Job{Body: []byte(`{"match_id":"m-1","x_test_fault":"transient"}`), Attempt: 1}
	got, err := Wrap(inner, nil, nil).Process(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if got != inner.res || len(inner.jobs) != 1 {
		t.Errorf("got %+v after %d inner calls, want the inner's validation failure after 1", got, len(inner.jobs))
	}
}

func TestWrapperTransient(t *testing.T) {
	inner := &fakeInner{res: &protocol.Result{Outcome: protocol.OutcomeSuccess}}
	p := Wrap(inner, nil, nil)
	got, err := p.Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "transient"}), Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(inner.jobs) != 0 {
		t.Fatalf("inner ran %d jobs, want 0: a transient fault fails the job before processing", len(inner.jobs))
	}
	got.Timings.Total = 0
	want := &protocol.Result{
		MatchID: "m-1", Outcome: protocol.OutcomeTransient, ErrorType: "DatabaseUnavailable",
		ErrorMessage: got.ErrorMessage, Rows: map[string]int64{}, EventsExtracted: map[string]int64{},
		TableDurations: map[string]time.Duration{},
	}
	if !reflect.DeepEqual(got, want) || got.ErrorMessage == "" {
		t.Errorf("result\n%+v\nwant\n%+v (with a message)", got, want)
	}

	// A reprocess message's failure still names the tables it asked for.
	got, _ = p.Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{
		"x_test_fault": "transient", "reprocess": []string{"landings"}, "reprocess_run": "r1"}), Attempt: 1})
	if !reflect.DeepEqual(got.Reprocessed, []string{"landings"}) || got.Outcome != protocol.OutcomeTransient {
		t.Errorf("reprocess: Reprocessed %v outcome %v, want [landings] transient", got.Reprocessed, got.Outcome)
	}
}

func TestWrapperAttemptSuffix(t *testing.T) {
	for _, tc := range []struct {
		fault   string
		attempt int
		failed  bool
	}{
		{"transient@1", 1, true},
		{"transient@1", 2, false},
		{"transient@2", 2, true},
		{"transient@2", 3, false},
		{"transient@0", 1, false},
		{"slow:1ms,transient@1", 1, true},
		{"slow:1ms,transient@1", 2, false},
		{"transient@1,slow:1ms", 5, false},
	} {
		inner := &fakeInner{res: &protocol.Result{Outcome: protocol.OutcomeSuccess}}
		got, err := Wrap(inner, nil, nil).Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": tc.fault}), Attempt: tc.attempt})
		if err != nil {
			t.Fatal(err)
		}
		if failed := got.Outcome == protocol.OutcomeTransient; failed != tc.failed || (len(inner.jobs) == 1) == tc.failed {
			t.Errorf("%s attempt %d: outcome %v, inner ran %d jobs; want failed=%v", tc.fault, tc.attempt, got.Outcome, len(inner.jobs), tc.failed)
		}
	}
}

func TestWrapperSlow(t *testing.T) {
	inner := &fakeInner{res: &protocol.Result{Outcome: protocol.OutcomeSuccess}}
	start := time.Now()
	got, err := Wrap(inner, nil, nil).Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "slow:120ms"}), Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got != inner.res || len(inner.jobs) != 1 {
		t.Fatalf("slow: got %+v after %d inner calls, want the inner's result after 1", got, len(inner.jobs))
	}
	if d := inner.at[0].Sub(start); d < 120*time.Millisecond {
		t.Errorf("inner ran %v after the job arrived, want >= 120ms", d)
	}

	// A cancelled job stops sleeping and fails as interrupted (transient).
	inner = &fakeInner{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	got, _ = Wrap(inner, nil, nil).Process(ctx, &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "slow:1h"}), Attempt: 1})
	if got.Outcome != protocol.OutcomeTransient || got.ErrorType != "Interrupted" || len(inner.jobs) != 0 {
		t.Errorf("cancelled slow: outcome %v type %q, inner ran %d; want transient Interrupted, 0", got.Outcome, got.ErrorType, len(inner.jobs))
	}
}

func TestWrapperHangAndBlock(t *testing.T) {
	inner := &fakeInner{res: &protocol.Result{Outcome: protocol.OutcomeSuccess}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	got, _ := Wrap(inner, nil, nil).Process(ctx, &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "hang"}), Attempt: 1})
	if got.Outcome != protocol.OutcomeTransient || got.ErrorType != "Interrupted" || len(inner.jobs) != 0 {
		t.Errorf("hang: outcome %v type %q, inner ran %d; want transient Interrupted, 0", got.Outcome, got.ErrorType, len(inner.jobs))
	}

	gate := filepath.Join(t.TempDir(), "go")
	go func() {
		time.Sleep(80 * time.Millisecond)
		_ = os.WriteFile(gate, nil, 0o644)
	}()
	start := time.Now()
	got, _ = Wrap(inner, nil, nil).Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "block:" + gate}), Attempt: 1})
	if got != inner.res || len(inner.jobs) != 1 || inner.at[0].Sub(start) < 80*time.Millisecond {
		t.Errorf("block: result %+v, inner ran %d jobs; want the inner's result once the file exists", got, len(inner.jobs))
	}
}

func TestWrapperExitAndPanic(t *testing.T) {
	codes := catchExit(t)
	inner := &fakeInner{res: &protocol.Result{Outcome: protocol.OutcomeSuccess}}
	p := Wrap(inner, nil, nil)
	_, _ = p.Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "exit@1"}), Attempt: 2})
	if len(*codes) != 0 {
		t.Fatalf("exit@1 on attempt 2 exited: %v", *codes)
	}
	_, _ = p.Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "exit@1"}), Attempt: 1})
	if !reflect.DeepEqual(*codes, []int{3}) {
		t.Fatalf("exit@1 on attempt 1: exit codes %v, want [3]", *codes)
	}
	func() {
		defer func() {
			if r := recover(); r != "injected test fault" {
				t.Errorf("panic fault: recovered %v", r)
			}
		}()
		_, _ = p.Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "panic"}), Attempt: 1})
		t.Error("panic fault returned")
	}()
	// The wrapper's lock was released by the panic.
	if _, err := p.Process(context.Background(), &protocol.Job{Body: body(t, nil), Attempt: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestWrapperExitInTx(t *testing.T) {
	codes := catchExit(t)
	seam := &fakeSeam{}
	inner := &fakeInner{res: &protocol.Result{Outcome: protocol.OutcomeSuccess}}
	var writesBeforeExit int
	inner.during = func() {
		if seam.hook == nil {
			t.Fatal("exit-in-tx: no hook on the store while the job runs")
		}
		for _, table := range []string{"a", "b", "c", "d"} {
			if err := seam.hook(table); err != nil {
				t.Fatal(err)
			}
			if len(*codes) == 0 {
				writesBeforeExit++
			}
		}
	}
	p := Wrap(inner, seam, nil)
	if _, err := p.Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "slow:1ms,exit-in-tx@1"}), Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*codes, []int{3}) || writesBeforeExit != 2 {
		t.Errorf("exit codes %v after %d writes, want [3] on the third write", *codes, writesBeforeExit)
	}
	if seam.hook != nil || seam.sets != 2 {
		t.Errorf("hook left installed (%v) or set %d times, want removed after the job (2 sets)", seam.hook != nil, seam.sets)
	}
	// Not armed on a later attempt.
	inner.during = nil
	_, _ = p.Process(context.Background(), &protocol.Job{Body: body(t, map[string]any{"x_test_fault": "exit-in-tx@1"}), Attempt: 2})
	if seam.sets != 2 {
		t.Errorf("exit-in-tx@1 armed on attempt 2 (%d sets)", seam.sets)
	}
}

func TestActive(t *testing.T) {
	for _, tc := range []struct {
		fault   string
		attempt int
		want    string
	}{
		{"exit", 9, "exit"},
		{"exit@1", 1, "exit"},
		{"exit@1", 2, ""},
		{"slow:2s@3", 3, "slow:2s"},
		{"slow:2s@3", 4, ""},
		{"block:/tmp/a@b@2", 2, "block:/tmp/a@b"},
		{"exit@12", 12, "exit"},
		{"exit@12", 13, ""},
	} {
		if got := active(tc.fault, tc.attempt); got != tc.want {
			t.Errorf("active(%q, %d) = %q, want %q", tc.fault, tc.attempt, got, tc.want)
		}
	}
}

func TestExitAtStartIfAsked(t *testing.T) {
	codes := catchExit(t)
	t.Setenv(ExitAtStartEnv, "")
	ExitAtStartIfAsked(nilLogger())
	if len(*codes) != 0 {
		t.Fatalf("exited without the variable: %v", *codes)
	}
	t.Setenv(ExitAtStartEnv, "1")
	ExitAtStartIfAsked(nilLogger())
	if !reflect.DeepEqual(*codes, []int{4}) {
		t.Errorf("exit codes %v, want [4]", *codes)
	}
}

func nilLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
