package child

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/pewstats/collector/protocol"
)

// Serve runs proc as a go-plugin gRPC server until the supervisor stops it.
// Everything the child logs goes to stderr: stdout carries only go-plugin's
// handshake line.
func Serve(proc protocol.Processor) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: protocol.Handshake,
		Plugins:         protocol.PluginMap(proc),
		GRPCServer:      protocol.GRPCServer, // message-size limits matching the parent's
		Logger:          hclog.NewNullLogger(),
	})
}

// ReattachInfo is what `collector child --debug-serve` prints and
// `collector supervise --reattach` accepts.
type ReattachInfo struct {
	Protocol        string `json:"Protocol"`
	ProtocolVersion int    `json:"ProtocolVersion"`
	Pid             int    `json:"Pid"`
	Network         string `json:"Network"`
	Addr            string `json:"Addr"`
}

// ServeDebug serves proc without a supervisor, printing the reattach
// configuration to out, until ctx ends. It is how a person runs one child by
// hand under a debugger and points `collector supervise --reattach` at it.
func ServeDebug(ctx context.Context, proc protocol.Processor, out io.Writer) error {
	ch := make(chan *plugin.ReattachConfig, 1)
	closeCh := make(chan struct{})
	go plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: protocol.Handshake,
		Plugins:         protocol.PluginMap(proc),
		GRPCServer:      protocol.GRPCServer, // message-size limits matching the parent's
		Logger:          hclog.NewNullLogger(),
		Test: &plugin.ServeTestConfig{
			Context:          ctx,
			ReattachConfigCh: ch,
			CloseCh:          closeCh,
		},
	})
	select {
	case rc := <-ch:
		info := ReattachInfo{Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid, Network: rc.Addr.Network(), Addr: rc.Addr.String()}
		b, _ := json.Marshal(info)
		fmt.Fprintf(out, "Child is serving. Attach a supervisor with:\n\n  collector supervise --reattach '%s'\n\n", b)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("child did not start serving within 10s")
	}
	select {
	case <-closeCh:
	case <-ctx.Done():
		<-closeCh
	}
	return nil
}

// WatchParent exits the process when its parent goes away. Pdeathsig set by
// the supervisor covers a parent that dies; this covers the cases it cannot
// (a parent whose starting thread was reused, or a supervisor started some
// other way), at the cost of a poll.
func WatchParent(log *slog.Logger, every time.Duration) {
	ppid := os.Getppid()
	go func() {
		for {
			time.Sleep(every)
			if os.Getppid() != ppid {
				log.Error("parent process is gone; exiting", "old_ppid", ppid)
				os.Exit(1)
			}
		}
	}()
}
