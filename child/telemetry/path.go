package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// DefaultMaxBytes bounds the decompressed JSON of one file when Options
// does not say otherwise. Real matches are 20–60 MB; a file past this is
// either corrupt or a decompression bomb.
const DefaultMaxBytes = 512 << 20

// Options bound what a read may do.
type Options struct {
	// Dir is the only directory files may be read from (symlinks resolved).
	Dir string
	// MaxBytes bounds the decompressed JSON size (DefaultMaxBytes if <= 0).
	MaxBytes int64
	// Buffers, if set, lends the read its memory (see Buffers): the Match
	// is then valid until the Buffers' next read.
	Buffers *Buffers
}

// ResolvePath returns the real path of name if it lies inside dir. Both are
// resolved through symlinks first, so a link inside dir that points outside
// is refused, and a relative name is taken relative to dir.
//
// It is a check, not a guarantee: the file system may change before the
// file is opened. OpenFile repeats the walk in a way that cannot leave dir.
func ResolvePath(dir, name string) (string, error) {
	realDir, rel, err := resolve(dir, name)
	if err != nil {
		return "", err
	}
	return filepath.Join(realDir, rel), nil
}

// resolve returns dir with its symlinks resolved and the symlink-free path
// of name relative to it.
func resolve(dir, name string) (realDir, rel string, err error) {
	if dir == "" {
		return "", "", newErr(ErrOutsideDir, name, -1, errors.New("no telemetry directory configured"))
	}
	realDir, err = filepath.EvalSymlinks(dir)
	if err != nil {
		return "", "", newErr(ErrUnreadable, name, -1, fmt.Errorf("telemetry directory: %w", err))
	}
	realDir, err = filepath.Abs(realDir)
	if err != nil {
		return "", "", newErr(ErrUnreadable, name, -1, fmt.Errorf("telemetry directory: %w", err))
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(realDir, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", "", newErr(ErrNotFound, name, -1, err)
		}
		return "", "", newErr(ErrUnreadable, name, -1, err)
	}
	rel, err = filepath.Rel(realDir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", "", newErr(ErrOutsideDir, name, -1, fmt.Errorf("resolves to %s, outside %s", real, realDir))
	}
	return realDir, rel, nil
}

// afterCheck runs between the path check and the open; tests replace it to
// change the file system at exactly that moment.
var afterCheck = func() {}

// OpenFile opens name, which must be a regular file inside dir, for
// reading. The path is checked as ResolvePath does, then opened through an
// os.Root on dir: a directory swapped for a symlink after the check is
// followed only if it stays inside dir, so the open itself cannot escape.
// It opens without blocking and refuses anything but a regular file, so a
// FIFO (which would wait for a writer) fails at once with ErrNotRegular.
func OpenFile(dir, name string) (*os.File, error) {
	realDir, rel, err := resolve(dir, name)
	if err != nil {
		return nil, err
	}
	afterCheck()
	root, err := os.OpenRoot(realDir)
	if err != nil {
		return nil, newErr(ErrUnreadable, name, -1, fmt.Errorf("telemetry directory: %w", err))
	}
	// A file opened through a root stays open when the root is closed.
	defer root.Close()
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, openErr(root, name, err)
	}
	if err := requireRegular(f, name); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openErr files a failed open in a root under its kind.
func openErr(root *os.Root, name string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return newErr(ErrNotFound, name, -1, err)
	case errors.Is(err, syscall.ENXIO):
		// open(2) says ENXIO for a unix socket or a device without a driver.
		return newErr(ErrNotRegular, name, -1, fmt.Errorf("is a socket or device, not a regular file: %w", err))
	case escapes(root, err):
		return newErr(ErrOutsideDir, name, -1, fmt.Errorf("changed to lead outside the telemetry directory: %w", err))
	default:
		return newErr(ErrUnreadable, name, -1, err)
	}
}

// escapes reports whether err is root refusing a path that leaves it. The
// os package does not export that error, so the root is asked for an
// absolute name, which it refuses the same way without a system call.
func escapes(root *os.Root, err error) bool {
	probe, perr := root.Open(string(filepath.Separator))
	if perr == nil {
		probe.Close()
		return false
	}
	var pe *os.PathError
	return errors.As(perr, &pe) && errors.Is(err, pe.Err)
}

// requireRegular refuses directories, FIFOs, sockets and devices.
func requireRegular(f *os.File, name string) error {
	st, err := f.Stat()
	if err != nil {
		return newErr(ErrUnreadable, name, -1, err)
	}
	if !st.Mode().IsRegular() {
		return newErr(ErrNotRegular, name, -1, fmt.Errorf("is a %s, not a regular file", fileType(st.Mode())))
	}
	return nil
}

func fileType(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	default:
		return "special file (" + m.Type().String() + ")"
	}
}

// ReadFile opens, decompresses and decodes a telemetry file that must be a
// regular file inside opts.Dir.
func ReadFile(ctx context.Context, name string, opts Options) (*Match, error) {
	f, err := OpenFile(opts.Dir, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(ctx, f, name, opts.MaxBytes, opts.Buffers)
}
