package extract

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// testdata/pyset_cases.json was produced by CPython 3.12: each case builds
// engagement_teams = {a, b}, applies .update({x, y}) for every further pair,
// then reports list(engagement_teams) and list(set(that list)) — exactly the
// operations the reference's fight detection performs on team ids.
func TestPyIntSetMatchesCPython(t *testing.T) {
	b, err := os.ReadFile("testdata/pyset_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Ops   [][2]int64
		Eng   []int64
		Fight []int64
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	unsorted := 0
	for i, c := range cases {
		s := pySetLiteral2(c.Ops[0][0], c.Ops[0][1])
		for _, op := range c.Ops[1:] {
			o := pySetLiteral2(op[0], op[1])
			s.update(&o)
		}
		eng := s.items(nil)
		var f pyIntSet
		for _, v := range eng {
			f.add(v)
		}
		fight := f.items(nil)
		if !slices.Equal(eng, c.Eng) || !slices.Equal(fight, c.Fight) {
			t.Errorf("case %d %v:\n eng   %v want %v\n fight %v want %v", i, c.Ops, eng, c.Eng, fight, c.Fight)
		}
		if !slices.IsSorted(fight) {
			unsorted++
		}
	}
	// The cases must exercise collisions, or they prove nothing.
	if unsorted < len(cases)/4 {
		t.Fatalf("only %d of %d cases have a non-ascending order", unsorted, len(cases))
	}
}

func TestPySumIsNeumaier(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{[]float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, 1.0}, // plain addition: 0.9999999999999999
		{[]float64{1e100, 1.0, -1e100, 1.0}, 2.0},                          // plain: 1.0
		{[]float64{}, 0},
		{[]float64{2.5}, 2.5},
	}
	for _, tt := range tests {
		if got := sumFloats(tt.xs); got != tt.want {
			t.Errorf("sumFloats(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

func TestPyRoundBankers(t *testing.T) {
	tests := []struct {
		x    float64
		want int64
	}{
		{0.5, 0}, {1.5, 2}, {2.5, 2}, {-0.5, 0}, {-1.5, -2},
		{50 * 1.03, 52},   // 51.5 exactly: ties to even
		{150 * 1.03, 154}, // 154.5 exactly: math.Round would say 155
		{250 * 1.03, 258}, // 257.5 → 258
		{3 * 1.03, 3},
		{2.5000000000000004, 3},
	}
	for _, tt := range tests {
		if got := pyRound(tt.x); got != tt.want {
			t.Errorf("pyRound(%v) = %d, want %d", tt.x, got, tt.want)
		}
	}
	if pyFormat0(2.5) != "2" || pyFormat0(3.5) != "4" || pyFormat0(149.5) != "150" || pyFormat0(0) != "0" {
		t.Errorf("pyFormat0 does not round half to even: %s %s %s", pyFormat0(2.5), pyFormat0(3.5), pyFormat0(149.5))
	}
	if d := dist3([3]float64{0, 0, 0}, [3]float64{300, 400, 1200}); math.Abs(d-13) > 1e-12 {
		t.Errorf("dist3 = %v, want 13 m", d)
	}
}
