// Package defaults fills in the documented defaults of the supervisor's
// configuration structs, where a zero (or negative) value means "the
// default".
package defaults

import "time"

// Set sets *v to def unless it is positive.
func Set[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
