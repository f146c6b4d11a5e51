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
}

func (f *fakeProcessor) Process(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	f.got = job
	if job.ID == "block" {
		<-ctx.Done()
		return nil, ctx.Err()
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

	// The caller's context bounds the call on the child side too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := p.Process(ctx, &protocol.Job{ID: "block"}); err == nil {
		t.Fatal("a cancelled call returned no error")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancellation did not reach the child")
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
