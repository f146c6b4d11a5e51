package synth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Corruption is a kind of bad telemetry file the reader must refuse.
type Corruption string

const (
	// CorruptTruncatedGzip is a gzip stream cut off part-way (a download that
	// died): no gzip trailer.
	CorruptTruncatedGzip Corruption = "truncated-gzip"
	// CorruptTruncatedJSON is a complete gzip stream of a JSON array cut off
	// in the middle of an event.
	CorruptTruncatedJSON Corruption = "truncated-json"
	// CorruptObjectTopLevel is valid JSON whose top level is an object
	// wrapping the events instead of the array itself.
	CorruptObjectTopLevel Corruption = "object-top-level"
	// CorruptEmptyArray is `[]`: no events at all.
	CorruptEmptyArray Corruption = "empty-array"
	// CorruptZeroBytes is an empty file (not even a gzip header).
	CorruptZeroBytes Corruption = "zero-bytes"
	// CorruptNonUTF8 is telemetry with invalid UTF-8 inside a player name.
	CorruptNonUTF8 Corruption = "non-utf8"
	// CorruptGzipBomb is a small gzip file that inflates to a huge stream of
	// spaces: `[` + BombSize spaces + `]`, valid JSON if read to the end.
	CorruptGzipBomb Corruption = "gzip-bomb"
	// CorruptWrongTypes is telemetry where one event has teamId as a string
	// and another has location.x as a string.
	CorruptWrongTypes Corruption = "wrong-typed-fields"
)

// Corruptions lists every kind.
func Corruptions() []Corruption {
	return []Corruption{CorruptTruncatedGzip, CorruptTruncatedJSON, CorruptObjectTopLevel, CorruptEmptyArray,
		CorruptZeroBytes, CorruptNonUTF8, CorruptGzipBomb, CorruptWrongTypes}
}

// ParseCorruption reads a kind by name.
func ParseCorruption(s string) (Corruption, error) {
	for _, c := range Corruptions() {
		if strings.EqualFold(s, string(c)) {
			return c, nil
		}
	}
	names := make([]string, 0, 8)
	for _, c := range Corruptions() {
		names = append(names, string(c))
	}
	return "", fmt.Errorf("synth: unknown corruption %q (want one of %s)", s, strings.Join(names, ", "))
}

// NeedsMatch reports whether the kind is built from a generated match.
func (c Corruption) NeedsMatch() bool {
	switch c {
	case CorruptEmptyArray, CorruptZeroBytes, CorruptGzipBomb:
		return false
	}
	return true
}

// DefaultBombSize is the inflated size of a gzip bomb: 1 GiB.
const DefaultBombSize = 1 << 30

// CorruptOptions tune WriteCorrupt.
type CorruptOptions struct {
	// BombSize is how many spaces a gzip bomb inflates to; 0 means
	// DefaultBombSize.
	BombSize int64
}

// WriteCorrupt writes a bad file of the given kind to w. The match is
// required when kind.NeedsMatch(). The content is encoded with e, except
// that zero-bytes is always empty and truncated-gzip and gzip-bomb are gzip
// at least (plain is taken as gzip).
func WriteCorrupt(w io.Writer, kind Corruption, m *Match, e Encoding, opt CorruptOptions) error {
	if kind.NeedsMatch() && m == nil {
		return fmt.Errorf("synth: %s needs a generated match", kind)
	}
	switch kind {
	case CorruptZeroBytes:
		return nil
	case CorruptEmptyArray:
		return encodeWith(w, e, func(w io.Writer) error { _, err := io.WriteString(w, "[]"); return err })
	case CorruptTruncatedJSON:
		cut := m.Size() * 11 / 20
		return encodeWith(w, e, func(w io.Writer) error {
			_, err := m.WriteTo(&limitWriter{w: w, n: cut})
			if errors.Is(err, errLimit) {
				return nil
			}
			if err == nil {
				return errors.New("synth: truncation point past the end")
			}
			return err
		})
	case CorruptTruncatedGzip:
		if e == EncodingPlain {
			e = EncodingGzip
		}
		var buf bytes.Buffer
		if err := m.Encode(&buf, e); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes()[:buf.Len()*3/5])
		return err
	case CorruptObjectTopLevel:
		return encodeWith(w, e, func(w io.Writer) error {
			if _, err := io.WriteString(w, `{"events":`); err != nil {
				return err
			}
			if _, err := m.WriteTo(w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `}`)
			return err
		})
	case CorruptNonUTF8:
		target := m.firstEvent("LogPlayerCreate")
		return encodeWith(w, e, func(w io.Writer) error {
			_, err := m.writeJSON(w, func(i int, ev []byte) []byte {
				if i != target {
					return ev
				}
				// break the first player name: invalid bytes inside the string
				k := bytes.Index(ev, []byte(`"name":"`))
				if k < 0 {
					return ev
				}
				k += len(`"name":"`)
				out := append([]byte(nil), ev[:k]...)
				out = append(out, 0xff, 0xfe, 'x', 0xc3)
				return append(out, ev[k:]...)
			})
			return err
		})
	case CorruptWrongTypes:
		teamAt := m.firstEventAfter("LogPlayerTakeDamage", m.Events()/3)
		xAt := m.firstEventAfter("LogPlayerPosition", m.Events()/2)
		return encodeWith(w, e, func(w io.Writer) error {
			_, err := m.writeJSON(w, func(i int, ev []byte) []byte {
				switch i {
				case teamAt:
					return quoteNumber(ev, `"teamId":`)
				case xAt:
					return quoteNumber(ev, `"x":`)
				}
				return ev
			})
			return err
		})
	case CorruptGzipBomb:
		if e == EncodingPlain {
			e = EncodingGzip
		}
		n := opt.BombSize
		if n <= 0 {
			n = DefaultBombSize
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		ew, closeEnc, err := encoder(bw, e, gzip.BestSpeed)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(ew, "["); err != nil {
			return err
		}
		chunk := bytes.Repeat([]byte{' '}, 1<<20)
		for left := n; left > 0; {
			k := min(left, int64(len(chunk)))
			if _, err := ew.Write(chunk[:k]); err != nil {
				return err
			}
			left -= k
		}
		if _, err := io.WriteString(ew, "]"); err != nil {
			return err
		}
		if err := closeEnc(); err != nil {
			return err
		}
		return bw.Flush()
	}
	return fmt.Errorf("synth: unknown corruption %q", kind)
}

// WriteCorruptMatch writes a bad file where the match's telemetry would go
// (<dir>/matchID=<id>/raw.json[.gz]).
func WriteCorruptMatch(dir string, kind Corruption, m *Match, e Encoding, opt CorruptOptions) (Output, error) {
	name := e
	if (kind == CorruptTruncatedGzip || kind == CorruptGzipBomb) && e == EncodingPlain {
		name = EncodingGzip
	}
	return writeFile(MatchFilePath(dir, m.ID, name), func(w io.Writer) error {
		return WriteCorrupt(w, kind, m, e, opt)
	})
}

// quoteNumber turns the first number after key into a string.
func quoteNumber(ev []byte, key string) []byte {
	k := bytes.Index(ev, []byte(key))
	if k < 0 {
		return ev
	}
	k += len(key)
	end := k
	for end < len(ev) && strings.IndexByte("-+.eE0123456789", ev[end]) >= 0 {
		end++
	}
	if end == k {
		return ev
	}
	out := append([]byte(nil), ev[:k]...)
	out = append(out, '"')
	out = append(out, ev[k:end]...)
	out = append(out, '"')
	return append(out, ev[end:]...)
}

func (m *Match) firstEvent(typ string) int { return m.firstEventAfter(typ, 0) }

// firstEventAfter is the index of the first event of type typ at or after
// index from (searching from the start when there is none), or -1.
func (m *Match) firstEventAfter(typ string, from int) int {
	needle := []byte(`"_T":"` + typ + `"`)
	for pass := 0; pass < 2; pass++ {
		for i := from; i < m.Events(); i++ {
			if bytes.Contains(m.event(i), needle) {
				return i
			}
		}
		from = 0
	}
	return -1
}

var errLimit = errors.New("synth: write limit reached")

// limitWriter passes through n bytes, then fails with errLimit.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errLimit
	}
	if int64(len(p)) > l.n {
		k, err := l.w.Write(p[:l.n])
		l.n -= int64(k)
		if err != nil {
			return k, err
		}
		return k, errLimit
	}
	k, err := l.w.Write(p)
	l.n -= int64(k)
	return k, err
}
