package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
)

func TestCorruptions(t *testing.T) {
	m := cachedMatch(t, Options{Profile: ProfileSmall, Seed: 3})
	const limit = 8 << 20 // the small match is ~3.5 MB of JSON
	opt := CorruptOptions{BombSize: 2 * limit}
	// the healthy file passes the strict reader
	var good bytes.Buffer
	if err := m.Encode(&good, EncodingGzip); err != nil {
		t.Fatal(err)
	}
	if _, err := strictRead(good.Bytes(), limit); err != nil {
		t.Fatalf("healthy file refused: %v", err)
	}
	tests := []struct {
		kind Corruption
		enc  Encoding
		// extra check of the way it is bad
		check func(t *testing.T, raw []byte, err error)
	}{
		{CorruptTruncatedGzip, EncodingGzip, func(t *testing.T, raw []byte, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("want unexpected EOF, got %v", err)
			}
		}},
		{CorruptTruncatedGzip, EncodingDoubleGzip, nil},
		{CorruptTruncatedJSON, EncodingGzip, func(t *testing.T, raw []byte, err error) {
			var se *json.SyntaxError
			if !errors.As(err, &se) && !strings.Contains(err.Error(), "unexpected end") {
				t.Errorf("want a JSON syntax error, got %v", err)
			}
			gunzip(t, raw) // the gzip itself is whole
		}},
		{CorruptTruncatedJSON, EncodingPlain, nil},
		{CorruptObjectTopLevel, EncodingGzip, func(t *testing.T, raw []byte, err error) {
			var v map[string]json.RawMessage
			if json.Unmarshal(gunzip(t, raw), &v) != nil || v["events"] == nil {
				t.Error("not an object wrapping the events")
			}
		}},
		{CorruptEmptyArray, EncodingGzip, func(t *testing.T, raw []byte, err error) {
			if string(gunzip(t, raw)) != "[]" {
				t.Error("not []")
			}
		}},
		{CorruptZeroBytes, EncodingGzip, func(t *testing.T, raw []byte, err error) {
			if len(raw) != 0 {
				t.Errorf("%d bytes", len(raw))
			}
		}},
		{CorruptNonUTF8, EncodingGzip, nil},
		{CorruptNonUTF8, EncodingDoubleGzip, nil},
		{CorruptGzipBomb, EncodingGzip, func(t *testing.T, raw []byte, err error) {
			if len(raw) > 1<<20 || !strings.Contains(err.Error(), "limit") {
				t.Errorf("bomb of %d bytes, error %v", len(raw), err)
			}
		}},
		{CorruptGzipBomb, EncodingPlain, func(t *testing.T, raw []byte, err error) {
			if !isGzip(raw) {
				t.Error("a plain bomb is still gzip")
			}
		}},
		{CorruptWrongTypes, EncodingGzip, func(t *testing.T, raw []byte, err error) {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				t.Errorf("want a type error, got %v", err)
			}
			data := gunzip(t, raw)
			if !regexp.MustCompile(`"teamId":"\d+"`).Match(data) || !regexp.MustCompile(`"x":"[0-9.]+"`).Match(data) {
				t.Error("no string teamId or location.x")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.enc.String(), func(t *testing.T) {
			if c, err := ParseCorruption(string(tt.kind)); err != nil || c != tt.kind {
				t.Fatalf("ParseCorruption: %v %v", c, err)
			}
			var b bytes.Buffer
			if err := WriteCorrupt(&b, tt.kind, m, tt.enc, opt); err != nil {
				t.Fatal(err)
			}
			_, err := strictRead(b.Bytes(), limit)
			if err == nil {
				t.Fatal("the strict reader accepted it")
			}
			if tt.check != nil {
				tt.check(t, b.Bytes(), err)
			}
			// deterministic too
			var again bytes.Buffer
			if err := WriteCorrupt(&again, tt.kind, m, tt.enc, opt); err != nil || !bytes.Equal(b.Bytes(), again.Bytes()) {
				t.Errorf("not deterministic (%v)", err)
			}
		})
	}
	// every kind is covered, and kinds without a match work without one
	seen := map[Corruption]bool{}
	for _, tt := range tests {
		seen[tt.kind] = true
	}
	for _, c := range Corruptions() {
		if !seen[c] {
			t.Errorf("kind %s not tested", c)
		}
		if !c.NeedsMatch() {
			if err := WriteCorrupt(io.Discard, c, nil, EncodingGzip, CorruptOptions{BombSize: 1 << 20}); err != nil {
				t.Errorf("%s without a match: %v", c, err)
			}
		} else if err := WriteCorrupt(io.Discard, c, nil, EncodingGzip, opt); err == nil {
			t.Errorf("%s without a match succeeded", c)
		}
	}
	if _, err := ParseCorruption("bit-rot"); err == nil {
		t.Error("ParseCorruption(bit-rot) succeeded")
	}
	out, err := WriteCorruptMatch(t.TempDir(), CorruptGzipBomb, m, EncodingPlain, CorruptOptions{BombSize: 1 << 20})
	if err != nil || !strings.HasSuffix(out.Path, "raw.json.gz") {
		t.Errorf("WriteCorruptMatch: %v %v", out, err)
	}
}
