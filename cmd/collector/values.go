package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// durationValue is a time.Duration flag that refuses negatives.
type durationValue struct{ d time.Duration }

func newDuration(d time.Duration) *durationValue { return &durationValue{d} }
func (v *durationValue) String() string          { return v.d.String() }
func (v *durationValue) Type() string            { return "duration" }
func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration (e.g. 30s, 5m): %q", s)
	}
	if d < 0 {
		return fmt.Errorf("must not be negative: %s", s)
	}
	v.d = d
	return nil
}

// bytesValue is a byte size flag: 1073741824, 512MiB, 1GiB, 64MB.
type bytesValue struct{ n int64 }

func newBytes(n int64) *bytesValue { return &bytesValue{n} }
func (v *bytesValue) Type() string { return "bytes" }
func (v *bytesValue) String() string {
	switch {
	case v.n > 0 && v.n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", v.n>>30)
	case v.n > 0 && v.n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", v.n>>20)
	}
	return strconv.FormatInt(v.n, 10)
}

func (v *bytesValue) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	v.n = n
	return nil
}

// parseBytes parses a byte size. deploy/tools/internal/units.Bytes keeps a
// copy (its module does not depend on this one): change both together.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a byte size (e.g. 512MiB, 1GiB): %q", s)
	}
	return n * mult, nil
}
