package synth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Encoding is how a telemetry file is stored on disk.
type Encoding int

const (
	// EncodingGzip is what the download worker normally leaves: raw.json.gz.
	EncodingGzip Encoding = iota
	// EncodingPlain is uncompressed JSON, raw.json.
	EncodingPlain
	// EncodingDoubleGzip is gzip of gzip, which happens when the CDN serves
	// an already compressed body that gets compressed again. Still named
	// raw.json.gz.
	EncodingDoubleGzip
)

// Encodings lists the encodings by their flag names.
func Encodings() []Encoding { return []Encoding{EncodingPlain, EncodingGzip, EncodingDoubleGzip} }

func (e Encoding) String() string {
	switch e {
	case EncodingPlain:
		return "plain"
	case EncodingGzip:
		return "gzip"
	case EncodingDoubleGzip:
		return "double-gzip"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// ParseEncoding reads plain, gzip or double-gzip.
func ParseEncoding(s string) (Encoding, error) {
	for _, e := range Encodings() {
		if strings.EqualFold(s, e.String()) {
			return e, nil
		}
	}
	return 0, fmt.Errorf("synth: unknown encoding %q (want plain, gzip or double-gzip)", s)
}

// FileName is the name of the telemetry file in its match directory.
func (e Encoding) FileName() string {
	if e == EncodingPlain {
		return "raw.json"
	}
	return "raw.json.gz"
}

// MatchDir is the directory the download worker uses for a match:
// <dir>/matchID=<id>.
func MatchDir(dir, matchID string) string { return filepath.Join(dir, "matchID="+matchID) }

// MatchFilePath is where a match's telemetry goes in encoding e.
func MatchFilePath(dir, matchID string, e Encoding) string {
	return filepath.Join(MatchDir(dir, matchID), e.FileName())
}

// encoder wraps w so that what is written to the result comes out in
// encoding e; close flushes every layer (not w itself).
func encoder(w io.Writer, e Encoding, level int) (io.Writer, func() error, error) {
	switch e {
	case EncodingPlain:
		return w, func() error { return nil }, nil
	case EncodingGzip:
		zw, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			return nil, nil, err
		}
		return zw, zw.Close, nil
	case EncodingDoubleGzip:
		outer, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			return nil, nil, err
		}
		inner, err := gzip.NewWriterLevel(outer, level)
		if err != nil {
			return nil, nil, err
		}
		return inner, func() error {
			if err := inner.Close(); err != nil {
				return err
			}
			return outer.Close()
		}, nil
	}
	return nil, nil, fmt.Errorf("synth: unknown encoding %d", int(e))
}

// Encode writes the match's telemetry to w in encoding e.
func (m *Match) Encode(w io.Writer, e Encoding) error {
	return encodeWith(w, e, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
}

// Bytes returns the match's telemetry in encoding e, for tests and
// benchmarks that keep files in memory.
func (m *Match) Bytes(e Encoding) []byte {
	var b bytes.Buffer
	if err := m.Encode(&b, e); err != nil {
		panic("synth: encoding into memory: " + err.Error()) // a bytes.Buffer does not fail
	}
	return b.Bytes()
}

func encodeWith(w io.Writer, e Encoding, body func(io.Writer) error) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	ew, closeEnc, err := encoder(bw, e, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	if err := body(ew); err != nil {
		return err
	}
	if err := closeEnc(); err != nil {
		return err
	}
	return bw.Flush()
}

// Output is a written telemetry file.
type Output struct {
	Path string
	Size int64 // bytes on disk
}

// WriteMatch writes the match's telemetry under dir as the download worker
// lays it out, <dir>/matchID=<id>/raw.json[.gz], atomically (temporary file
// then rename).
func WriteMatch(dir string, m *Match, e Encoding) (Output, error) {
	return writeFile(MatchFilePath(dir, m.ID, e), func(w io.Writer) error { return m.Encode(w, e) })
}

func writeFile(path string, body func(io.Writer) error) (Output, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Output{}, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".synth-*")
	if err != nil {
		return Output{}, err
	}
	tmp := f.Name()
	fail := func(err error) (Output, error) {
		f.Close()
		os.Remove(tmp)
		return Output{}, err
	}
	if err := body(f); err != nil {
		return fail(err)
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return Output{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return Output{}, err
	}
	return Output{Path: path, Size: st.Size()}, nil
}
