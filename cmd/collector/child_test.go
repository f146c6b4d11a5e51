package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/child/faultinject"
)

// TestFaultInjectionOnlyWithTestHooks: a child wraps its processor with
// child/faultinject only when started with --test-hooks.
func TestFaultInjectionOnlyWithTestHooks(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tel := telemetryOptions{dir: t.TempDir(), maxBytes: newBytes(1 << 20)}
	if p, ok := (&childOptions{telemetry: tel}).processor(nil, log).(*child.Processor); !ok {
		t.Errorf("without --test-hooks the processor is %T, want *child.Processor", p)
	}
	if p, ok := (&childOptions{telemetry: tel, testHooks: true}).processor(nil, log).(*faultinject.Processor); !ok {
		t.Errorf("with --test-hooks the processor is %T, want *faultinject.Processor", p)
	}
}
