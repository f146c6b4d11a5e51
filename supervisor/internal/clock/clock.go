// Package clock lets the supervisor's timing (task timeouts, memory polls,
// restart backoff, retry delays) run on a clock that tests can move by hand,
// so that a test of a five-minute timeout takes microseconds.
package clock

import "time"

// Clock is the part of package time the supervisor uses.
type Clock interface {
	Now() time.Time
	// After sends the time once d has passed.
	After(d time.Duration) <-chan time.Time
	// Ticker sends the time every d until stop is called.
	Ticker(d time.Duration) (c <-chan time.Time, stop func())
}

// Real is the wall clock.
var Real Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (realClock) Ticker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
