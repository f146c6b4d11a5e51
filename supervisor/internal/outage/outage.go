// Package outage remembers since when a dependency (the broker, the
// database) has been unreachable, for the container health check: a worker
// that has not reached RabbitMQ for an hour must not look healthy.
package outage

import (
	"sync/atomic"
	"time"
)

// Tracker is safe for concurrent use. The zero value reports no outage.
type Tracker struct {
	since atomic.Int64 // unix nanoseconds of the first failure; 0 while up
}

// Down records that the dependency was found unreachable at now (the
// outage's start is kept from the first report).
func (t *Tracker) Down(now time.Time) { t.since.CompareAndSwap(0, now.UnixNano()) }

// Up records that the dependency answers.
func (t *Tracker) Up() { t.since.Store(0) }

// Set records either.
func (t *Tracker) Set(up bool, now time.Time) {
	if up {
		t.Up()
	} else {
		t.Down(now)
	}
}

// Ok reports whether the dependency answers (no outage).
func (t *Tracker) Ok() bool { return t.since.Load() == 0 }

// For is how long the current outage has lasted at now (0 while up).
func (t *Tracker) For(now time.Time) time.Duration {
	s := t.since.Load()
	if s == 0 {
		return 0
	}
	return now.Sub(time.Unix(0, s))
}
