// Package faultinject makes a child misbehave on purpose, for the
// supervisor's integration tests (supervisor/e2e_*_test.go, chaos_test.go).
// It is a test tool, not part of the processing path: `collector child`
// uses it only when started with the hidden --test-hooks flag, which the
// supervisor passes on only when it was itself started with --test-hooks.
// No production default sets it.
//
// Wrap puts a Processor around the child's own. For each job it reads the
// field x_test_fault from the raw message body (the child's Message type
// does not know the field) and applies the faults it names before handing
// the job to the inner processor. Faults:
//
//	exit            os.Exit(3) mid-job
//	panic           panic mid-job
//	hang            block until the job's context ends
//	oom             allocate until killed (for the memory limit)
//	transient       return a transient failure
//	slow:<dur>      sleep, then continue normally
//	block:<path>    wait until a file exists at path, then continue
//	                normally (a test holds a job running until it says so)
//	exit-in-tx      os.Exit(3) inside the match transaction, after its
//	                third table write (rows sent, nothing committed)
//
// A "@N" suffix applies the fault only on attempts <= N (e.g. exit@1 crashes
// on the first delivery and succeeds on the second). Several faults
// separated by commas run in order (block:/tmp/go,exit@1). Faults apply
// only to messages the child accepts (child.ParseMessage); an invalid
// message goes to the inner processor untouched and fails validation there.
//
// ExitAtStartIfAsked is the other switch: a child that must die before
// serving (the supervisor's start-failure tests) is asked to by the
// environment variable COLLECTOR_TEST_EXIT_AT_START, which the supervisor
// passes to children only under --test-hooks.
package faultinject

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/child/failure"
	"github.com/pewstats/collector/protocol"
)

// ExitAtStartEnv is the environment variable ExitAtStartIfAsked reads.
const ExitAtStartEnv = "COLLECTOR_TEST_EXIT_AT_START"

// ExitAtStartIfAsked exits the process with status 4 when ExitAtStartEnv is
// set to a non-empty value. Call it only under --test-hooks.
func ExitAtStartIfAsked(log *slog.Logger) {
	if os.Getenv(ExitAtStartEnv) != "" {
		log.Error("test hook: exiting at start")
		exit(4)
	}
}

// TxSeam is the one hook the exit-in-tx fault needs from the store: a
// function called after each table write inside the match transaction
// (store.Store.SetAfterWrite). nil removes it.
type TxSeam interface {
	SetAfterWrite(func(table string) error)
}

// Processor applies the faults a job asks for, then runs the job on the
// inner processor.
type Processor struct {
	inner protocol.Processor
	tx    TxSeam
	log   *slog.Logger

	mu sync.Mutex // one job at a time: the tx hook is per job
}

var _ protocol.Processor = (*Processor)(nil)

// Wrap returns inner with fault injection. tx may be nil, in which case
// exit-in-tx does nothing.
func Wrap(inner protocol.Processor, tx TxSeam, log *slog.Logger) *Processor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Processor{inner: inner, tx: tx, log: log}
}

// Ping is the inner processor's.
func (p *Processor) Ping(ctx context.Context) error { return p.inner.Ping(ctx) }

// Process applies the job's faults, if any, and runs it on the inner
// processor. A fault that fails the job (transient, hang) is reported in the
// Result the way the child reports any processing failure.
func (p *Processor) Process(ctx context.Context, job *protocol.Job) (*protocol.Result, error) {
	faults := faultsOf(job.Body)
	if faults == "" {
		return p.inner.Process(ctx, job)
	}
	msg, err := child.ParseMessage(job.Body)
	if err != nil {
		return p.inner.Process(ctx, job) // fails validation there
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	if err := apply(ctx, faults, job.Attempt); err != nil {
		return p.failed(job, msg, err, time.Since(start)), nil
	}
	if p.tx != nil {
		defer armTxFault(p.tx, faults, job.Attempt)()
	}
	return p.inner.Process(ctx, job)
}

// faultsOf reads x_test_fault from a message body; "" when absent or when
// the body is not a JSON object.
func faultsOf(body []byte) string {
	var m struct {
		Fault string `json:"x_test_fault"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return m.Fault
}

// failed is the Result of a job a fault failed, as child.Processor.Process
// builds it for a processing failure.
func (p *Processor) failed(job *protocol.Job, msg *child.Message, err error, took time.Duration) *protocol.Result {
	res := &protocol.Result{MatchID: msg.MatchID, Rows: map[string]int64{}, EventsExtracted: map[string]int64{}, TableDurations: map[string]time.Duration{}}
	if re := msg.ReprocessRequest(); re != nil {
		res.Reprocessed = re.Tables.List()
	}
	res.Timings.Total = took
	class, typ := failure.ClassOf(err)
	res.ErrorType, res.ErrorMessage = typ, err.Error()
	if class == failure.Transient {
		res.Outcome = protocol.OutcomeTransient
	} else {
		res.Outcome = protocol.OutcomePermanent
	}
	p.log.Error("match processing failed", "match_id", res.MatchID, "attempt", job.Attempt,
		"error_type", typ, "class", class.String(), "error", err.Error(), "injected", true)
	return res
}

// memoryHog holds what the "oom" fault allocates, so nothing is collected.
var memoryHog [][]byte

// apply runs the comma-separated faults in order; the first error stops.
func apply(ctx context.Context, faults string, attempt int) error {
	for _, f := range strings.Split(faults, ",") {
		if err := applyOne(ctx, f, attempt); err != nil {
			return err
		}
	}
	return nil
}

// active returns the fault without its "@N" suffix, or "" when the suffix
// says it does not apply to this attempt.
func active(fault string, attempt int) string {
	at := strings.LastIndexByte(fault, '@')
	if at < 0 {
		return fault
	}
	var max int
	for _, c := range fault[at+1:] {
		if c < '0' || c > '9' {
			break
		}
		max = max*10 + int(c-'0')
	}
	if attempt > max {
		return ""
	}
	return fault[:at]
}

// exit ends the process; a variable so that the unit tests can see the
// call without dying.
var exit = os.Exit

// armTxFault installs the exit-in-tx fault on the store for this job, if
// the faults ask for it; the returned func removes it.
func armTxFault(tx TxSeam, faults string, attempt int) (disarm func()) {
	for _, f := range strings.Split(faults, ",") {
		if active(f, attempt) != "exit-in-tx" {
			continue
		}
		written := 0
		tx.SetAfterWrite(func(string) error {
			if written++; written == 3 {
				exit(3)
			}
			return nil
		})
		return func() { tx.SetAfterWrite(nil) }
	}
	return func() {}
}

func applyOne(ctx context.Context, fault string, attempt int) error {
	fault = active(fault, attempt)
	switch {
	case fault == "exit":
		exit(3)
	case fault == "panic":
		panic("injected test fault")
	case fault == "hang":
		<-ctx.Done()
		return ctx.Err()
	case fault == "oom":
		for {
			b := make([]byte, 16<<20)
			for i := range b {
				b[i] = byte(i)
			}
			memoryHog = append(memoryHog, b) // kept reachable: RSS must grow
			time.Sleep(10 * time.Millisecond)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	case fault == "transient":
		return failure.Transientf("DatabaseUnavailable", "injected transient failure")
	case strings.HasPrefix(fault, "block:"):
		path := strings.TrimPrefix(fault, "block:")
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if _, err := os.Stat(path); err == nil {
				return nil
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	case strings.HasPrefix(fault, "slow:"):
		d, err := time.ParseDuration(strings.TrimPrefix(fault, "slow:"))
		if err != nil {
			return nil
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
