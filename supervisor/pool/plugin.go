package pool

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/pewstats/collector/protocol"
)

// PluginConfig says how to start `collector child` processes.
type PluginConfig struct {
	// Command builds the command that starts slot's child. Its
	// SysProcAttr is the pool's to set (newProcRunner).
	Command func(slot int) *exec.Cmd
	// Reattach, if set, makes the pool use that one already running child
	// (`collector child --debug-serve`) instead of starting any; the pool
	// must then have one slot.
	Reattach *plugin.ReattachConfig
	Log      *slog.Logger
}

// Plugin is the production Starter: each child is a go-plugin gRPC server
// started from an OS thread locked for its whole life (procRunner), so that
// Linux's Pdeathsig fires only when the parent dies.
func Plugin(cfg PluginConfig) Starter {
	cfg.Log = cmp.Or(cfg.Log, slog.Default())
	return func(ctx context.Context, slot int) (Child, error) { return startPlugin(ctx, cfg, slot) }
}

func startPlugin(ctx context.Context, cfg PluginConfig, slot int) (Child, error) {
	log := cfg.Log.With("child", slot)
	fwd := &logForwarder{log: log}
	var rn *procRunner
	// The pool always starts a child under a deadline (startTimeout).
	deadline, _ := ctx.Deadline()
	cc := &plugin.ClientConfig{
		HandshakeConfig:  protocol.Handshake,
		Plugins:          protocol.PluginMap(nil),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     time.Until(deadline),
		Stderr:           fwd,
		GRPCDialOptions:  protocol.GRPCDialOptions(), // the same message-size limits as the child's server
		// go-plugin's own log lines (and its re-parsing of child stderr)
		// are replaced by the forwarder and the pool's lifecycle logs.
		Logger: hclog.NewNullLogger(),
	}
	if cfg.Reattach != nil {
		cc.Reattach = cfg.Reattach
	} else {
		// go-plugin hands RunnerFunc a blank command carrying only its own
		// variables (the handshake cookie, socket settings; SkipHostEnv
		// keeps the host environment out); ours adds them to the real one.
		cc.SkipHostEnv = true
		cc.RunnerFunc = func(_ hclog.Logger, spec *exec.Cmd, _ string) (runner.Runner, error) {
			cmd := cfg.Command(slot)
			cmd.Env = append(cmd.Env, spec.Env...)
			cmd.Stdin = nil
			r, err := newProcRunner(cmd)
			rn = r
			return r, err
		}
	}
	client := plugin.NewClient(cc)
	proc, err := dispense(client)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start child %d: %w", slot, err)
	}
	c := &pluginChild{Processor: proc, client: client, runner: rn, fwd: fwd}
	if rn != nil {
		c.pid = rn.pid
		c.done = rn.Done()
		fwd.log = log.With("pid", rn.pid)
	} else {
		c.pid = cfg.Reattach.Pid // the child's own (collector child --debug-serve)
		c.unwatch = make(chan struct{})
		c.done = pollExited(client, c.unwatch)
	}
	return c, nil
}

// dispense connects to a started child and returns its Processor.
func dispense(client *plugin.Client) (protocol.Processor, error) {
	rpc, err := client.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(protocol.PluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense: %w", err)
	}
	if proc, ok := raw.(protocol.Processor); ok {
		return proc, nil
	}
	return nil, fmt.Errorf("plugin is %T, not a Processor", raw)
}

// pluginChild is a child started (or reattached) through go-plugin.
type pluginChild struct {
	protocol.Processor
	client *plugin.Client
	runner *procRunner // nil when reattached
	fwd    *logForwarder
	pid    int
	done   <-chan struct{}
	// unwatch ends pollExited's watch of a reattached child.
	unwatch chan struct{}

	stopOnce sync.Once
}

func (c *pluginChild) PID() int              { return c.pid }
func (c *pluginChild) Done() <-chan struct{} { return c.done }

func (c *pluginChild) Exit() (signal, status string) {
	if c.runner == nil {
		return "", "exited"
	}
	select {
	case <-c.runner.Done():
		return c.runner.exit()
	default:
		return "", "running"
	}
}

func (c *pluginChild) Kill() {
	if c.runner != nil {
		_ = c.runner.Kill(context.Background())
		return
	}
	c.client.Kill()
}

// Stop asks the child to exit (go-plugin's graceful shutdown, which the
// child honours between jobs), kills it if ctx ends first, and releases the
// client. On a dead child it only releases.
func (c *pluginChild) Stop(ctx context.Context) {
	c.stopOnce.Do(func() {
		done := make(chan struct{})
		go func() { c.client.Kill(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			c.Kill()
			<-done
		}
		c.fwd.flush()
		if c.unwatch != nil {
			close(c.unwatch)
		}
	})
}

// RSS fails for an unknown pid (0): there is no /proc/0.
func (c *pluginChild) RSS() (int64, error) { return readRSS(c.pid) }

// pollExited turns go-plugin's Exited() into a channel for reattached
// children, whose process we did not start and cannot wait on.
func pollExited(c *plugin.Client, stop <-chan struct{}) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if c.Exited() {
					close(ch)
					return
				}
			}
		}
	}()
	return ch
}

// readRSS returns a process's resident set size from /proc/<pid>/status.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	// VmRSS is never the first line (Name is).
	_, rest, _ := bytes.Cut(b, []byte("\nVmRSS:"))
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 1 {
		return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	kb, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse VmRSS %q: %w", line, err)
	}
	return kb * 1024, nil
}
