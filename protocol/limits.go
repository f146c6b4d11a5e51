package protocol

import (
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

const (
	// MaxMessageBytes bounds the queue message body a parent hands to a
	// child. A real message is about 300 bytes (match id, file path and a
	// few fields), so 1 MiB is generous; the parent dead-letters anything
	// larger as invalid_message before it reaches a child.
	MaxMessageBytes = 1 << 20
	// MaxGRPCMessageBytes is the gRPC message-size limit on both ends of
	// the parent–child connection, in both directions. A job is its body
	// plus a few fields and a result is a few hundred bytes of outcome,
	// counters and error text, so a MiB over MaxMessageBytes leaves ample
	// room. Both ends use the same value: a message one end may send, the
	// other may receive.
	MaxGRPCMessageBytes = MaxMessageBytes + 1<<20
)

// GRPCDialOptions are the parent's dial options for a child
// (go-plugin's ClientConfig.GRPCDialOptions). They come after go-plugin's
// own, which lift both call limits to 2 GiB, and so replace them.
func GRPCDialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallSendMsgSize(MaxGRPCMessageBytes),
		grpc.MaxCallRecvMsgSize(MaxGRPCMessageBytes),
	)}
}

// GRPCServer builds a child's gRPC server (go-plugin's
// ServeConfig.GRPCServer) with the message-size limits.
func GRPCServer(opts []grpc.ServerOption) *grpc.Server {
	return plugin.DefaultGRPCServer(append(opts,
		grpc.MaxRecvMsgSize(MaxGRPCMessageBytes),
		grpc.MaxSendMsgSize(MaxGRPCMessageBytes),
	))
}
