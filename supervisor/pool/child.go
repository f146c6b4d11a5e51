package pool

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"golang.org/x/sys/unix"

	"github.com/pewstats/collector/protocol"
)

type childState int

const (
	stateIdle childState = iota + 1
	stateBusy
	stateDead
)

// child is one running child process.
type child struct {
	slot    int
	pid     int
	client  *plugin.Client
	proc    protocol.Processor
	runner  *procRunner // nil when reattached
	started time.Time
	log     *slog.Logger
	fwd     *logForwarder
	retire  chan string

	mu         sync.Mutex
	state      childState
	jobs       int
	killReason string
	current    string    // what the running job works on (status only)
	since      time.Time // when the running job started
	rss        int64     // last sampled resident set size
}

func (c *child) setKillReason(r string) {
	c.mu.Lock()
	if c.killReason == "" {
		c.killReason = r
	}
	c.mu.Unlock()
}

func (c *child) exitReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.killReason
}

// kill SIGKILLs the child, recording why.
func (c *child) kill(reason string) {
	c.setKillReason(reason)
	if c.runner != nil {
		_ = c.runner.Kill(context.Background())
		return
	}
	c.client.Kill()
}

func (r *procRunner) signaledSafe() (string, bool) {
	if r == nil {
		return "", false
	}
	select {
	case <-r.done:
	default:
		return "", false
	}
	sig, ok := r.Signaled()
	if !ok {
		return "", false
	}
	// A label-friendly name: "SIGKILL", "SIGSEGV", not "killed".
	if name := unix.SignalName(sig); name != "" {
		return name, true
	}
	return fmt.Sprintf("SIG%d", int(sig)), true
}

func (r *procRunner) exitSafe() string {
	if r == nil {
		return "unknown"
	}
	select {
	case <-r.done:
		return r.ExitDescription()
	default:
		return "running"
	}
}

// pollExited turns go-plugin's Exited() into a channel for reattached
// children, whose process we did not start and cannot wait on.
func pollExited(ctx context.Context, c *plugin.Client) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
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
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("VmRSS:")) {
			continue
		}
		f := bytes.Fields(line[len("VmRSS:"):])
		if len(f) < 1 {
			break
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmRSS %q: %w", line, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
