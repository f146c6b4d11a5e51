package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
}

// ResolvePath returns the real path of name if it lies inside dir. Both are
// resolved through symlinks first, so a link inside dir that points outside
// is refused, and a relative name is taken relative to dir.
func ResolvePath(dir, name string) (string, error) {
	if dir == "" {
		return "", newErr(ErrOutsideDir, name, -1, errors.New("no telemetry directory configured"))
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", newErr(ErrUnreadable, name, -1, fmt.Errorf("telemetry directory: %w", err))
	}
	realDir, err = filepath.Abs(realDir)
	if err != nil {
		return "", newErr(ErrUnreadable, name, -1, fmt.Errorf("telemetry directory: %w", err))
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(realDir, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", newErr(ErrNotFound, name, -1, err)
		}
		return "", newErr(ErrUnreadable, name, -1, err)
	}
	rel, err := filepath.Rel(realDir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", newErr(ErrOutsideDir, name, -1, fmt.Errorf("resolves to %s, outside %s", real, realDir))
	}
	return real, nil
}

// ReadFile opens, decompresses and decodes a telemetry file that must lie
// inside opts.Dir.
func ReadFile(ctx context.Context, name string, opts Options) (*Match, error) {
	path, err := ResolvePath(opts.Dir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		kind := ErrUnreadable
		if errors.Is(err, os.ErrNotExist) {
			kind = ErrNotFound
		}
		return nil, newErr(kind, name, -1, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, newErr(ErrUnreadable, name, -1, errors.New("is a directory"))
	}
	return Read(ctx, f, name, opts.MaxBytes)
}
