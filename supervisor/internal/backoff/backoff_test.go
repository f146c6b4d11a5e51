package backoff

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	p := Policy{Base: 250 * time.Millisecond, Max: 30 * time.Second}
	for n, want := range map[int]time.Duration{1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 3: time.Second, 8: 30 * time.Second, 50: 30 * time.Second} {
		if got := p.Delay(n); got != want {
			t.Errorf("Delay(%d) = %s, want %s", n, got, want)
		}
	}
	p.Jitter = 0.25
	for range 1000 {
		if d := p.Delay(3); d < 750*time.Millisecond || d > 1250*time.Millisecond {
			t.Fatalf("Delay(3) with ±25%% jitter = %s, outside 750ms..1.25s", d)
		}
	}
}
