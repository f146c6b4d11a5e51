package extract

import (
	"math"
	"testing"
)

// Expected strings are CPython's repr()/json.dumps output.
func TestPyRepr(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{1e16, "1e+16"}, {1234567.0, "1234567.0"}, {0.0001, "0.0001"}, {1e-05, "1e-05"}, {0.1, "0.1"},
		{1.0 / 3, "0.3333333333333333"}, {123456789012345678.0, "1.2345678901234568e+17"}, {-2.5, "-2.5"},
		{1e22, "1e+22"}, {9999999999999998.0, "9999999999999998.0"}, {5e-324, "5e-324"}, {100, "100.0"},
		{1e15 + 0.5, "1000000000000000.5"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {50, "50.0"},
		{math.Inf(1), "Infinity"}, {math.NaN(), "NaN"}, {-0.00012, "-0.00012"},
	} {
		if got := pyRepr(c.in); got != c.want {
			t.Errorf("pyRepr(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPyJSONStrings(t *testing.T) {
	got := pyJSONStrings([]string{"é", `a"b`, "😀", "\x7f\x01", `back\slash`, "tab\t"})
	want := `["\u00e9", "a\"b", "\ud83d\ude00", "\u007f\u0001", "back\\slash", "tab\t"]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := pyJSONStrings(nil); got != "[]" {
		t.Errorf("empty: %s", got)
	}
}

// CPython 3.12's sum() compensates rounding (Neumaier); 3.11 and a plain
// loop give 0.9999999999999999 for the first case.
func TestPySum(t *testing.T) {
	tenth := make([]float64, 10)
	for k := range tenth {
		tenth[k] = 0.1
	}
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{tenth, 1.0}, {[]float64{1e100, 1, -1e100, 1}, 2}, {nil, 0}, {[]float64{2.5}, 2.5},
		{[]float64{math.Inf(1), 1}, math.Inf(1)},
	} {
		if got := sumFloats(c.in); got != c.want {
			t.Errorf("sumFloats(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if v := pyVariance([]float64{5, 50}); v != f(506.25) {
		t.Errorf("variance %v", v)
	}
	if v := pyVariance([]float64{5}); v.Valid {
		t.Errorf("variance of one value %v", v)
	}
}
