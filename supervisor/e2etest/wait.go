package e2etest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Helpers that let a test wait for what it means (a lock taken, a log line
// written, a queue without consumers) instead of sleeping and hoping.

// HoldMatches locks the matches rows of ids (SELECT … FOR UPDATE in an open
// transaction) and returns the function that releases them. A job of one
// of these matches can start, read and extract, but it cannot commit: its
// transaction must update the match's row (flags, status 'completed') and
// blocks on the lock until release. Jobs therefore stay in flight exactly
// as long as the test wants, whatever the machine's load. Release is
// idempotent and also runs when the test ends.
func (e *Env) HoldMatches(ids ...string) (release func()) {
	e.T.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tx, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		cancel()
		e.T.Fatalf("e2etest: hold matches: begin: %v", err)
	}
	for _, id := range ids {
		var got string
		if err := tx.QueryRowContext(ctx, `SELECT match_id FROM matches WHERE match_id = $1 FOR UPDATE`, id).Scan(&got); err != nil {
			_ = tx.Rollback()
			cancel()
			e.T.Fatalf("e2etest: hold match %s: %v", id, err)
		}
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		if err := tx.Rollback(); err != nil {
			e.T.Errorf("e2etest: release held matches: %v", err)
		}
		cancel()
	}
	e.T.Cleanup(release)
	return release
}

// SessionsWaitingOnLocks counts the sessions of the test's database that
// are waiting for a lock (pg_stat_activity), e.g. jobs blocked by
// HoldMatches.
func (e *Env) SessionsWaitingOnLocks() int {
	e.T.Helper()
	return e.Count(`SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, e.DBName)
}

// LogCount returns how many lines of the supervisor's log contain substr.
func (s *Supervisor) LogCount(substr string) int {
	return strings.Count(s.Logs(), substr)
}

// Holds checks invariant until done reports true, failing at the first
// violation, or when done is not reached within the time limit. It proves
// that a state lasted through an event (done), not merely that it held at
// one instant.
func Holds(t testing.TB, within time.Duration, what string, invariant func() error, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if err := invariant(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if done() {
			// Once more after the event: the state must still hold then.
			if err := invariant(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
