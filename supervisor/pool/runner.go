package pool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// procRunner is a go-plugin runner.Runner that starts the child from a
// goroutine locked to its OS thread and keeps that thread alive, waiting on
// the child, until the child exits. Pdeathsig is delivered when the thread
// that forked the child exits (golang/go#27505), so only a locked, long-lived
// thread makes "child dies with parent" hold. It also gives the pool an exit
// channel, which go-plugin does not.
type procRunner struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr io.ReadCloser
	// writeEnds are the child's ends of the pipes, closed in the parent
	// once the child has started (or failed to).
	writeEnds []*os.File

	pid     int
	done    chan struct{} // closed when the process has been reaped
	waitErr error
	state   *os.ProcessState
}

func newProcRunner(cmd *exec.Cmd) (*procRunner, error) {
	// Own process group (Setpgid): a terminal's Ctrl-C goes to the parent
	// only, which then drives the children's shutdown itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	// Plain pipes rather than cmd.StdoutPipe: the process is reaped with
	// Process.Wait on the locked thread, not cmd.Wait, so the read ends are
	// ours to close (in Wait, after go-plugin has drained them).
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("child stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("child stderr pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	return &procRunner{cmd: cmd, stdout: outR, stderr: errR, writeEnds: []*os.File{outW, errW}, done: make(chan struct{})}, nil
}

func (r *procRunner) Start(_ context.Context) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked: when this goroutine returns, its thread exits,
		// and by then the child is already gone.
		err := r.cmd.Start()
		for _, f := range r.writeEnds {
			f.Close()
		}
		if err != nil {
			r.stdout.Close()
			r.stderr.Close()
			started <- err
			close(r.done)
			return
		}
		r.pid = r.cmd.Process.Pid
		started <- nil
		st, err := r.cmd.Process.Wait()
		r.state, r.waitErr = st, err
		close(r.done)
	}()
	return <-started
}

// Wait blocks until the process has exited.
func (r *procRunner) Wait(ctx context.Context) error {
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	// go-plugin calls Wait after it has read both pipes to EOF.
	r.stdout.Close()
	r.stderr.Close()
	if r.waitErr != nil {
		return r.waitErr
	}
	if r.state != nil && !r.state.Success() {
		return &exec.ExitError{ProcessState: r.state}
	}
	return nil
}

// Kill sends SIGKILL.
func (r *procRunner) Kill(_ context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// Done is closed once the child has exited and been reaped.
func (r *procRunner) Done() <-chan struct{} { return r.done }

// exit says how the child ended, once Done: the name of the signal that
// killed it, if one did, and a description for logs and restart reasons.
func (r *procRunner) exit() (signal, status string) {
	if r.waitErr != nil {
		return "", r.waitErr.Error() // no process state then
	}
	if r.state == nil {
		return "", "unknown"
	}
	if ws, ok := r.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		// A label-friendly name: "SIGKILL", "SIGSEGV", not "killed".
		if signal = unix.SignalName(ws.Signal()); signal == "" {
			signal = fmt.Sprintf("SIG%d", int(ws.Signal()))
		}
	}
	return signal, r.state.String()
}

func (r *procRunner) Stdout() io.ReadCloser             { return r.stdout }
func (r *procRunner) Stderr() io.ReadCloser             { return r.stderr }
func (r *procRunner) Name() string                      { return r.cmd.Path }
func (r *procRunner) ID() string                        { return fmt.Sprint(r.pid) }
func (r *procRunner) Diagnose(_ context.Context) string { return "" }
func (r *procRunner) PluginToHost(n, a string) (string, string, error) {
	return n, a, nil
}
func (r *procRunner) HostToPlugin(n, a string) (string, string, error) {
	return n, a, nil
}
