package telemetry

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unsafe"
)

// TestBuffersLetOutliersGo: Buffers keep their memory for the next read,
// except what a file needed beyond keepEvents slots or keepSlabs slabs.
func TestBuffersLetOutliersGo(t *testing.T) {
	const pos = `{"_T":"LogPlayerPosition","character":{"name":"a","teamId":1},"elapsedTime":3}`
	file := func(n int) []byte { return []byte("[" + strings.Repeat(pos+",", n-1) + pos + "]") }
	read := func(b *Buffers, n int) *Match {
		t.Helper()
		m, err := b.Read(context.Background(), bytes.NewReader(file(n)), "t", 0)
		if err != nil || len(m.Events) != n {
			t.Fatalf("read %d events: %v, %d kept", n, err, len(m.Events))
		}
		return m
	}
	defer func(e, s int) { keepEvents, keepSlabs = e, s }(keepEvents, keepSlabs)
	keepEvents, keepSlabs = 2*eventsCap, 2

	var b Buffers
	m := read(&b, eventsCap+1) // grows to 2*eventsCap slots and needs 5 slabs
	if len(b.chars.all) != 5 {
		t.Fatalf("%d character slabs, want 5", len(b.chars.all))
	}
	small := read(&b, 3)
	if unsafe.SliceData(small.Events) != unsafe.SliceData(m.Events) {
		t.Error("event slots within keepEvents were not reused")
	}
	if len(b.chars.all) != keepSlabs {
		t.Errorf("%d character slabs kept, want %d", len(b.chars.all), keepSlabs)
	}

	m = read(&b, 2*eventsCap+1) // past keepEvents
	small = read(&b, 3)
	if unsafe.SliceData(small.Events) == unsafe.SliceData(m.Events) {
		t.Error("an outlier's event slots were kept")
	}
	if cap(b.events) != eventsCap {
		t.Errorf("capacity %d after the outlier, want a fresh %d", cap(b.events), eventsCap)
	}
}
