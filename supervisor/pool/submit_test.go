package pool

import (
	"context"
	"testing"
	"time"
)

func TestWhyLost(t *testing.T) {
	now := time.Now()
	live := context.Background()
	stopped, stop := context.WithCancel(context.Background())
	stop()
	expired, cancel1 := context.WithDeadline(context.Background(), now.Add(-time.Second))
	defer cancel1()
	// The child reported the deadline first: the parent's context has not
	// fired yet, but the job is at its limit.
	atLimit, cancel2 := context.WithDeadline(context.Background(), now.Add(20*time.Millisecond))
	defer cancel2()
	early, cancel3 := context.WithDeadline(context.Background(), now.Add(time.Minute))
	defer cancel3()
	for _, tc := range []struct {
		name      string
		job, pool context.Context
		want      Reason
	}{
		{"crash mid-job", early, live, ReasonCrash},
		{"deadline passed", expired, live, ReasonTimeout},
		{"deadline reported by the child a moment early", atLimit, live, ReasonTimeout},
		{"pool shutting down", early, stopped, ReasonShutdown},
		{"shutdown wins over a deadline", expired, stopped, ReasonShutdown},
	} {
		if got := whyLost(tc.job, tc.pool, now); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
