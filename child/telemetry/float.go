package telemetry

import (
	"math"
	"math/bits"
)

// pow10[k] is 10^k, exact as a float64 up to 10^22.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// uint64Pow10[k] is 10^k. 10^19 is the largest power of ten below 2^64,
// which is why parseDecimal accepts at most 19 fraction digits.
var uint64Pow10 = [...]uint64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// parseDecimal converts a JSON number token of the shape
// -?(0|[1-9][0-9]*)(\.[0-9]+)? — no exponent — to the correctly rounded
// (round-half-to-even) float64: exactly what strconv.ParseFloat(raw, 64)
// returns, including -0 for "-0" and "-0.0". It is the scanner's one
// conversion short of strconv.
//
// It handles a token only if it has at most 19 significant digits (counted
// from the first non-zero digit, trailing zeros included), so the digits fit
// in a uint64 mantissa m, and either at most 19 fraction digits (the scale
// 10^k fits in a uint64 too) or at most 22 with m below 2^53 (Clinger's
// exact case). Anything else — exponents, longer digit strings, a '+' sign,
// leading zeros such as "01", an empty integer or fraction part ("1.",
// ".5"), stray bytes — returns ok=false, and the caller falls back to
// strconv.
//
// Telemetry's numbers are mostly small integers and float32 values widened
// to float64 and printed in shortest form ("1296.740478515625",
// "0.10000000149011612"): 16–17 significant digits, which are slow in
// strconv.
func parseDecimal(raw []byte) (f float64, ok bool) {
	i, neg := 0, false
	if len(raw) > 0 && raw[0] == '-' {
		neg, i = true, 1
	}
	if i >= len(raw) {
		return 0, false
	}
	var m uint64
	nd := 0 // significant digits in m; past 19 m has wrapped and is garbage
	if raw[i] == '0' {
		// JSON allows a lone 0 before the point but no leading zeros; the
		// check that the next byte is '.' or the end comes below.
		i++
	} else {
		start := i
		i, m = appendDigits(raw, i, 0)
		if nd = i - start; nd == 0 {
			return 0, false
		}
	}
	k := 0
	if i < len(raw) && raw[i] == '.' {
		start := i + 1
		i, m = appendDigits(raw, start, m)
		if k = i - start; k == 0 || k > 22 {
			return 0, false
		}
		if nd == 0 {
			// Zeros before the first non-zero digit ("0.000123") take no
			// room in m. Where counting starts must not be read off m: a
			// 20th digit can wrap it to exactly 0 ("9223372036854775808.0"
			// gives 2^63·10 mod 2^64 = 0).
			for start < i && raw[start] == '0' {
				start++
			}
		}
		nd += i - start
	}
	if i != len(raw) || nd > 19 {
		return 0, false
	}
	switch {
	case m == 0:
		f = 0
	case m < 1<<53:
		// Clinger: m and 10^k (k <= 22) are exact float64s and IEEE
		// division rounds the exact quotient once, half to even. This
		// covers short numbers and the 16-digit coordinates whose digits
		// stay below 2^53, and is cheaper than the integer division below.
		f = float64(m) / pow10[k]
	case k <= 19:
		f = divRound(m, uint64Pow10[k])
	default:
		return 0, false
	}
	if neg {
		// Negating a variable flips the sign bit, so 0 becomes -0 as
		// strconv returns.
		f = -f
	}
	return f, true
}

// appendDigits appends the decimal digits at raw[i:] to m and returns the
// index after them. Past 19 digits m wraps; callers count digits.
func appendDigits(raw []byte, i int, m uint64) (int, uint64) {
	for ; i < len(raw); i++ {
		c := raw[i] - '0'
		if c > 9 {
			break
		}
		m = m*10 + uint64(c)
	}
	return i, m
}

// divRound returns m/d correctly rounded to a float64, half to even, for
// m > 0 and d a power of ten up to 10^19; the quotient is then between
// 10^-19 and 2^64, far inside the normal range, so neither subnormals nor
// overflow need handling.
func divRound(m, d uint64) float64 {
	// Normalise both operands so their top bits are set; then mn/dn is in
	// (1/2, 2) and m/d = mn/dn · 2^(dz-lz).
	lz := bits.LeadingZeros64(m)
	dz := bits.LeadingZeros64(d)
	mn, dn := m<<lz, d<<dz
	// Divide a 128-bit numerator by dn so the quotient q fills 64 bits
	// (q in [2^63, 2^64)): 11 bits more than the float64's 53, enough for
	// the round bit, with the remainder r standing in for every bit
	// beyond. Div64 needs hi < dn, which each branch guarantees.
	var q, r uint64
	e := dz - lz // m/d = (q + r/dn) · 2^e once the branch has adjusted e
	if mn < dn {
		q, r = bits.Div64(mn, 0, dn) // mn·2^64 / dn
		e -= 64
	} else {
		q, r = bits.Div64(mn>>1, mn<<63, dn) // mn·2^63 / dn
		e -= 63
	}
	// Keep the top 53 bits; the 11 dropped bits plus the remainder decide
	// the rounding. Exactly half (low == 1<<10 and r == 0) goes to even.
	const drop = 64 - 53
	mant := q >> drop
	low := q & (1<<drop - 1)
	e += drop
	if low > 1<<(drop-1) || low == 1<<(drop-1) && (r != 0 || mant&1 != 0) {
		mant++
		if mant == 1<<53 {
			// Rounding carried out of the 53 bits: 2^53 · 2^e = 2^52 · 2^(e+1).
			mant >>= 1
			e++
		}
	}
	// value = mant · 2^e with mant in [2^52, 2^53): the float64's unbiased
	// exponent is e+52; the implicit leading bit is dropped from the field.
	return math.Float64frombits(uint64(e+52+1023)<<52 | mant&(1<<52-1))
}
