package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pewstats/collector/protocol"
)

// Child is one running child process as a slot sees it. Production children
// are `collector child` processes started through go-plugin (Plugin); tests
// use fakes.
type Child interface {
	protocol.Processor
	// PID is the process id (0 if unknown).
	PID() int
	// Done is closed once the process has exited.
	Done() <-chan struct{}
	// Exit describes how it ended, once Done: the signal's name if a
	// signal killed it ("SIGKILL"), and a description for logs.
	Exit() (signal, status string)
	// Kill sends SIGKILL at once.
	Kill()
	// Stop asks the child to exit and kills it if ctx ends first; it
	// returns when the child is gone.
	Stop(ctx context.Context)
	// RSS is the resident set size in bytes.
	RSS() (int64, error)
}

// Starter starts the child of a slot (1-based) and returns once it answered
// its handshake, or fails. ctx bounds the start.
type Starter func(ctx context.Context, slot int) (Child, error)

// Reason says why a child went, or why a job has no result.
type Reason uint8

const (
	ReasonCrash        Reason = iota + 1 // died by itself (exit, panic, a signal from outside)
	ReasonTimeout                        // its job passed the task timeout; killed
	ReasonMemory                         // over the memory limit; killed
	ReasonRecycled                       // retired after its job limit
	ReasonShutdown                       // stopped with the pool
	ReasonStartFailure                   // failed to start or to answer its handshake
)

var reasonNames = [...]string{"unknown", "crash", "timeout", "memory", "recycled", "shutdown", "start_failure"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// JobError is returned by Submit when a started job has no result: its
// child crashed, timed out, ran out of memory, or the pool shut down.
type JobError struct {
	Reason Reason
	Slot   int
	PID    int
	Detail string
}

func (e *JobError) Error() string {
	return fmt.Sprintf("child %d (pid %d): %s: %s", e.Slot, e.PID, e.Reason, e.Detail)
}

// ErrClosed is returned by Submit when the pool stopped before the job
// started.
var ErrClosed = errors.New("pool: shut down")

// ErrRestartStorm is reported on Fatal() when a slot's child failed to start
// MaxStartFailures times in a row: the pool cannot do its job and the
// process should exit so the orchestrator replaces it.
var ErrRestartStorm = errors.New("pool: children keep failing to start")

// EventKind says what happened to a slot.
type EventKind uint8

const (
	EventStartFailed EventKind = iota + 1 // a start failed
	EventExited                           // a child went (Reason, Signal)
	EventRSS                              // a child's memory was sampled (RSS)
)

// Event is what the pool reports to Config.OnEvent, from the slot's
// goroutine; the hook must not block.
type Event struct {
	Kind   EventKind
	Slot   int
	PID    int
	Reason Reason // EventExited
	Signal string // EventExited: the signal that killed it, if any
	Busy   bool   // EventExited: it was running a job
	RSS    int64  // EventRSS
}

// RestartLabel is the restart reason as the metrics label it: the reason,
// or signal_<NAME> for a child a signal from outside killed.
func (e Event) RestartLabel() string {
	if e.Kind == EventStartFailed {
		return ReasonStartFailure.String()
	}
	if e.Reason == ReasonCrash && e.Signal != "" {
		return "signal_" + e.Signal
	}
	return e.Reason.String()
}

// State is what a slot is doing.
type State uint8

const (
	StateStarting State = iota // no child: starting one, or waiting to
	StateIdle                  // a child waits for a job
	StateBusy                  // a child runs a job
)

// String is the state's name; the three constants are all the values a
// slot's state takes.
func (s State) String() string { return [...]string{"starting", "idle", "busy"}[s] }

// ChildStatus is what one slot is doing, for /status.
type ChildStatus struct {
	Slot      int       `json:"slot"`
	PID       int       `json:"pid,omitempty"`
	State     string    `json:"state"` // starting, idle, busy
	MatchID   string    `json:"match_id,omitempty"`
	BusyFor   float64   `json:"busy_seconds,omitempty"`
	JobsDone  int       `json:"jobs_done"`
	Restarts  int       `json:"restarts"`
	RSSBytes  int64     `json:"rss_bytes,omitempty"`
	StartedAt time.Time `json:"started_at,omitzero"`
}
