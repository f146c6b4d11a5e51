package extract

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The reference oracle (oracle_test.go, tables_oracle_test.go and the
// golden cross-check in aggtest_test.go) runs the reference project's own
// Python code. It is configured by:
//
//	PEWSTATS_REF             a checkout of the reference (holds src/pewstats_collectors)
//	PEWSTATS_PYTHON          a CPython 3.12 interpreter (default python3.12)
//	PEWSTATS_ORACLE_MATCHES  how many generated matches each oracle test tries
//
// `make test` sets the first two when .ci/reference.sh finds the reference.
// Without PEWSTATS_REF the oracle tests skip; once it is set, anything
// wrong with the setup fails the test rather than comparing nothing.

// refOracle is a usable reference setup.
type refOracle struct{ ref, py string }

var (
	pyCheckOnce sync.Once
	pyCheckErr  error
)

// referenceOracle returns the reference setup, or ok=false when
// PEWSTATS_REF is not set. A set but unusable setup fails the test.
func referenceOracle(t testing.TB) (o refOracle, ok bool) {
	t.Helper()
	o.ref = os.Getenv("PEWSTATS_REF")
	if o.ref == "" {
		return o, false
	}
	o.py = os.Getenv("PEWSTATS_PYTHON")
	if o.py == "" {
		o.py = "python3.12"
	}
	if fi, err := os.Stat(filepath.Join(o.ref, "src", "pewstats_collectors")); err != nil || !fi.IsDir() {
		t.Fatalf("PEWSTATS_REF=%s is not a checkout of the reference: no src/pewstats_collectors (%v)", o.ref, err)
	}
	pyCheckOnce.Do(func() { pyCheckErr = checkPython(o.py) })
	if pyCheckErr != nil {
		t.Fatal(pyCheckErr)
	}
	return o, true
}

// requireReference is referenceOracle for the oracle tests themselves:
// without PEWSTATS_REF they skip, saying how to run them.
func requireReference(t *testing.T) refOracle {
	t.Helper()
	o, ok := referenceOracle(t)
	if !ok {
		t.Skip("PEWSTATS_REF not set: the comparison with the reference's own code is skipped " +
			"(make test sets it when a reference checkout is available; see docs/PARITY.md, \"What CI checks\")")
	}
	return o
}

// checkPython requires CPython 3.12, the reference's runtime: 3.11's sum()
// is not compensated, so other versions give different floats and the
// comparison would fail for the wrong reason.
func checkPython(py string) error {
	out, err := exec.Command(py, "-c", "import sys, platform; print(platform.python_implementation(), '%d.%d' % sys.version_info[:2])").CombinedOutput()
	if err != nil {
		return fmt.Errorf("PEWSTATS_PYTHON=%s does not run: %v\n%s", py, err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "CPython 3.12" {
		return fmt.Errorf("PEWSTATS_PYTHON=%s is %s; the reference oracle needs CPython 3.12 (its sum() differs from 3.11's)", py, got)
	}
	return nil
}

// oracleMatches is PEWSTATS_ORACLE_MATCHES, or def when unset. A value that
// is not a positive integer fails the test: it must not quietly compare
// nothing.
func oracleMatches(t testing.TB, def int) int {
	t.Helper()
	n, err := parseMatches(os.Getenv("PEWSTATS_ORACLE_MATCHES"), def)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func parseMatches(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("PEWSTATS_ORACLE_MATCHES=%q is not a number: %w", s, err)
	}
	if n < 1 {
		return 0, fmt.Errorf("PEWSTATS_ORACLE_MATCHES=%d: at least one match is needed", n)
	}
	return n, nil
}

func TestParseMatches(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 7, false},
		{"3", 3, false},
		{"40", 40, false},
		{"0", 0, true},
		{"-2", 0, true},
		{"forty", 0, true},
		{"4x", 0, true},
		{" 4", 0, true},
	}
	for _, tc := range tests {
		got, err := parseMatches(tc.in, 7)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseMatches(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
