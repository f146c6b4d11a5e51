package telemetry_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

// TestSynthCorruptions reads every bad file child/synth can make, in every
// encoding, and checks the kind of failure (or, for wrong-typed scalars,
// the documented lenient outcome: decoded, fields absent and counted).
func TestSynthCorruptions(t *testing.T) {
	m, err := synth.Generate(synth.Options{Profile: synth.ProfileSmall, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 8 << 20
	want := map[synth.Corruption]telemetry.ErrKind{
		synth.CorruptTruncatedGzip:  telemetry.ErrCorruptGzip,
		synth.CorruptTruncatedJSON:  telemetry.ErrTruncated,
		synth.CorruptObjectTopLevel: telemetry.ErrNotArray,
		synth.CorruptEmptyArray:     telemetry.ErrNoEvents,
		synth.CorruptZeroBytes:      telemetry.ErrEmptyFile,
		synth.CorruptNonUTF8:        telemetry.ErrBadJSON,
		synth.CorruptGzipBomb:       telemetry.ErrTooLarge,
		synth.CorruptWrongTypes:     "",
	}
	for _, kind := range synth.Corruptions() {
		for _, enc := range synth.Encodings() {
			t.Run(string(kind)+"/"+enc.String(), func(t *testing.T) {
				var buf bytes.Buffer
				if err := synth.WriteCorrupt(&buf, kind, m, enc, synth.CorruptOptions{BombSize: 2 * limit}); err != nil {
					t.Fatal(err)
				}
				got, err := telemetry.Read(context.Background(), bytes.NewReader(buf.Bytes()), "corrupt", limit)
				w, known := want[kind]
				switch {
				case !known:
					t.Fatalf("no expectation for %s", kind)
				case w == "":
					if err != nil || got.Mismatches == 0 {
						t.Fatalf("err %v, mismatches %v", err, got)
					}
				case telemetry.KindOf(err) != w:
					t.Fatalf("kind %q (%v), want %s", telemetry.KindOf(err), err, w)
				}
			})
		}
	}
}
