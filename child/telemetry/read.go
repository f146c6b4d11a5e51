package telemetry

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// Read decodes telemetry from r: plain JSON, gzip, or gzip inside gzip,
// told apart by the gzip magic bytes. maxBytes (DefaultMaxBytes if <= 0)
// bounds the decompressed size, so a decompression bomb fails fast with
// ErrTooLarge instead of exhausting memory. The event array is parsed in one
// streaming pass; only the kinds some extractor reads are kept.
func Read(ctx context.Context, r io.Reader, name string, maxBytes int64) (*Match, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	plain, closeFn, err := decompress(r, name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	lr := &limitReader{r: plain, left: maxBytes, max: maxBytes, name: name}
	m := &Match{}
	d := &decoder{s: newScanner(lr, name), path: name, m: m}
	if err := d.decodeArray(ctx); err != nil {
		return nil, err
	}
	m.Events = d.events()
	m.DecompressedBytes = maxBytes - lr.left
	return m, nil
}

var gzipMagic = []byte{0x1f, 0x8b}

// decompress peels up to two gzip layers, each detected by its magic bytes.
func decompress(r io.Reader, name string) (io.Reader, func(), error) {
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	br := bufio.NewReaderSize(&fileErrReader{r: r, name: name}, 64<<10)
	head, err := br.Peek(2)
	if len(head) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, nil, newErr(ErrEmptyFile, name, -1, errors.New("file is empty"))
		}
		return nil, nil, newErr(ErrUnreadable, name, -1, err)
	}
	var cur io.Reader = br
	for layer := 1; layer <= 2; layer++ {
		b, ok := cur.(*bufio.Reader)
		if !ok {
			b = bufio.NewReaderSize(cur, 64<<10)
		}
		head, err := b.Peek(2)
		if err != nil && !errors.Is(err, io.EOF) {
			closeAll()
			return nil, nil, asReadErr(err, name)
		}
		if len(head) < 2 || head[0] != gzipMagic[0] || head[1] != gzipMagic[1] {
			return b, closeAll, nil
		}
		zr, err := gzip.NewReader(b)
		if err != nil {
			closeAll()
			return nil, nil, asReadErr(fmt.Errorf("gzip layer %d: %w", layer, err), name)
		}
		closers = append(closers, zr)
		cur = &gzipErrReader{r: zr, name: name, layer: layer}
	}
	return cur, closeAll, nil
}

// asReadErr keeps a telemetry error as is and files anything else from a
// gzip stream as corrupt.
func asReadErr(err error, name string) error {
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return newErr(ErrCorruptGzip, name, -1, fmt.Errorf("truncated gzip stream: %w", err))
	}
	return newErr(ErrCorruptGzip, name, -1, err)
}

// gzipErrReader turns decompression failures into ErrCorruptGzip.
type gzipErrReader struct {
	r     io.Reader
	name  string
	layer int
}

func (g *gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, asReadErr(fmt.Errorf("gzip layer %d: %w", g.layer, err), g.name)
	}
	return n, err
}

// fileErrReader files read errors of the underlying file as ErrUnreadable.
type fileErrReader struct {
	r    io.Reader
	name string
}

func (f *fileErrReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		var te *Error
		if !errors.As(err, &te) {
			err = newErr(ErrUnreadable, f.name, -1, err)
		}
	}
	return n, err
}

// limitReader fails once more than max bytes were produced.
type limitReader struct {
	r    io.Reader
	left int64
	max  int64
	name string
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Probe for one more byte: exactly max bytes is still fine.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, newErr(ErrTooLarge, l.name, l.max, fmt.Errorf("decompressed telemetry exceeds %d bytes", l.max))
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
