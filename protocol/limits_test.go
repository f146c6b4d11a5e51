package protocol_test

import (
	"bytes"
	"context"
	"math"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/pewstats/collector/protocol"
)

// limitedPair serves impl on a gRPC server built by protocol.GRPCServer and
// returns a Processor dialled with the given options.
func limitedPair(t *testing.T, impl protocol.Processor, dial ...grpc.DialOption) protocol.Processor {
	t.Helper()
	ln := bufconn.Listen(4 << 20)
	srv := protocol.GRPCServer(nil)
	if err := (&protocol.GRPCPlugin{Impl: impl}).GRPCServer(nil, srv); err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	opts := append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, dial...)
	conn, err := grpc.NewClient("passthrough:///child", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	raw, err := (&protocol.GRPCPlugin{}).GRPCClient(context.Background(), nil, conn)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(protocol.Processor)
}

// TestGRPCMessageLimits: a body at MaxMessageBytes travels; one past the
// gRPC limit is refused by the parent's client before it is sent, and by
// the child's server when a client without the limit sends it anyway.
func TestGRPCMessageLimits(t *testing.T) {
	if protocol.MaxGRPCMessageBytes <= protocol.MaxMessageBytes {
		t.Fatalf("gRPC limit %d leaves no room over the body limit %d", protocol.MaxGRPCMessageBytes, protocol.MaxMessageBytes)
	}
	impl := &fakeProcessor{res: &protocol.Result{Outcome: protocol.OutcomeSuccess}}
	atLimit := bytes.Repeat([]byte("x"), protocol.MaxMessageBytes)
	tooBig := bytes.Repeat([]byte("x"), protocol.MaxGRPCMessageBytes+1)
	unlimited := grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(math.MaxInt32), grpc.MaxCallRecvMsgSize(math.MaxInt32))
	for _, c := range []struct {
		name      string
		dial      []grpc.DialOption
		body      []byte
		refusedBy string // "" = delivered; else gRPC's words for who refused it
	}{
		{"body at the limit", protocol.GRPCDialOptions(), atLimit, ""},
		{"past the gRPC limit, parent's options", protocol.GRPCDialOptions(), tooBig, "trying to send message larger than max"},
		{"past the gRPC limit, unlimited client", []grpc.DialOption{unlimited}, tooBig, "received message larger than max"},
	} {
		t.Run(c.name, func(t *testing.T) {
			impl.got = nil
			p := limitedPair(t, impl, c.dial...)
			_, err := p.Process(context.Background(), &protocol.Job{Body: c.body, ID: "j"})
			if c.refusedBy == "" {
				if err != nil || impl.got == nil || len(impl.got.Body) != len(c.body) {
					t.Fatalf("err %v, body arrived: %v", err, impl.got != nil)
				}
				return
			}
			if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), c.refusedBy) {
				t.Fatalf("err = %v, want ResourceExhausted: %s", err, c.refusedBy)
			}
			if impl.got != nil {
				t.Fatal("the oversized job reached the processor")
			}
		})
	}
}
