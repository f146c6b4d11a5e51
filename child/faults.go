package child

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/pewstats/collector/child/failure"
	"github.com/pewstats/collector/child/store"
)

// injectFault makes a child misbehave on purpose, for the supervisor's
// integration tests. It is reachable only when the child was started with
// --test-hooks (never set by production defaults). Faults:
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
// separated by commas run in order (block:/tmp/go,exit@1).
// memoryHog holds what the "oom" fault allocates, so nothing is collected.
var memoryHog [][]byte

func injectFault(ctx context.Context, faults string, attempt int) error {
	for _, f := range strings.Split(faults, ",") {
		if err := injectOne(ctx, f, attempt); err != nil {
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

// armTxFault installs the exit-in-tx fault on the store for this job, if
// the message asks for it; the returned func removes it.
func armTxFault(st *store.Store, faults string, attempt int) (disarm func()) {
	for _, f := range strings.Split(faults, ",") {
		if active(f, attempt) != "exit-in-tx" {
			continue
		}
		written := 0
		st.SetAfterWrite(func(string) error {
			if written++; written == 3 {
				os.Exit(3)
			}
			return nil
		})
		return func() { st.SetAfterWrite(nil) }
	}
	return func() {}
}

func injectOne(ctx context.Context, fault string, attempt int) error {
	fault = active(fault, attempt)
	switch {
	case fault == "exit":
		os.Exit(3)
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
