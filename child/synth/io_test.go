package synth

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

func TestEncodingsRoundTrip(t *testing.T) {
	m := cachedMatch(t, Options{Profile: ProfileSmall, Seed: 1})
	want := plainJSON(t, m)
	tests := []struct {
		enc    Encoding
		layers int
		name   string
	}{
		{EncodingPlain, 0, "raw.json"},
		{EncodingGzip, 1, "raw.json.gz"},
		{EncodingDoubleGzip, 2, "raw.json.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.enc.String(), func(t *testing.T) {
			if e, err := ParseEncoding(tt.enc.String()); err != nil || e != tt.enc {
				t.Fatalf("ParseEncoding(%q) = %v, %v", tt.enc, e, err)
			}
			if tt.enc.FileName() != tt.name {
				t.Errorf("file name %q, want %q", tt.enc.FileName(), tt.name)
			}
			var b bytes.Buffer
			if err := m.Encode(&b, tt.enc); err != nil {
				t.Fatal(err)
			}
			data := b.Bytes()
			for i := 0; i < tt.layers; i++ {
				if !isGzip(data) {
					t.Fatalf("layer %d is not gzip", i)
				}
				data = gunzip(t, data)
			}
			if isGzip(data) {
				t.Fatal("one gzip layer too many")
			}
			if !bytes.Equal(data, want) {
				t.Fatal("decoded telemetry differs from WriteTo")
			}
			// the same bytes each time
			var again bytes.Buffer
			if err := m.Encode(&again, tt.enc); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), again.Bytes()) {
				t.Error("encoding is not deterministic")
			}
		})
	}
	if _, err := ParseEncoding("zstd"); err == nil {
		t.Error("ParseEncoding(zstd) succeeded")
	}
}

func TestWriteMatchAndMessage(t *testing.T) {
	m := cachedMatch(t, Options{Profile: ProfileSmall, Seed: 2})
	dir := t.TempDir()
	for _, enc := range Encodings() {
		out, err := WriteMatch(dir, m, enc)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(dir, "matchID="+m.ID, enc.FileName()); out.Path != want {
			t.Errorf("%s: path %s, want %s", enc, out.Path, want)
		}
		st, err := os.Stat(out.Path)
		if err != nil || st.Size() != out.Size {
			t.Fatalf("%s: stat %v, size %d vs %d", enc, err, st.Size(), out.Size)
		}
		raw, _ := os.ReadFile(out.Path)
		if n, err := strictRead(raw, 1<<30); err != nil || n != m.Events() {
			t.Errorf("%s: read back %d events, %v", enc, n, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*", ".synth-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	msg := NewMessage(m, "/data/telemetry/matchID="+m.ID+"/raw.json.gz", 3<<20, "")
	var got map[string]any
	if err := json.Unmarshal(msg.JSON(), &got); err != nil {
		t.Fatal(err)
	}
	keys := []string{"match_id", "file_path", "file_size_mb", "map_name", "game_mode", "match_datetime", "downloaded_at", "worker_id"}
	if len(got) != len(keys) {
		t.Errorf("message has %d keys: %v", len(got), got)
	}
	for _, k := range keys {
		if _, ok := got[k]; !ok {
			t.Errorf("message lacks %s", k)
		}
	}
	if got["match_id"] != m.ID || got["file_size_mb"] != 3.0 || got["map_name"] != m.MapName || got["game_mode"] != m.GameMode ||
		got["match_datetime"] != m.MatchDatetime() || got["worker_id"] != DefaultWorkerID {
		t.Errorf("message %v", got)
	}
	dl, _ := got["downloaded_at"].(string)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$`).MatchString(dl) {
		t.Errorf("downloaded_at %q is not Python isoformat", dl)
	}
	if at, err := time.Parse(time.RFC3339Nano, dl); err != nil || !at.After(m.CreatedAt.Add(time.Duration(m.Duration)*time.Second)) {
		t.Errorf("downloaded_at %q (%v) not after the match", dl, err)
	}
	if a, b := NewMessage(m, "x", 1, "w").JSON(), NewMessage(m, "x", 1, "w").JSON(); !bytes.Equal(a, b) {
		t.Error("message not deterministic")
	}
}
