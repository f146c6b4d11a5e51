package telemetry_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// readFileWithin runs ReadFile and fails the test if it has not returned
// within limit, so a reader blocked in open(2) fails the test instead of
// hanging it.
func readFileWithin(t *testing.T, limit time.Duration, name string, opts telemetry.Options) (*telemetry.Match, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit/2)
	defer cancel()
	type result struct {
		m   *telemetry.Match
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := telemetry.ReadFile(ctx, name, opts)
		done <- result{m, err}
	}()
	select {
	case r := <-done:
		return r.m, r.err
	case <-time.After(limit):
		t.Fatalf("ReadFile(%s) still blocked after %s", name, limit)
		return nil, nil
	}
}

// TestReadFileRefusesAFIFO: a FIFO in the telemetry dir has no writer, so
// a blocking open would wait for one until the task timeout. It must be
// refused at once as not a regular file.
func TestReadFileRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.json.gz")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Should the reader block in open, become the writer it waits for so
	// the goroutine ends with the test.
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	start := time.Now()
	_, err := readFileWithin(t, 2*time.Second, "pipe.json.gz", telemetry.Options{Dir: dir})
	if k := telemetry.KindOf(err); k != telemetry.ErrNotRegular {
		t.Fatalf("kind %q (%v), want %s", k, err, telemetry.ErrNotRegular)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("refusing a FIFO took %s", d)
	}
}

// TestReadFileSwapBetweenCheckAndOpen replays the race between the path
// check and the open deterministically: right after the check, a directory
// of the checked path is replaced by a symlink. A link leading outside the
// telemetry dir must not be followed; one leading elsewhere inside it may.
func TestReadFileSwapBetweenCheckAndOpen(t *testing.T) {
	inside := []byte(`[{"_T":"LogMatchEnd"}]`)
	secret := []byte(`[{"_T":"LogMatchStart"},{"_T":"LogMatchEnd"}]`)
	for _, c := range []struct {
		name   string
		target func(dir, outside string) string // where dir/sub points after the swap
		kind   telemetry.ErrKind                // "" = read succeeds with the inside file
	}{
		{"to outside, absolute", func(_, outside string) string { return filepath.Join(outside, "sub") }, telemetry.ErrOutsideDir},
		{"to outside, relative", func(_, outside string) string { return filepath.Join("..", filepath.Base(outside), "sub") }, telemetry.ErrOutsideDir},
		{"to inside, relative", func(string, string) string { return "sub.old" }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			for _, f := range []struct {
				path string
				data []byte
			}{{filepath.Join(dir, "sub", "raw.json"), inside}, {filepath.Join(outside, "sub", "raw.json"), secret}} {
				if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			swapped := false
			defer telemetry.SetAfterCheck(func() {
				sub := filepath.Join(dir, "sub")
				if err := os.Rename(sub, sub+".old"); err != nil {
					t.Error(err)
				}
				if err := os.Symlink(c.target(dir, outside), sub); err != nil {
					t.Error(err)
				}
				swapped = true
			})()
			m, err := readFileWithin(t, 5*time.Second, "sub/raw.json", telemetry.Options{Dir: dir})
			if !swapped {
				t.Fatal("the hook between check and open did not run")
			}
			if c.kind == "" {
				if err != nil || m.TotalEvents != 1 {
					t.Fatalf("m=%v err=%v, want the inside file (1 event)", m, err)
				}
				return
			}
			if m != nil {
				t.Fatalf("read %d events through the swapped link, want %s", m.TotalEvents, c.kind)
			}
			if k := telemetry.KindOf(err); k != c.kind {
				t.Fatalf("kind %q (%v), want %s", k, err, c.kind)
			}
		})
	}
}

// TestOpenFileRefusesWhatIsNotARegularFile: only regular files are opened,
// whatever the name leads to.
func TestOpenFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "raw.json"), []byte(`[{}]`), 0o644))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	must(os.Symlink("fifo", filepath.Join(dir, "link-to-fifo")))
	must(os.Symlink("/dev/null", filepath.Join(dir, "devnull")))
	sock := filepath.Join(dir, "sock")
	if fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0); err == nil {
		must(syscall.Bind(fd, &syscall.SockaddrUnix{Name: sock}))
		t.Cleanup(func() { syscall.Close(fd) })
	}
	for _, c := range []struct {
		name string
		kind telemetry.ErrKind // "" = opens
	}{
		{"raw.json", ""},
		{"sub", telemetry.ErrNotRegular},
		{"fifo", telemetry.ErrNotRegular},
		{"link-to-fifo", telemetry.ErrNotRegular},
		{"sock", telemetry.ErrNotRegular},
		{"devnull", telemetry.ErrOutsideDir},
	} {
		f, err := telemetry.OpenFile(dir, c.name)
		if f != nil {
			f.Close()
		}
		if k := telemetry.KindOf(err); k != c.kind {
			t.Errorf("%s: kind %q (%v), want %q", c.name, k, err, c.kind)
		}
	}
}
