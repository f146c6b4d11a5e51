package extract

import (
	"math"
	"strconv"
)

// The reference runs on CPython 3.12 (its Dockerfile: python:3.12-slim).
// Where its output depends on CPython's exact arithmetic or iteration order,
// the helpers here reproduce it, so stored values match to the last bit
// before PostgreSQL rounds them.

// pySum is CPython 3.12's builtin sum() over floats: Neumaier-compensated
// summation (gh-100425), not the plain left-to-right addition of `+=`.
// Rule ports use it exactly where the reference calls sum() on floats and
// plain addition where it accumulates with +=.
type pySum struct {
	s, c float64
}

func (p *pySum) add(x float64) {
	t := p.s + x
	if math.Abs(p.s) >= math.Abs(x) {
		p.c += (p.s - t) + x
	} else {
		p.c += (x - t) + p.s
	}
	p.s = t
}

// value finishes the sum the way CPython does: the compensation is added
// only when it is non-zero and finite.
func (p *pySum) value() float64 {
	if p.c != 0 && !math.IsInf(p.c, 0) && !math.IsNaN(p.c) {
		return p.s + p.c
	}
	return p.s
}

// sumFloats is sum(xs) in CPython 3.12.
func sumFloats(xs []float64) float64 {
	var p pySum
	for _, x := range xs {
		p.add(x)
	}
	return p.value()
}

// pyRound is Python's round(x) for a float: round half to even on the exact
// binary value, which is what math.RoundToEven does.
func pyRound(x float64) int64 { return int64(math.RoundToEven(x)) }

// pyFormat0 is Python's f"{x:.0f}": correctly rounded, ties to even.
func pyFormat0(x float64) string { return strconv.FormatFloat(x, 'f', 0, 64) }

// dist3 is the reference's _calculate_distance_3d in metres. The explicit
// float64 conversions stop the compiler fusing multiply-adds (which Go may do
// on some architectures), so every operation rounds as CPython's does.
func dist3(a, b [3]float64) float64 {
	dx, dy, dz := b[0]-a[0], b[1]-a[1], b[2]-a[2]
	s := float64(dx*dx) + float64(dy*dy)
	s = s + float64(dz*dz)
	return math.Sqrt(s) / 100
}
