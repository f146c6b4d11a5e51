package telemetry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/pewstats/collector/child/telemetry"
)

// gzipMember compresses payload into one gzip member.
func gzipMember(payload []byte) []byte {
	var b bytes.Buffer
	w, _ := kgzip.NewWriterLevel(&b, kgzip.BestCompression)
	w.Write(payload)
	w.Close()
	return b.Bytes()
}

// gzipHeader is a bare gzip member header (deflate, no flags); a deflate
// stream must follow.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// emptyStoredBlocks is n non-final, empty deflate stored blocks: each is a
// block header padded to a byte, LEN 0 and NLEN 0xffff. They inflate to
// nothing, so a stream of them never ends and never produces a byte.
func emptyStoredBlocks(n int) []byte {
	return bytes.Repeat([]byte{0, 0, 0, 0xff, 0xff}, n)
}

// endless yields head, then unit again and again, until the test ends, so
// a reader that never gives up fails the test instead of hanging it.
type endless struct {
	head, unit []byte
	off        int
	stop       *atomic.Bool
	read       atomic.Int64
}

func newEndless(t *testing.T, head, unit []byte) *endless {
	e := &endless{head: head, unit: unit, stop: new(atomic.Bool)}
	t.Cleanup(func() { e.stop.Store(true) })
	return e
}

func (e *endless) Read(p []byte) (int, error) {
	if e.stop.Load() {
		return 0, errors.New("test over")
	}
	n := 0
	for n < len(p) {
		if len(e.head) > 0 {
			c := copy(p[n:], e.head)
			e.head = e.head[c:]
			n += c
			continue
		}
		c := copy(p[n:], e.unit[e.off:])
		n += c
		e.off = (e.off + c) % len(e.unit)
	}
	e.read.Add(int64(n))
	return n, nil
}

// readWithin runs Read and fails the test if it has not returned within
// limit.
func readWithin(t *testing.T, ctx context.Context, limit time.Duration, r io.Reader, max int64) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := telemetry.Read(ctx, r, "bomb.json.gz", max)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("Read still busy after %s", limit)
		return nil
	}
}

// TestLayerBombs: inputs that make a gzip layer consume input for ever
// without producing output. The final decompressed-size limit never fires
// on them; each layer's own bounds must.
func TestLayerBombs(t *testing.T) {
	emptyMember := gzipMember(nil)
	mibOfEmptyMembers := bytes.Repeat(emptyMember, (1<<20)/len(emptyMember))
	mibOfEmptyBlocks := emptyStoredBlocks((1 << 20) / 5)
	for _, c := range []struct {
		name       string
		head, unit []byte
		max        int64
		bound      string // names the bound that must fire
	}{
		// Doubly gzipped: the outer layer inflates to endless empty inner
		// members. With a small limit the inner layer's input bound fires,
		// with a large one the member count.
		{"inner layer: endless empty members", nil, gzipMember(mibOfEmptyMembers), 1 << 20, "gzip layer 1 output exceeds"},
		{"inner layer: endless empty members, 64 MiB limit", nil, gzipMember(mibOfEmptyMembers), 64 << 20, "gzip layer 2 has more than 65536 members"},
		// Doubly gzipped: one inner member of endless empty deflate blocks.
		{"inner layer: endless empty deflate blocks", gzipMember(gzipHeader), gzipMember(mibOfEmptyBlocks), 1 << 20, "gzip layer 1 output exceeds"},
		{"single layer: endless empty members", nil, emptyMember, 1 << 20, "the file exceeds"},
		{"single layer: endless empty members, 64 MiB limit", nil, emptyMember, 64 << 20, "gzip layer 1 has more than 65536 members"},
		{"single layer: endless empty deflate blocks", gzipHeader, mibOfEmptyBlocks, 1 << 20, "the file exceeds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := newEndless(t, c.head, c.unit)
			start := time.Now()
			err := readWithin(t, context.Background(), 20*time.Second, src, c.max)
			if k := telemetry.KindOf(err); k != telemetry.ErrTooLarge || !strings.Contains(err.Error(), c.bound) {
				t.Fatalf("kind %q (%v), want %s from %q", k, err, telemetry.ErrTooLarge, c.bound)
			}
			t.Logf("%v after %s and %d input bytes", err, time.Since(start), src.read.Load())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestLayerBombCancelled: with limits too high to help, a cancelled
// context still stops inflation promptly.
func TestLayerBombCancelled(t *testing.T) {
	mibOfEmptyBlocks := emptyStoredBlocks((1 << 20) / 5)
	for _, c := range []struct {
		name       string
		head, unit []byte
	}{
		{"inner layer", gzipMember(gzipHeader), gzipMember(mibOfEmptyBlocks)},
		{"single layer", gzipHeader, mibOfEmptyBlocks},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var cancelled atomic.Int64
			time.AfterFunc(50*time.Millisecond, func() {
				cancelled.Store(time.Now().UnixNano())
				cancel()
			})
			err := readWithin(t, ctx, 10*time.Second, newEndless(t, c.head, c.unit), 1<<50)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if telemetry.KindOf(err) != "" {
				t.Errorf("a cancelled read is filed as a bad file: %v", err)
			}
			if d := time.Since(time.Unix(0, cancelled.Load())); d > time.Second {
				t.Errorf("returned %s after the cancel", d)
			}
		})
	}
}

// TestMultistreamFiles: concatenated members are legal gzip (RFC 1952) in
// either layer, including the empty end-of-file member block-gzip tools
// write; garbage after the last member is not.
func TestMultistreamFiles(t *testing.T) {
	plain, _, _ := smallData()
	split := func(b []byte) []byte {
		third := len(b) / 3
		return bytes.Join([][]byte{gzipMember(b[:third]), gzipMember(b[third : 2*third]), gzipMember(b[2*third:]), gzipMember(nil)}, nil)
	}
	want, err := read(t, plain, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		kind telemetry.ErrKind // "" = decodes like plain
	}{
		{"single layer, 4 members", split(plain), ""},
		{"inner layer of 4 members", gzipMember(split(plain)), ""},
		{"both layers of 4 members", split(split(plain)), ""},
		{"garbage after the last member", append(split(plain), "junk"...), telemetry.ErrCorruptGzip},
		{"garbage after the inner layer", gzipMember(append(split(plain), 0, 0, 0)), telemetry.ErrCorruptGzip},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := read(t, c.data, 0)
			if c.kind != "" {
				if k := telemetry.KindOf(err); k != c.kind {
					t.Fatalf("kind %q (%v), want %s", k, err, c.kind)
				}
				return
			}
			if err != nil || m.TotalEvents != want.TotalEvents || m.DecompressedBytes != int64(len(plain)) {
				t.Fatalf("m=%+v err=%v, want %d events of %d bytes", m, err, want.TotalEvents, len(plain))
			}
		})
	}
}
