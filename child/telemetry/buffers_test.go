package telemetry_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

// TestBuffersReuse reads a run of different files through one Buffers and
// checks each result against a fresh Read, field by field, errors included:
// whatever one match left in the event slice, the slabs or the interner must
// not show in the next (a kept event in a slot a larger match used, a
// character carved where another match's stood, a dropped or re-read event
// that wrote before it was given back, a read that failed half way).
func TestBuffersReuse(t *testing.T) {
	modern, modernGz := synthData(t)
	small, smallGz, smallGz2 := smallData()
	const pos = `{"_T":"LogPlayerPosition","character":{"name":"b","teamId":2,"health":50,"location":{"x":1,"y":2,"z":3}},"elapsedTime":7}`
	files := []struct {
		name string
		data []byte
	}{
		{"modern", modern},
		{"small", small},
		// A dropped event that wrote its fields before its type said drop,
		// then a kept one in the same slot with fewer fields.
		{"dirty slot", []byte(`[{"_T":"LogGameStatePeriodic","gameState":{"elapsedTime":1}},` +
			`{"character":{"name":"a","teamId":1,"health":100,"zone":["x"],"isInBlueZone":true},"damage":5,"attackId":9,"_T":"LogUnread"},` + pos + `]`)},
		// The same dropped event last: its slot, past the kept events, is
		// still dirty when the read ends.
		{"dirty end", []byte(`[{"_T":"LogGameStatePeriodic","gameState":{"elapsedTime":1}},` + pos + `,` +
			`{"character":{"name":"a","teamId":1,"health":100,"zone":["x"],"isInBlueZone":true},"damage":5,"attackId":9,"_T":"LogUnread"}]`)},
		// A skipped event whose repeated _T makes it kept: decoded twice.
		{"re-read", []byte(`[{"_T":"LogGameStatePeriodic","gameState":{"elapsedTime":1}},` +
			`{"_T":"LogUnread","character":{"name":"c","teamId":3},"_T":"LogPlayerPosition","elapsedTime":4},` + pos + `]`)},
		{"modern truncated", modern[:len(modern)*2/3]},
		{"small gzip", smallGz},
		{"modern gzip", modernGz},
		{"small gzip twice", smallGz2},
		{"not JSON", []byte(`[{"_T":"LogPlayerPosition","character":{"name":"d"}}, nope]`)},
		{"small again", small},
	}
	var b telemetry.Buffers
	ctx := context.Background()
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {4, 0, 3, 1, 2, 5, 1, 7, 3, 10}} {
		for _, i := range order {
			f := files[i]
			want, wantErr := telemetry.Read(ctx, bytes.NewReader(f.data), f.name, 0)
			got, gotErr := b.Read(ctx, bytes.NewReader(f.data), f.name, 0)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("%s: error %v, want %v", f.name, gotErr, wantErr)
			}
			if wantErr != nil {
				continue
			}
			if got.TotalEvents != want.TotalEvents || got.Mismatches != want.Mismatches ||
				got.FirstMismatch != want.FirstMismatch || got.DecompressedBytes != want.DecompressedBytes {
				t.Fatalf("%s: match %+v, want %+v", f.name, matchHead(got), matchHead(want))
			}
			if len(got.Events) != len(want.Events) {
				t.Fatalf("%s: %d events, want %d", f.name, len(got.Events), len(want.Events))
			}
			if cap(got.Events) != len(got.Events) {
				t.Fatalf("%s: events have capacity %d past their %d: an append would write into the buffers", f.name, cap(got.Events), len(got.Events))
			}
			for k := range got.Events {
				if d := eventDiff(&got.Events[k], &want.Events[k]); len(d) > 0 {
					t.Fatalf("%s: event %d differs from a fresh read: %v", f.name, k, d)
				}
			}
		}
	}
}

func matchHead(m *telemetry.Match) string {
	return fmt.Sprintf("total=%d mismatches=%d %q bytes=%d", m.TotalEvents, m.Mismatches, m.FirstMismatch, m.DecompressedBytes)
}
