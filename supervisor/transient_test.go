package supervisor

import (
	"testing"
	"time"
)

func TestTransientExhausted(t *testing.T) {
	s := New(Config{MaxTransientAttempts: 10, MaxTransientAge: time.Hour, MetricsAddr: "127.0.0.1:0"})
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		n     int
		first time.Time
		want  bool
	}{
		{"first failure", 1, now, false},
		{"ninth, recent", 9, now.Add(-time.Minute), false},
		{"tenth uses the last attempt", 10, now.Add(-time.Minute), true},
		{"second, but an hour after the first", 2, now.Add(-time.Hour), true},
		{"second, just under an hour", 2, now.Add(-time.Hour + time.Second), false},
	} {
		if got := s.transientExhausted(tc.n, tc.first, now); got != tc.want {
			t.Errorf("%s: transientExhausted(%d, %s) = %v, want %v", tc.name, tc.n, now.Sub(tc.first), got, tc.want)
		}
	}
}
