// Package clocktest is a clock that tests move by hand.
package clocktest

import (
	"sort"
	"sync"
	"time"
)

// Fake is a clock that moves only when Advance is called. Timers and
// tickers fire, in time order, as Advance passes their deadlines.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*waiter
	changed chan struct{} // closed and replaced whenever a waiter is added
}

type waiter struct {
	at     time.Time
	every  time.Duration // > 0 for a ticker
	c      chan time.Time
	closed bool
}

// NewFake returns a fake clock set at a fixed instant.
func NewFake() *Fake {
	return &Fake{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), changed: make(chan struct{})}
}

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *Fake) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &waiter{at: f.now.Add(d), c: make(chan time.Time, 1)}
	f.add(w)
	return w.c
}

func (f *Fake) Ticker(d time.Duration) (<-chan time.Time, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &waiter{at: f.now.Add(d), every: d, c: make(chan time.Time, 1)}
	f.add(w)
	return w.c, func() {
		f.mu.Lock()
		w.closed = true
		f.mu.Unlock()
	}
}

// add registers w; callers hold f.mu.
func (f *Fake) add(w *waiter) {
	f.waiters = append(f.waiters, w)
	close(f.changed)
	f.changed = make(chan struct{})
}

// Advance moves the clock forward by d, firing every timer and ticker whose
// time comes, in order. A ticker's channel holds one tick; further ticks
// are dropped while it is full, as with time.Ticker.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	end := f.now.Add(d)
	for {
		sort.Slice(f.waiters, func(i, j int) bool { return f.waiters[i].at.Before(f.waiters[j].at) })
		if len(f.waiters) == 0 || f.waiters[0].at.After(end) {
			break
		}
		w := f.waiters[0]
		f.now = w.at
		if !w.closed {
			select {
			case w.c <- w.at:
			default:
			}
		}
		if w.every > 0 && !w.closed {
			w.at = w.at.Add(w.every)
			continue
		}
		f.waiters = f.waiters[1:]
	}
	f.now = end
}

// Waiters reports how many timers and tickers are pending.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, w := range f.waiters {
		if !w.closed {
			n++
		}
	}
	return n
}

// Changed returns a channel closed when a timer or ticker is next added:
// a test can wait for the code under test to start waiting.
func (f *Fake) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}
