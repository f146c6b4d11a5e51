package telemetry

import "strings"

// interner deduplicates the strings of one file. Telemetry repeats a small
// vocabulary (about a hundred player names and account ids, a few hundred
// item and damage names) tens of thousands of times, so interning turns
// most string fields into a map lookup that does not allocate. Its size is
// bounded so a file of unique strings cannot grow it without limit.
type interner struct {
	strs   map[string]string
	slices map[string][]string
}

const internMax = 1 << 15

func (in *interner) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := in.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.strs == nil {
		in.strs = make(map[string]string, 1024)
	}
	if len(in.strs) < internMax {
		in.strs[s] = s
	}
	return s
}

// slice shares equal string slices (zone lists, attachment lists): they
// are read-only once decoded.
func (in *interner) slice(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	key := strings.Join(v, "\x00")
	if s, ok := in.slices[key]; ok {
		return s
	}
	if in.slices == nil {
		in.slices = make(map[string][]string, 256)
	}
	if len(in.slices) < internMax {
		in.slices[key] = v
	}
	return v
}
