package telemetry

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

const (
	// maxGzipLayers: telemetry arrives plain, gzipped, or gzipped twice.
	maxGzipLayers = 2
	// maxGzipMembers bounds the members of one gzip layer. Real files have
	// one; block-gzip tools write one per 64 KiB, so this allows 4 GiB of
	// them, far past any size limit, while a run of millions of empty
	// members (each 20 bytes that inflate to nothing) fails in milliseconds.
	maxGzipMembers = 1 << 16
	layerBufSize   = 64 << 10
)

// Read decodes telemetry from r: plain JSON, gzip, or gzip inside gzip,
// told apart by the gzip magic bytes. maxBytes (DefaultMaxBytes if <= 0)
// bounds the decompressed size, so a decompression bomb fails fast with
// ErrTooLarge instead of exhausting memory; the input of every gzip layer is
// bounded too (see layerInputLimit), and every layer stops once ctx ends. The
// event array is parsed in one streaming pass; only the kinds some extractor
// reads are kept.
func Read(ctx context.Context, r io.Reader, name string, maxBytes int64) (*Match, error) {
	return read(ctx, r, name, maxBytes, nil)
}

// Read is Read reusing b's memory; the Match is valid until b's next Read.
// A nil b reads as Read does.
func (b *Buffers) Read(ctx context.Context, r io.Reader, name string, maxBytes int64) (*Match, error) {
	return read(ctx, r, name, maxBytes, b)
}

func read(ctx context.Context, r io.Reader, name string, maxBytes int64, b *Buffers) (*Match, error) {
	if b == nil {
		b = &Buffers{}
	}
	b.reset()
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	plain, closeFn, err := decompress(ctx, r, name, maxBytes)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	lr := &limitReader{ctx: ctx, r: plain, left: maxBytes, tooLarge: func() error {
		return newErr(ErrTooLarge, name, maxBytes, fmt.Errorf("decompressed telemetry exceeds %d bytes", maxBytes))
	}}
	m := &Match{}
	d := &decoder{s: newScanner(lr, name, b.scan), path: name, m: m, b: b}
	defer func() {
		if len(d.s.buf) == scanBufSize { // a buffer grown for a huge token is not kept
			b.scan = d.s.buf
		}
	}()
	if err := d.decodeArray(ctx); err != nil {
		return nil, err
	}
	m.Events = d.events()
	m.DecompressedBytes = maxBytes - lr.left
	return m, nil
}

// layerInputLimit bounds the bytes one gzip layer may consume. The final
// limit alone does not: a layer can eat input for ever and produce nothing
// (empty members, empty deflate blocks), and in a doubly gzipped file the
// outer layer's output is the inner layer's input. Compressed data is never
// much larger than what it inflates to (stored blocks add 5 bytes per
// 64 KiB, each member 18), so maxBytes plus a generous margin is ample for
// any file whose JSON fits in maxBytes.
func layerInputLimit(maxBytes int64) int64 {
	limit := maxBytes + maxBytes/64 + layerBufSize
	if limit < maxBytes { // overflow
		return maxBytes
	}
	return limit
}

var gzipMagic = []byte{0x1f, 0x8b}

// decompress peels up to two gzip layers, each detected by its magic bytes.
// Each layer reads through a limitReader that bounds its input and checks
// ctx, and inflates one member at a time (see members).
func decompress(ctx context.Context, r io.Reader, name string, maxBytes int64) (io.Reader, func(), error) {
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	limit := layerInputLimit(maxBytes)
	src := bufio.NewReaderSize(boundInput(ctx, &fileErrReader{r: r, name: name}, limit, name, "the file"), layerBufSize)
	head, err := src.Peek(2)
	if len(head) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, nil, newErr(ErrEmptyFile, name, -1, errors.New("file is empty"))
		}
		return nil, nil, asReadErr(err, name)
	}
	for layer := 1; ; layer++ {
		head, err := src.Peek(2)
		if err != nil && !errors.Is(err, io.EOF) {
			closeAll()
			return nil, nil, asReadErr(err, name)
		}
		if len(head) < 2 || head[0] != gzipMagic[0] || head[1] != gzipMagic[1] {
			return src, closeAll, nil
		}
		zr, err := openMembers(ctx, src, name, layer)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		closers = append(closers, zr)
		out := boundInput(ctx, zr, limit, name, fmt.Sprintf("gzip layer %d output", layer))
		if layer == maxGzipLayers {
			return out, closeAll, nil
		}
		src = bufio.NewReaderSize(out, layerBufSize)
	}
}

// boundInput wraps a layer's input: at most limit bytes, none after ctx ends.
func boundInput(ctx context.Context, r io.Reader, limit int64, name, what string) *limitReader {
	return &limitReader{ctx: ctx, r: r, left: limit, tooLarge: func() error {
		return newErr(ErrTooLarge, name, -1, fmt.Errorf("%s exceeds %d bytes (a decompression bomb?)", what, limit))
	}}
}

// members inflates one gzip layer member by member. The gzip reader's own
// multistream mode moves to the next member inside a single Read, so a run
// of millions of empty members would be consumed without ever returning;
// here every member boundary comes back to Read, which counts the members
// and checks ctx.
type members struct {
	ctx   context.Context
	zr    *gzip.Reader
	src   *bufio.Reader
	name  string
	layer int
	n     int // members started
}

func openMembers(ctx context.Context, src *bufio.Reader, name string, layer int) (*members, error) {
	zr, err := gzip.NewReader(src)
	if err != nil {
		return nil, asReadErr(fmt.Errorf("gzip layer %d: %w", layer, err), name)
	}
	zr.Multistream(false)
	return &members{ctx: ctx, zr: zr, src: src, name: name, layer: layer, n: 1}, nil
}

func (m *members) Read(p []byte) (int, error) {
	for {
		n, err := m.zr.Read(p)
		if err != io.EOF { // the gzip reader's end of one member is exactly io.EOF
			if err != nil {
				err = asReadErr(fmt.Errorf("gzip layer %d: %w", m.layer, err), m.name)
			}
			return n, err
		}
		more, err := m.next()
		if err != nil {
			return n, err
		}
		if !more {
			return n, io.EOF
		}
		if n > 0 {
			return n, nil
		}
	}
}

// next starts the member after the one just finished, if there is one.
func (m *members) next() (bool, error) {
	if _, err := m.src.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, asReadErr(err, m.name)
	}
	if err := m.ctx.Err(); err != nil {
		return false, err
	}
	if m.n >= maxGzipMembers {
		return false, newErr(ErrTooLarge, m.name, -1, fmt.Errorf("gzip layer %d has more than %d members (a decompression bomb?)", m.layer, maxGzipMembers))
	}
	if err := m.zr.Reset(m.src); err != nil {
		return false, asReadErr(fmt.Errorf("gzip layer %d member %d: %w", m.layer, m.n+1, err), m.name)
	}
	m.zr.Multistream(false)
	m.n++
	return true, nil
}

func (m *members) Close() error { return m.zr.Close() }

// asReadErr keeps a telemetry error or a cancellation as is and files
// anything else from a gzip stream as corrupt.
func asReadErr(err error, name string) error {
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return newErr(ErrCorruptGzip, name, -1, fmt.Errorf("truncated gzip stream: %w", err))
	}
	return newErr(ErrCorruptGzip, name, -1, err)
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

// limitReader fails with tooLarge once more than its limit was read, and
// with ctx's error once ctx has ended: a read that loops over input that
// yields nothing still comes back here for more input.
type limitReader struct {
	ctx      context.Context
	r        io.Reader
	left     int64
	tooLarge func() error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	if l.left <= 0 {
		// Probe for one more byte: exactly the limit is still fine.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, l.tooLarge()
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
