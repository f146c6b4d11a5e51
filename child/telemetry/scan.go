package telemetry

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxDepth bounds container nesting. CPython's json module recurses per
// container and fails near its default recursion limit of 1000, so a file
// nested deeper fails there too; failing here also keeps a crafted file from
// exhausting the goroutine stack.
const maxDepth = 1000

// scanner is a single-pass JSON tokenizer over a byte stream. It owns one
// growable buffer: token bytes are returned as slices into it (valid until
// the next read) so values that are skipped or immediately converted never
// allocate. Bytes are UTF-8 validated as they arrive, because CPython decodes
// the whole file as UTF-8 before parsing and rejects the file otherwise.
type scanner struct {
	r       io.Reader
	buf     []byte
	pos     int   // next unread byte
	end     int   // buf[:end] holds data
	base    int64 // stream offset of buf[0]
	checked int   // buf[:checked] is valid UTF-8
	eof     bool
	rerr    error  // a non-EOF read error, returned as is
	scratch []byte // unescaped string bytes
	path    string
	// mark, when >= 0, is an index the buffer keeps (the start of the event
	// being decoded) so decoding can restart there. A mark that would hold
	// more than markLimit bytes is dropped (markLost) to keep memory bounded.
	mark     int
	markLost bool
}

const markLimit = 1 << 20

const scanBufSize = 256 << 10

// newScanner reads r through buf if it has the standard size (a buffer
// kept from an earlier read), or a new buffer.
func newScanner(r io.Reader, path string, buf []byte) *scanner {
	if len(buf) != scanBufSize {
		buf = make([]byte, scanBufSize)
	}
	return &scanner{r: r, buf: buf, path: path, mark: -1}
}

// offset is the stream position of the next unread byte.
func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

func (s *scanner) syntax(at int, format string, args ...any) *Error {
	return newErr(ErrBadJSON, s.path, s.base+int64(at), fmt.Errorf(format, args...))
}

func (s *scanner) truncated() error {
	if s.rerr != nil {
		return s.rerr
	}
	return newErr(ErrTruncated, s.path, s.base+int64(s.end), errors.New("unexpected end of JSON input"))
}

// fill reads more input, first discarding buf[:keep] (keep <= every index
// the caller still needs). It returns how far indices moved left; callers
// subtract it from the indices they hold. At end of input it returns an
// error: the read error, or io.EOF.
func (s *scanner) fill(keep int) (int, error) {
	if s.rerr != nil {
		return 0, s.rerr
	}
	if s.eof {
		return 0, io.EOF
	}
	if s.mark >= 0 {
		if s.end-s.mark > markLimit {
			s.mark, s.markLost = -1, true
		} else if s.mark < keep {
			keep = s.mark
		}
	}
	if keep > s.checked {
		// Bytes about to be dropped must be validated on their own.
		if err := s.validate(s.checked, keep, true); err != nil {
			return 0, err
		}
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:s.end])
		s.end = n
		s.pos -= keep
		if s.mark >= 0 {
			s.mark -= keep
		}
		s.checked -= keep
		if s.checked < 0 {
			s.checked = 0
		}
		s.base += int64(keep)
	}
	if s.end == len(s.buf) {
		// One token is longer than the buffer: grow. The decompressed size
		// limit bounds how far this can go.
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.eof = true
			} else {
				s.rerr = err
			}
		}
		if n > 0 || err != nil {
			if verr := s.validate(s.checked, s.end, s.eof || s.rerr != nil); verr != nil {
				return 0, verr
			}
			if n > 0 {
				return keep, nil
			}
			if s.rerr != nil {
				return keep, s.rerr
			}
			return keep, io.EOF
		}
	}
}

// validate checks buf[from:to] is UTF-8. Unless final, a multi-byte
// sequence cut by the end of the buffer is left for the next read.
func (s *scanner) validate(from, to int, final bool) error {
	stop := to
	if !final {
		// Back up over a possibly incomplete trailing sequence.
		for k := 1; k <= utf8.UTFMax-1 && to-k >= from; k++ {
			c := s.buf[to-k]
			if c < utf8.RuneSelf {
				break
			}
			if utf8.RuneStart(c) {
				if !utf8.FullRune(s.buf[to-k : to]) {
					stop = to - k
				}
				break
			}
		}
	}
	if utf8.Valid(s.buf[from:stop]) {
		s.checked = stop
		return nil
	}
	i := from
	for i < stop {
		r, size := utf8.DecodeRune(s.buf[i:stop])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	return newErr(ErrBadJSON, s.path, s.base+int64(i), errors.New("invalid UTF-8 byte sequence"))
}

// peek returns the next non-whitespace byte without consuming it. The
// common case is a non-space byte already in the buffer; the rest is
// peekSlow.
func (s *scanner) peek() (byte, error) {
	if s.pos < s.end {
		if c := s.buf[s.pos]; c > ' ' {
			return c, nil
		}
	}
	return s.peekSlow()
}

func (s *scanner) peekSlow() (byte, error) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
				return c, nil
			}
			s.pos++
		}
		if _, err := s.fill(s.pos); err != nil {
			if errors.Is(err, io.EOF) {
				return 0, s.truncated()
			}
			return 0, err
		}
	}
}

// peekEOF is peek that reports a clean end of input as (0, false, nil).
func (s *scanner) peekEOF() (byte, bool, error) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
				return c, true, nil
			}
			s.pos++
		}
		if _, err := s.fill(s.pos); err != nil {
			if errors.Is(err, io.EOF) {
				return 0, false, nil
			}
			return 0, false, err
		}
	}
}

// expect consumes the next non-whitespace byte, which must be c.
func (s *scanner) expect(c byte, what string) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.syntax(s.pos, "expected %s, found %q", what, got)
	}
	s.pos++
	return nil
}

// enter consumes the opening byte of a container that close ends and peeks
// at what follows: more is false for an empty container (close consumed).
func (s *scanner) enter(close byte) (c byte, more bool, err error) {
	s.pos++
	if c, err = s.peek(); err != nil {
		return 0, false, err
	}
	if c == close {
		s.pos++
		return c, false, nil
	}
	return c, true, nil
}

// next consumes what follows a member of a container that close ends: after
// ',' it returns the first byte of the next member and more; after close,
// more is false. Anything else is a syntax error, which names event when it
// is >= 0.
func (s *scanner) next(close byte, event int) (c byte, more bool, err error) {
	if c, err = s.peek(); err != nil {
		return 0, false, err
	}
	switch c {
	case ',':
		s.pos++
		c, err = s.peek()
		return c, err == nil, err
	case close:
		s.pos++
		return c, false, nil
	}
	if event >= 0 {
		return c, false, s.syntax(s.pos, "expected ',' or '%c' in event %d, found %q", close, event, c)
	}
	return c, false, s.syntax(s.pos, "expected ',' or '%c', found %q", close, c)
}

// strClass marks the bytes that end the fast path inside a string.
var strClass = func() (t [256]byte) {
	for c := 0; c < 0x20; c++ {
		t[c] = 1
	}
	t['"'], t['\\'] = 1, 1
	return
}()

// strStop marks, in eight string bytes read little-endian, those that end
// the fast path (the strClass bytes: '"', '\\' and control characters) by
// setting their top bits. Only the lowest marked byte is certain (a borrow
// can mark a byte above a real match), and it is the only one used.
func strStop(w uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := w ^ (lo * '"')
	b := w ^ (lo * '\\')
	return ((q-lo)&^q | (b-lo)&^b | (w-lo*0x20)&^w) & hi
}

// maxToken bounds a string or number the decoder has to hold whole (keys
// and kept values). Telemetry's longest are a few hundred bytes; skipped
// strings stream through and have no limit.
const maxToken = 16 << 20

// readString consumes a string (s.buf[s.pos] == '"') and returns its
// decoded bytes. They alias the buffer or the scratch space and are valid
// only until the next scanner call.
func (s *scanner) readString() ([]byte, error) {
	b, _, err := s.scanString(true)
	return b, err
}

// skipString consumes a string without keeping it and reports whether it
// is non-empty (its Python truthiness).
func (s *scanner) skipString() (bool, error) {
	_, nonEmpty, err := s.scanString(false)
	return nonEmpty, err
}

// scanString checks the syntax of a string. When retain is false the bytes
// already checked are released at each refill, so a huge skipped string
// needs no memory.
func (s *scanner) scanString(retain bool) ([]byte, bool, error) {
	start := s.pos + 1
	i := start
	esc := false
	nonEmpty := false
	for {
	scan:
		for i < s.end {
			if i+8 <= s.end {
				// Eight bytes at a time while none of them ends the fast path.
				m := strStop(binary.LittleEndian.Uint64(s.buf[i : i+8]))
				if m == 0 {
					i += 8
					continue
				}
				i += bits.TrailingZeros64(m) >> 3
			}
			c := s.buf[i]
			if strClass[c] == 0 {
				i++
				continue
			}
			switch c {
			case '"':
				s.pos = i + 1
				nonEmpty = nonEmpty || i > start
				if !retain {
					return nil, nonEmpty, nil
				}
				if esc {
					b, err := s.unescape(s.buf[start:i])
					return b, len(b) > 0, err
				}
				return s.buf[start:i], i > start, nil
			case '\\':
				if i+1 >= s.end {
					break scan
				}
				e := s.buf[i+1]
				if e == 'u' {
					if i+6 > s.end {
						break scan
					}
					for _, h := range s.buf[i+2 : i+6] {
						if unhex(h) < 0 {
							return nil, false, s.syntax(i, "invalid \\u escape")
						}
					}
					i += 6
				} else {
					switch e {
					case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					default:
						return nil, false, s.syntax(i, "invalid escape \\%c", e)
					}
					i += 2
				}
				esc = true
			default:
				return nil, false, s.syntax(i, "invalid control character in string")
			}
		}
		keep := start - 1
		if !retain {
			nonEmpty = nonEmpty || i > start
			keep, start = i, i
		} else if i-start > maxToken {
			return nil, false, s.syntax(start, "string longer than %d bytes", maxToken)
		}
		shift, err := s.fill(keep)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, false, s.truncated()
			}
			return nil, false, err
		}
		start -= shift
		i -= shift
	}
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unescape decodes a validated escaped string body into scratch. Surrogate
// pairs combine; a lone surrogate becomes U+FFFD (Go strings are UTF-8, so
// CPython's lone-surrogate str has no exact counterpart).
func (s *scanner) unescape(raw []byte) ([]byte, error) {
	out := s.scratch[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if r2 := hex4(raw[i+3 : i+7]); utf16.DecodeRune(r, r2) != utf8.RuneError {
						r = utf16.DecodeRune(r, r2)
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		}
	}
	s.scratch = out
	return out, nil
}

func hex4(b []byte) rune {
	return rune(unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3]))
}

// numChars are the bytes that may appear in a JSON number.
var numChars = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return
}()

// number is a scanned numeric token.
type number struct {
	raw   []byte // valid until the next scanner call
	isInt bool   // no fraction or exponent: a Python int
	f     float64
}

// readNumber consumes a number. CPython also accepts NaN, Infinity and
// -Infinity, so they are accepted here too.
func (s *scanner) readNumber() (number, error) {
	return s.number(true)
}

// number scans a number; with convert false it only checks the syntax and
// the truthiness (for values that are skipped), leaving f as 0 or 1.
func (s *scanner) number(convert bool) (number, error) {
	start := s.pos
	i := start
	for {
		for i < s.end && numChars[s.buf[i]] {
			i++
		}
		if i < s.end || s.eof || s.rerr != nil {
			break
		}
		if i-start > maxToken {
			return number{}, s.syntax(start, "number longer than %d bytes", maxToken)
		}
		shift, err := s.fill(start)
		if err != nil && !errors.Is(err, io.EOF) {
			return number{}, err
		}
		start -= shift
		i -= shift
	}
	raw := s.buf[start:i]
	if len(raw) == 1 && raw[0] == '-' || len(raw) == 0 {
		// "-Infinity" or garbage.
		if ok, err := s.literal(start, "-Infinity"); err != nil || ok {
			if err != nil {
				return number{}, err
			}
			return number{raw: []byte("-Infinity"), f: negInf}, nil
		}
		return number{}, s.syntax(start, "invalid number")
	}
	if convert {
		if f, ok := parseDecimal(raw); ok {
			s.pos = i
			return number{raw: raw, isInt: bytes.IndexByte(raw, '.') < 0, f: f}, nil
		}
	}
	isInt, ok := numberGrammar(raw)
	if !ok {
		if i >= s.end {
			return number{}, s.truncated()
		}
		return number{}, s.syntax(start, "invalid number %q", raw)
	}
	s.pos = i
	if !convert && isInt {
		// An integer is truthy unless all its digits are zero.
		for _, c := range raw {
			if c >= '1' && c <= '9' {
				return number{raw: raw, isInt: true, f: 1}, nil
			}
		}
		return number{raw: raw, isInt: true}, nil
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return number{}, s.syntax(start, "invalid number %q", raw)
	}
	return number{raw: raw, isInt: isInt, f: f}, nil
}

var negInf = -posInf()

func posInf() float64 { f, _ := strconv.ParseFloat("+Inf", 64); return f }

// numberGrammar checks raw against JSON's number grammar.
func numberGrammar(raw []byte) (isInt, ok bool) {
	i := 0
	if i < len(raw) && raw[i] == '-' {
		i++
	}
	switch {
	case i < len(raw) && raw[i] == '0':
		i++
	case i < len(raw) && raw[i] >= '1' && raw[i] <= '9':
		i = digits(raw, i)
	default:
		return false, false
	}
	isInt = true
	if i < len(raw) && raw[i] == '.' {
		isInt = false
		d := i + 1
		if i = digits(raw, d); i == d {
			return false, false
		}
	}
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		isInt = false
		i++
		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			i++
		}
		d := i
		if i = digits(raw, d); i == d {
			return false, false
		}
	}
	return isInt, i == len(raw)
}

// digits returns the index of the first byte at or after i in raw that is
// not a decimal digit.
func digits(raw []byte, i int) int {
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	return i
}

// literal reports whether the input at index at spells word; if so it is
// consumed.
func (s *scanner) literal(at int, word string) (bool, error) {
	for s.end-at < len(word) {
		if s.eof || s.rerr != nil {
			if string(s.buf[at:s.end]) == word[:s.end-at] {
				return false, s.truncated()
			}
			return false, nil
		}
		shift, err := s.fill(at)
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		at -= shift
	}
	if string(s.buf[at:at+len(word)]) != word {
		return false, nil
	}
	s.pos = at + len(word)
	return true, nil
}

// value kinds returned by skipValue.
const (
	vNull = iota
	vFalse
	vTrue
	vNumber
	vString
	vArray
	vObject
)

// skipValue consumes any JSON value, checking its syntax, and returns its
// type and Python truthiness.
func (s *scanner) skipValue(depth int) (kind int, truthy bool, err error) {
	c, err := s.peek()
	if err != nil {
		return 0, false, err
	}
	switch c {
	case '"':
		t, err := s.skipString()
		return vString, t, err
	case '{':
		if t, ok := s.skipFast(depth); ok {
			return vObject, t, nil
		}
		t, err := s.skipContainer(depth+1, '{', '}')
		return vObject, t, err
	case '[':
		if t, ok := s.skipFast(depth); ok {
			return vArray, t, nil
		}
		t, err := s.skipContainer(depth+1, '[', ']')
		return vArray, t, err
	case 't':
		return s.word("true", vTrue, true)
	case 'f':
		return s.word("false", vFalse, false)
	case 'n':
		return s.word("null", vNull, false)
	case 'N':
		return s.word("NaN", vNumber, true)
	case 'I':
		return s.word("Infinity", vNumber, true)
	}
	if c == '-' || (c >= '0' && c <= '9') {
		n, err := s.number(false)
		return vNumber, n.f != 0, err
	}
	return 0, false, s.syntax(s.pos, "unexpected character %q", c)
}

func (s *scanner) word(w string, kind int, truthy bool) (int, bool, error) {
	ok, err := s.literal(s.pos, w)
	if err != nil {
		return 0, false, err
	}
	if !ok {
		return 0, false, s.syntax(s.pos, "invalid literal")
	}
	return kind, truthy, nil
}

// skipContainer consumes an object or array; truthy means non-empty.
func (s *scanner) skipContainer(depth int, open, close byte) (bool, error) {
	if depth > maxDepth {
		return false, s.syntax(s.pos, "nesting deeper than %d", maxDepth)
	}
	c, more, err := s.enter(close)
	truthy := more
	for more && err == nil {
		if open == '{' {
			if c != '"' {
				return false, s.syntax(s.pos, "expected object key, found %q", c)
			}
			if _, err := s.readString(); err != nil {
				return false, err
			}
			if err := s.expect(':', "':'"); err != nil {
				return false, err
			}
		}
		if _, _, err := s.skipValue(depth); err != nil {
			return false, err
		}
		c, more, err = s.next(close, -1)
	}
	return truthy && err == nil, err
}

// skipFast is skipContainer's fast path for the common case: the container
// opening at s.buf[s.pos] lies wholly in the buffer and is well formed. It
// walks the bytes in one loop (no call per token, no refills) with the open
// containers as bits of one word. Whatever it is not sure of (the buffer
// ends first, anything malformed, NaN/Infinity, a control character in a
// string, nesting deeper than 64 levels or than maxDepth) makes it give up
// with ok=false and s.pos untouched: skipContainer then runs from the same
// byte and says exactly what it always said. depth is skipValue's.
func (s *scanner) skipFast(depth int) (truthy, ok bool) {
	buf := s.buf[:s.end]
	i := s.pos
	limit := min(64, maxDepth-depth) // containers open at once
	var objects uint64               // bit k: the k-th open container is an object
	open := 0
	for {
		// buf[i] starts a value.
		switch c := buf[i]; {
		case c == '{' || c == '[':
			// >=, not ==: skipValue never runs deeper than maxDepth, so
			// limit is not negative, but if it were this must give up.
			if open >= limit {
				return false, false
			}
			if c == '{' {
				objects |= 1 << open
			} else {
				objects &^= 1 << open
			}
			open++
			if i = skipSpace(buf, i+1); i >= len(buf) {
				return false, false
			}
			if buf[i] == c+2 { // '{'+2 == '}', '['+2 == ']'
				open--
				i++
				break
			}
			if open == 1 {
				truthy = true
			}
			if c == '{' {
				if i = skipKey(buf, i); i < 0 {
					return false, false
				}
			}
			continue
		case c == '"':
			if i = skipStr(buf, i); i < 0 {
				return false, false
			}
		case c == '-' || c >= '0' && c <= '9':
			if i = skipNumber(buf, i); i < 0 {
				return false, false
			}
		case c == 't' && hasWord(buf, i, "true"), c == 'n' && hasWord(buf, i, "null"):
			i += 4
		case c == 'f' && hasWord(buf, i, "false"):
			i += 5
		default:
			return false, false
		}
		// A value ended at i: close containers until one continues.
		for {
			if open == 0 {
				s.pos = i
				return truthy, true
			}
			if i = skipSpace(buf, i); i >= len(buf) {
				return false, false
			}
			inObject := objects&(1<<(open-1)) != 0
			switch buf[i] {
			case ',':
				if i = skipSpace(buf, i+1); i >= len(buf) {
					return false, false
				}
				if inObject {
					if i = skipKey(buf, i); i < 0 {
						return false, false
					}
				}
			case '}', ']':
				if (buf[i] == '}') != inObject {
					return false, false
				}
				open--
				i++
				continue
			default:
				return false, false
			}
			break
		}
	}
}

// skipNumber returns the index after the number starting at buf[i], checked
// against JSON's grammar in one pass, or -1 when it is malformed, when more
// number bytes follow it (skipContainer would read those as part of the
// token and refuse it), or when it reaches the end of buf.
func skipNumber(buf []byte, i int) int {
	if buf[i] == '-' {
		i++
	}
	switch {
	case i >= len(buf):
		return -1
	case buf[i] == '0':
		i++
	case buf[i] >= '1' && buf[i] <= '9':
		i = digits(buf, i+1)
	default:
		return -1
	}
	if i < len(buf) && buf[i] == '.' {
		d := i + 1
		if i = digits(buf, d); i == d {
			return -1
		}
	}
	if i < len(buf) && (buf[i] == 'e' || buf[i] == 'E') {
		i++
		if i < len(buf) && (buf[i] == '+' || buf[i] == '-') {
			i++
		}
		d := i
		if i = digits(buf, d); i == d {
			return -1
		}
	}
	if i >= len(buf) || numChars[buf[i]] {
		return -1
	}
	return i
}

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(buf []byte, i int) int {
	// Telemetry is compact JSON: the first byte is nearly always not space,
	// and one comparison says so (every space byte is <= ' ').
	for i < len(buf) && buf[i] <= ' ' && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') {
		i++
	}
	return i
}

// skipKey consumes `"key" :` and the whitespace after it, returning the index
// of the value's first byte, or -1 when that is not all in buf or not well formed.
func skipKey(buf []byte, i int) int {
	if buf[i] != '"' {
		return -1
	}
	if i = skipStr(buf, i); i < 0 {
		return -1
	}
	if i = skipSpace(buf, i); i >= len(buf) || buf[i] != ':' {
		return -1
	}
	if i = skipSpace(buf, i+1); i >= len(buf) {
		return -1
	}
	return i
}

// keyAhead is the fast path for an object key: `"key":`, compact, with no
// escape, wholly in the buffer (s.buf[s.pos] == '"'). It consumes the key
// and its colon and returns the key's bytes (valid until the next read).
// Otherwise it returns ok=false having consumed nothing, and the caller
// reads the key with readString and expect, which say what is wrong.
func (s *scanner) keyAhead() (key []byte, ok bool) {
	buf := s.buf[:s.end]
	start := s.pos + 1
	i := stringStop(buf, start)
	if i+1 < len(buf) && buf[i] == '"' && buf[i+1] == ':' {
		s.pos = i + 2
		return buf[start:i], true
	}
	return nil, false
}

// stringStop returns the index of the first byte at or after i that ends
// the fast path inside a string (a strClass byte), or len(buf).
func stringStop(buf []byte, i int) int {
	for i+8 <= len(buf) {
		if m := strStop(binary.LittleEndian.Uint64(buf[i : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(buf) && strClass[buf[i]] == 0 {
		i++
	}
	return i
}

// skipStr returns the index after the string opening at buf[i], or -1 when
// it does not end in buf or holds a control character or a bad escape.
func skipStr(buf []byte, i int) int {
	i++
	for {
		if i = stringStop(buf, i); i >= len(buf) {
			return -1
		}
		switch c := buf[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			if i+1 >= len(buf) {
				return -1
			}
			switch buf[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(buf) {
					return -1
				}
				for _, h := range buf[i+2 : i+6] {
					if unhex(h) < 0 {
						return -1
					}
				}
				i += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
}

// hasWord reports whether buf holds word at i.
func hasWord(buf []byte, i int, word string) bool {
	return len(buf)-i >= len(word) && string(buf[i:i+len(word)]) == word
}

// testNoXYZ turns xyzAhead off, for the tests that compare it with the
// general decoder.
var testNoXYZ bool

// xyzAhead is the fast path for the one shape every telemetry location has,
// {"x":<number>,"y":<number>,"z":<number>}, compact and wholly in the
// buffer (s.buf[s.pos] == '{'), with numbers parseDecimal converts. It
// consumes the object and returns its values; anything else (other keys or
// order, whitespace, null, NaN, an exponent, the buffer ending) returns
// ok=false with nothing consumed, and the general decoder reads the object.
func (s *scanner) xyzAhead() (v Vec3, ok bool) {
	if testNoXYZ {
		return Vec3{}, false
	}
	buf := s.buf[s.pos:s.end]
	i := 0
	for k, key := range [3]string{`{"x":`, `,"y":`, `,"z":`} {
		if !hasWord(buf, i, key) {
			return Vec3{}, false
		}
		i += len(key)
		j := i
		for j < len(buf) && numChars[buf[j]] {
			j++
		}
		if j >= len(buf) {
			return Vec3{}, false
		}
		f, ok := parseDecimal(buf[i:j])
		if !ok {
			return Vec3{}, false
		}
		switch k {
		case 0:
			v.X = f
		case 1:
			v.Y = f
		default:
			v.Z = f
		}
		i = j
	}
	if i >= len(buf) || buf[i] != '}' {
		return Vec3{}, false
	}
	s.pos += i + 1
	return v, true
}
