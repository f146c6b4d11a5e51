package telemetry

import (
	"bytes"
	"context"
	"fmt"
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

// FuzzBuffersReuse reads an arbitrary event array, then a second one,
// through one Buffers: the second must decode exactly as in a fresh read,
// whatever the first left behind (kept, dropped, re-read or failed events).
func FuzzBuffersReuse(f *testing.F) {
	const pos = `{"_T":"LogPlayerPosition","character":{"name":"a","teamId":1,"health":5,"zone":["z"]},"elapsedTime":3}`
	for _, s := range [][2]string{
		{`[` + pos + `,` + pos + `]`, `[{"_T":"LogPlayerPosition","character":{"name":"b"}}]`},
		{`[{"character":{"name":"a","teamId":1},"damage":5,"_T":"LogUnread"}]`, `[` + pos + `]`},
		{`[{"_T":"LogUnread","character":{"name":"c"},"_T":"LogPlayerPosition"}, nope]`, `[{"_T":"LogPlayerKillV2","killer":{"name":"k"}}]`},
		{`[{"_T":"LogPlayerTakeDamage","attacker":{"name":"a"},"victim":{"name":"b"},"damage":1}]`, `[{"_T":"LogPlayerTakeDamage","victim":{}}]`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, first, second string) {
		ctx := context.Background()
		var b Buffers
		_, _ = b.Read(ctx, strings.NewReader(first), "first", 1<<20)
		got, gotErr := b.Read(ctx, strings.NewReader(second), "second", 1<<20)
		want, wantErr := Read(ctx, strings.NewReader(second), "second", 1<<20)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("error %v, want %v", gotErr, wantErr)
		}
		if wantErr == nil && dumpMatch(got) != dumpMatch(want) {
			t.Fatalf("after %q:\n%s\nwant\n%s", first, dumpMatch(got), dumpMatch(want))
		}
	})
}
