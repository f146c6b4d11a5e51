// Package backoff computes the supervisor's waits between retries: child
// restarts, broker reconnects, database probes and transient requeues all
// use the same rule.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy is an exponential backoff: Base, doubled for every further
// consecutive failure, capped at Max, then spread by ±Jitter (a fraction:
// 0.25 is ±25%) so that a fleet of supervisors does not retry in lockstep.
type Policy struct {
	Base, Max time.Duration
	Jitter    float64
}

// Delay is the wait after the n-th consecutive failure (n >= 1).
func (p Policy) Delay(n int) time.Duration {
	d := p.Base
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if p.Jitter > 0 {
		d = time.Duration(float64(d) * (1 - p.Jitter + rand.Float64()*2*p.Jitter))
	}
	return d
}
