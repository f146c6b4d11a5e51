package protocol_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/pewstats/collector/protocol"
)

type fakeProcessor struct {
	got     *protocol.Job
	pingErr error
	res     *protocol.Result

	// A job with ID "block" announces itself on started and then waits for
	// its context to end, reporting what it saw on ended. release lets it
	// return when cancellation never arrives, so a broken adapter fails the
	// test instead of hanging it.
	started chan time.Time // the server-side deadline (zero if none)
	ended   chan error
	release chan struct{}
}

// errNeverCancelled is what a blocked job reports when the test released it
// because its context never ended.
var errNeverCancelled = errors.New("released by the test: the server-side context never ended")

func (f *fakeProcessor) Process(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	f.got = job
	if job.ID == "block" {
		deadline, _ := ctx.Deadline()
		f.started <- deadline
		select {
		case <-ctx.Done():
			f.ended <- ctx.Err()
			return nil, ctx.Err()
		case <-f.release:
			f.ended <- errNeverCancelled
			return nil, errNeverCancelled
		}
	}
	return f.res, nil
}

func (f *fakeProcessor) Ping(context.Context) error { return f.pingErr }

// TestGRPCRoundTrip runs the real gRPC adapters in-process (go-plugin's
// test harness) and checks every field survives the trip both ways.
func TestGRPCRoundTrip(t *testing.T) {
	impl := &fakeProcessor{res: &protocol.Result{
		Outcome: protocol.OutcomeTransient, ErrorType: "Deadlock", ErrorMessage: "boom", MatchID: "m1", SkipReason: "none",
		Rows: map[string]int64{"landings": 3}, EventsExtracted: map[string]int64{"kills": 2},
		TableDurations: map[string]time.Duration{"landings": 5 * time.Millisecond},
		Timings:        protocol.Timings{Read: time.Second, Extract: 2 * time.Second, Store: 3 * time.Second, Total: 6 * time.Second},
		TotalEvents:    55000,
	}}
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{protocol.PluginName: &protocol.GRPCPlugin{Impl: impl}})
	defer client.Close()
	raw, err := client.Dispense(protocol.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	p := raw.(protocol.Processor)

	res, err := p.Process(context.Background(), &protocol.Job{Body: []byte(`{"a":1}`), Attempt: 2, ID: "j"})
	if err != nil {
		t.Fatal(err)
	}
	if string(impl.got.Body) != `{"a":1}` || impl.got.Attempt != 2 || impl.got.ID != "j" {
		t.Fatalf("job arrived as %+v", impl.got)
	}
	want := impl.res
	if res.Outcome != want.Outcome || res.ErrorType != want.ErrorType || res.ErrorMessage != want.ErrorMessage || res.MatchID != want.MatchID ||
		res.SkipReason != want.SkipReason || res.Rows["landings"] != 3 || res.EventsExtracted["kills"] != 2 ||
		res.TableDurations["landings"] != 5*time.Millisecond || res.Timings != want.Timings || res.TotalEvents != 55000 {
		t.Fatalf("result arrived as %+v", res)
	}

	impl.pingErr = errors.New("db down")
	if err := p.Ping(context.Background()); err == nil {
		t.Fatal("ping error was lost")
	}
}

// TestCancellationReachesServer: when the parent gives up on a job, the
// child's Process sees its own context end, and a deadline set by the
// parent is the child's deadline too. Timing the client alone would not show this: the
// client returns as soon as its context ends, whether or not the child
// heard of it.
func TestCancellationReachesServer(t *testing.T) {
	// The caller cancels once the server has the job; with a deadline set
	// (far enough away never to fire first) the deadline must travel too.
	tests := []struct {
		name    string
		timeout time.Duration // 0: no deadline
	}{
		{"no deadline", 0},
		{"with a deadline", time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			impl := &fakeProcessor{started: make(chan time.Time, 1), ended: make(chan error, 1), release: make(chan struct{})}
			client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{protocol.PluginName: &protocol.GRPCPlugin{Impl: impl}})
			defer client.Close()
			defer close(impl.release) // before Close: a server still blocked must be able to return
			raw, err := client.Dispense(protocol.PluginName)
			if err != nil {
				t.Fatal(err)
			}
			p := raw.(protocol.Processor)

			parent := context.Background()
			if tc.timeout > 0 {
				var stop context.CancelFunc
				parent, stop = context.WithTimeout(parent, tc.timeout)
				defer stop()
			}
			ctx, cancel := context.WithCancel(parent)
			defer cancel()
			callErr := make(chan error, 1)
			go func() {
				_, err := p.Process(ctx, &protocol.Job{ID: "block"})
				callErr <- err
			}()
			select {
			case serverDeadline := <-impl.started:
				// A deadline travels with the call (gRPC's grpc-timeout), so
				// the child can bound its own work.
				clientDeadline, hasDeadline := ctx.Deadline()
				switch {
				case !hasDeadline && !serverDeadline.IsZero():
					t.Fatalf("server-side context has deadline %v, the caller set none", serverDeadline)
				case hasDeadline && serverDeadline.IsZero():
					t.Fatal("the caller's deadline did not reach the server")
				case hasDeadline && serverDeadline.After(clientDeadline.Add(time.Second)):
					t.Fatalf("server-side deadline %v is later than the caller's %v", serverDeadline, clientDeadline)
				}
			case err := <-callErr:
				t.Fatalf("call returned before the server had the job: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("the job never reached the server")
			}
			cancel()
			select {
			case got := <-impl.ended:
				if !errors.Is(got, context.Canceled) {
					t.Fatalf("server-side context ended with %v, want %v", got, context.Canceled)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("cancellation did not reach the server: its context was still live 10s after the caller gave up")
			}
			select {
			case err := <-callErr:
				if err == nil {
					t.Fatal("a cancelled call returned no error")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the cancelled call did not return")
			}
		})
	}
}

func TestOutcomeNames(t *testing.T) {
	for o, want := range map[protocol.Outcome]string{
		protocol.OutcomeSuccess: "success", protocol.OutcomeSkipped: "skipped",
		protocol.OutcomePermanent: "permanent_failure", protocol.OutcomeTransient: "transient_failure",
	} {
		if o.String() != want {
			t.Errorf("%d = %q, want %q", o, o.String(), want)
		}
	}
}
