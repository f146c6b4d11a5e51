package telemetry

import (
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// decimalShape is parseDecimal's grammar written independently of it: JSON's
// number grammar without the exponent.
var decimalShape = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// inContract reports whether parseDecimal must accept s: the shape above,
// at most 19 significant digits (leading zeros of the whole digit string do
// not count, trailing zeros do), and at most 19 fraction digits, or at
// most 22 with the digits' value below 2^53. The tests demand
// ok == inContract(s), so a token wrongly sent back to strconv fails as
// surely as a wrong value.
func inContract(s string) bool {
	if !decimalShape.MatchString(s) {
		return false
	}
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(strings.TrimLeft(intPart+frac, "0")) > 19 || len(frac) > 22 {
		return false
	}
	if len(frac) <= 19 {
		return true
	}
	m, err := strconv.ParseUint(intPart+frac, 10, 64) // <= 19 significant digits: fits
	return err == nil && m < 1<<53
}

// checkDecimal runs parseDecimal on s and fails t unless it accepts exactly
// the in-contract tokens and, when it accepts, returns the bits of
// strconv.ParseFloat(s, 64) — -0 included, which == would not see.
func checkDecimal(t testing.TB, s string) (f float64, ok bool) {
	t.Helper()
	f, ok = parseDecimal([]byte(s))
	if want := inContract(s); ok != want {
		t.Fatalf("parseDecimal(%q): ok=%v, want %v", s, ok, want)
	}
	if !ok {
		return f, ok
	}
	want, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parseDecimal(%q) accepted what strconv rejects: %v", s, err)
	}
	if math.Float64bits(f) != math.Float64bits(want) {
		t.Fatalf("parseDecimal(%q) = %v (%#016x), strconv says %v (%#016x)",
			s, f, math.Float64bits(f), want, math.Float64bits(want))
	}
	// parseDecimal sends mantissas below 2^53 to Clinger's division, so
	// check divRound on every accepted token too: it must be exact for all
	// of them, not only for the ones that reach it.
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	m, err := strconv.ParseUint(intPart+frac, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	if m != 0 && len(frac) <= 19 {
		if d := divRound(m, uint64Pow10[len(frac)]); d != math.Abs(want) {
			t.Fatalf("divRound(%d, 10^%d) = %v, want %v", m, len(frac), d, math.Abs(want))
		}
	}
	return f, ok
}

// negZero is -0; the constant -0.0 would be +0 in Go.
var negZero = math.Copysign(0, -1)

func TestParseDecimalTable(t *testing.T) {
	// want is written as a Go constant wherever possible: the compiler
	// rounds constants half to even with its own arithmetic, which makes
	// it a second oracle next to strconv (checked in checkDecimal).
	cases := []struct {
		in   string
		ok   bool
		want float64
	}{
		// Telemetry shapes: float32 values widened and printed shortest.
		{"1296.740478515625", true, 1296.740478515625},
		{"753071.9375", true, 753071.9375},
		{"0.10000000149011612", true, 0.10000000149011612},
		{"54800.12890625", true, 54800.12890625},
		{"-1296.740478515625", true, -1296.740478515625},
		{"87.5999984741211", true, 87.5999984741211},
		{"0.30000001192092896", true, 0.30000001192092896},

		// Zeros and small values.
		{"0", true, 0},
		{"-0", true, negZero},
		{"0.0", true, 0},
		{"-0.0", true, negZero},
		{"-0.0000000000000000000", true, negZero}, // 19 zero fraction digits
		{"1", true, 1},
		{"-1", true, -1},
		{"0.1", true, 0.1},
		{"0.5", true, 0.5},
		{"1.0000000000000002", true, 1.0000000000000002},
		{"0.30000000000000004", true, 0.30000000000000004},
		{"0.0000000000000000001", true, 1e-19},                       // smallest m/10^k
		{"0.0000000000000000123", true, 1.23e-17},                    // m < 2^53, k = 19
		{"0.9999999999999999999", true, 0.9999999999999999999},       // 19 fraction digits, rounds to 1
		{"0.99999999999999999", true, 1},                             // rounding carries to 2^53
		{"0.9999999999999999", true, 0.9999999999999999},             // stays below 1
		{"0.0070930229801081956", true, 0.0070930229801081956},       // exactly 1024 dropped bits: only the remainder says "above half"
		{"123456789012345678.9", true, 123456789012345678.9},         // 19 digits
		{"1234567890123456789", true, 1234567890123456789},           // 19-digit integer
		{"9999999999999999999", true, 9999999999999999999},           // largest m, carries
		{"999999999999999999.9", true, 999999999999999999.9},         // same digits, scaled
		{"1.000000000000000000", true, 1},                            // trailing zeros count as digits
		{"4.940656458412465441", true, 4.940656458412465441},         // 19 digits, division path
		{"17976931348623157000", false, 0},                           // 20 digits
		{"3.14159265358979323846", false, 0},                         // 21 digits
		{"0.00000000000000000001", true, 1e-20},                      // 20 fraction digits, m < 2^53: Clinger
		{"0.0000000000000000000012", true, 1.2e-21},                  // 22 fraction digits, m < 2^53
		{"0.00000000000000000000012", false, 0},                      // 23 fraction digits
		{"0.00009007199254740993", false, 0},                         // 20 fraction digits, m >= 2^53
		{"0.00009007199254740991", true, 0.00009007199254740991},     // 20 fraction digits, m just below 2^53
		{"1.0000000000000000000", false, 0},                          // 20 digits though value is 1
		{"9223372036854775808.0", false, 0},                          // 20 digits; the 20th wraps m to exactly 0
		{"18446744073709551615", false, 0},                           // 2^64-1: 20 digits
		{"10000000000000000000", false, 0},                           // 10^19: 20 digits
		{"1844674407370955161.5", false, 0},                          // 20 digits
		{"0.00000000000000000000000000000000000000000001", false, 0}, // subnormal range is out of contract

		// Integers at and past 2^53 (the float64(m) shortcut ends there).
		{"9007199254740991", true, 9007199254740991}, // 2^53-1
		{"9007199254740992", true, 9007199254740992}, // 2^53
		{"9007199254740993", true, 9007199254740992}, // 2^53+1: tie, to even (down)
		{"9007199254740995", true, 9007199254740996}, // 2^53+3: tie, to even (up)
		{"9007199254740993.0", true, 9007199254740992},
		{"9007199254740993.00", true, 9007199254740992},
		{"9007199254740993.01", true, 9007199254740994}, // just above the tie
		{"9007199254740992.99", true, 9007199254740992}, // just below the tie
		{"-9007199254740993", true, -9007199254740992},
		{"18014398509481983", true, 18014398509481984}, // 2^54-1: tie, odd neighbour, carries to 2^54
		{"18014398509481983.0", true, 18014398509481984},
		{"9223372036854775807", true, 9223372036854775808}, // 2^63-1
		{"9223372036854775808", true, 9223372036854775808}, // 2^63
		{"9223372036854776832", true, 9223372036854775808}, // 2^63+1024: tie, to even (down)
		{"9223372036854776833", true, 9223372036854777856}, // one past the tie
		{"9223372036854778880", true, 9223372036854779904}, // 2^63+3·1024: tie, to even (up)

		// Ties with fraction digits (ulp 1 in [2^52, 2^53), 0.5 in [2^51, 2^52)).
		{"4503599627370496.5", true, 4503599627370496},
		{"4503599627370497.5", true, 4503599627370498},
		{"4503599627370496.500", true, 4503599627370496},
		{"4503599627370496.501", true, 4503599627370497},
		{"4503599627370496.499", true, 4503599627370496},
		{"2251799813685248.25", true, 2251799813685248},
		{"2251799813685248.75", true, 2251799813685249},
		{"-2251799813685248.75", true, -2251799813685249},

		// Not handled: strconv's business (or nobody's).
		{"", false, 0},
		{"-", false, 0},
		{"01", false, 0},
		{"-01", false, 0},
		{"00", false, 0},
		{"00.5", false, 0},
		{"1.", false, 0},
		{"0.", false, 0},
		{"-0.", false, 0},
		{".5", false, 0},
		{"-.5", false, 0},
		{"1e5", false, 0},
		{"1E5", false, 0},
		{"1.5e3", false, 0},
		{"1.5e-3", false, 0},
		{"+1", false, 0},
		{"1..2", false, 0},
		{"1.2.3", false, 0},
		{"--1", false, 0},
		{"-+1", false, 0},
		{"12a", false, 0},
		{"1.5-", false, 0},
		{" 1", false, 0},
		{"1 ", false, 0},
		{"0x1", false, 0},
		{"1_000", false, 0},
		{"NaN", false, 0},
		{"Infinity", false, 0},
		{"-Infinity", false, 0},
		{"١", false, 0}, // Arabic-Indic one is not a JSON digit
		{"1\x00", false, 0},
		{"/", false, 0}, // '0'-1 and '9'+1 around the digit range
		{":", false, 0},
		{"1.:", false, 0},
	}
	for _, c := range cases {
		f, ok := checkDecimal(t, c.in)
		if ok != c.ok {
			t.Errorf("parseDecimal(%q): ok=%v, want %v", c.in, ok, c.ok)
			continue
		}
		if ok && math.Float64bits(f) != math.Float64bits(c.want) {
			t.Errorf("parseDecimal(%q) = %v, want %v", c.in, f, c.want)
		}
	}
}

// TestParseDecimalEdges writes mantissas at the boundaries that matter to
// the algorithm — powers of two around 2^53 and 2^63, powers of ten and
// their neighbours, the largest 19-digit number — with every decimal point
// position the contract allows.
func TestParseDecimalEdges(t *testing.T) {
	var ms []uint64
	for n := 0; n < 64; n++ {
		p := uint64(1) << n
		ms = append(ms, p-1, p, p+1, p+2, p+3)
	}
	for k := 0; k < len(uint64Pow10); k++ {
		p := uint64Pow10[k]
		ms = append(ms, p-1, p, p+1, p/2, p/2+1)
	}
	ms = append(ms, math.MaxUint64, 9999999999999999999, 1<<53+1, 1<<54-1, 1<<63+1024, 1<<63+1025, 1<<63+3*1024)
	n := 0
	for _, m := range ms {
		digits := strconv.FormatUint(m, 10)
		for k := 0; k <= 20; k++ {
			s := digits
			if k > 0 {
				if len(s) <= k {
					s = strings.Repeat("0", k-len(s)+1) + s
				}
				s = s[:len(s)-k] + "." + s[len(s)-k:]
			}
			for _, in := range []string{s, "-" + s, s + "0", s + ".0"} {
				checkDecimal(t, in)
				n++
			}
		}
	}
	t.Logf("%d edge inputs", n)
}

// TestParseDecimalRandom compares parseDecimal with strconv bit for bit on
// well over 2 million generated inputs (fixed seeds, so a failure repeats):
//
//	(a) float32 values widened to float64 and printed shortest with 'f' —
//	    the telemetry shape;
//	(b) random float64s in [-1e6, 1e6] printed the same way;
//	(c) random 16–20 digit strings with a random decimal point;
//	(d) exact midpoints between adjacent float64s that fit the contract,
//	    and the decimals one unit in the last digit either side of them,
//	    checked against an independent oracle too.
//
// checkDecimal also demands ok exactly when the token is in contract, so
// every (a) and (b) input with at most 19 digits must be accepted.
func TestParseDecimalRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(0x7e1e, 0xf10a7))
	total := 0
	count := func(name string, n, accepted int) {
		t.Logf("%s: %d inputs, %d accepted", name, n, accepted)
		total += n
	}

	// (a) float32 widened.
	{
		n, acc := 0, 0
		for i := 0; i < 800_000; i++ {
			var v float32
			switch i % 6 {
			case 0, 1: // map coordinates (cm)
				v = float32(r.Float64() * 816000)
			case 2: // heights, health, distances
				v = float32(r.Float64() * 1000)
			case 3: // ratios
				v = float32(r.Float64())
			case 4: // any finite float32, most out of contract
				for {
					v = math.Float32frombits(r.Uint32())
					if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
						break
					}
				}
			case 5: // a binary exponent across the range the contract can cover
				e := r.IntN(90) - 25
				v = float32(math.Ldexp(1+r.Float64(), e))
			}
			if r.IntN(4) == 0 {
				v = -v
			}
			s := strconv.FormatFloat(float64(v), 'f', -1, 64)
			if _, ok := checkDecimal(t, s); ok {
				acc++
			}
			n++
		}
		count("(a) float32 widened", n, acc)
	}

	// (b) float64 in [-1e6, 1e6].
	{
		n, acc := 0, 0
		for i := 0; i < 600_000; i++ {
			s := strconv.FormatFloat(r.Float64()*2e6-1e6, 'f', -1, 64)
			if _, ok := checkDecimal(t, s); ok {
				acc++
			}
			n++
		}
		count("(b) float64 in [-1e6,1e6]", n, acc)
	}

	// (c) random digit strings.
	{
		n, acc := 0, 0
		var b []byte
		for i := 0; i < 500_000; i++ {
			b = b[:0]
			if r.IntN(2) == 0 {
				b = append(b, '-')
			}
			nd := 16 + r.IntN(5) // 16..20: 20 must be rejected
			var digits []byte
			digits = append(digits, byte('1'+r.IntN(9)))
			for len(digits) < nd {
				digits = append(digits, byte('0'+r.IntN(10)))
			}
			switch p := r.IntN(nd + 2); {
			case p == 0: // integer
				b = append(b, digits...)
			case p == nd+1: // "0.000ddd": leading zeros are not significant
				b = append(b, "0."...)
				b = append(b, strings.Repeat("0", r.IntN(4))...)
				b = append(b, digits...)
			case p < nd:
				b = append(b, digits[:p]...)
				b = append(b, '.')
				b = append(b, digits[p:]...)
			default: // p == nd: trailing ".0…"
				b = append(b, digits...)
				b = append(b, ".0"...)
			}
			if _, ok := checkDecimal(t, string(b)); ok {
				acc++
			}
			n++
		}
		count("(c) digit strings", n, acc)
	}

	// (d) midpoints.
	{
		n, acc, ties := 0, 0, 0
		for i := 0; i < 200_000; i++ {
			// x = (2^52 + frac) · 2^(e-52); the midpoint to the next
			// float64 is mid = (2·(2^52+frac)+1) · 2^(e-53): an odd 54-bit
			// number scaled by a power of two. Only e in [49, 63] gives
			// decimals of at most 19 digits (below 2^49 the 5^j of the
			// fraction pushes the digit count past 19).
			e := 49 + r.IntN(15)
			frac := r.Uint64() & (1<<52 - 1)
			x := math.Float64frombits(uint64(e+1023)<<52 | frac)
			next := math.Nextafter(x, math.Inf(1))
			odd := 2*(1<<52|frac) + 1
			var dec uint64 // mid = dec / 10^j exactly
			j := 53 - e
			if j <= 0 {
				dec = odd << -j // < 2^64: odd < 2^54, shift <= 10
				j = 0
			} else {
				dec = odd * [...]uint64{1, 5, 25, 125, 625}[j] // odd·5^j < 2^54·625 < 2^64
			}
			format := func(d uint64) string {
				s := strconv.FormatUint(d, 10)
				if j > 0 {
					s = s[:len(s)-j] + "." + s[len(s)-j:]
				}
				return s
			}
			mid := format(dec)
			if i%16 == 0 {
				// Prove the construction: mid is exactly (x+next)/2.
				got, _ := new(big.Rat).SetString(mid)
				want := new(big.Rat).Add(new(big.Rat).SetFloat64(x), new(big.Rat).SetFloat64(next))
				want.Quo(want, big.NewRat(2, 1))
				if got.Cmp(want) != 0 {
					t.Fatalf("midpoint construction: %s != (%v+%v)/2", mid, x, next)
				}
			}
			// The independent oracle: ties go to the even mantissa, the
			// neighbours to their side.
			even := x
			if math.Float64bits(x)&1 != 0 {
				even = next
			}
			inputs := []struct {
				s    string
				want float64
			}{
				{mid, even},
				{format(dec + 1), next},
				{format(dec - 1), x},
			}
			if j == 0 {
				inputs = append(inputs, struct {
					s    string
					want float64
				}{mid + ".0", even})
			}
			for _, in := range inputs {
				for _, neg := range []bool{false, true} {
					s, want := in.s, in.want
					if neg {
						s, want = "-"+s, -want
					}
					f, ok := checkDecimal(t, s)
					n++
					if !ok {
						continue
					}
					acc++
					if in.s == mid {
						ties++
					}
					if f != want {
						t.Fatalf("parseDecimal(%q) = %v, want %v (x=%v next=%v)", s, f, want, x, next)
					}
				}
			}
		}
		if ties < 100_000 {
			t.Errorf("only %d midpoints were in contract", ties)
		}
		count("(d) midpoints and neighbours", n, acc)
		t.Logf("(d) %d exact ties accepted", ties)
	}

	if total < 2_000_000 {
		t.Errorf("only %d inputs", total)
	}
	t.Logf("%d inputs in all", total)
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{
		"1296.740478515625", "753071.9375", "0.10000000149011612", "54800.12890625",
		"0", "-0", "-0.0", "1", "0.1", "0.5", "9007199254740993", "9007199254740995",
		"9007199254740993.0", "18014398509481983", "9223372036854776832",
		"4503599627370497.5", "0.99999999999999999", "9999999999999999999",
		"0.0000000000000000001", "123456789012345678.9", "18446744073709551615",
		"9223372036854775808.0", "0.0070930229801081956",
		"1.0000000000000002", "0.30000000000000004",
		"", "-", "01", "1.", ".5", "1e5", "1.5e3", "+1", "1..2", "--1", "12a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDecimal(t, s)
	})
}

// benchNumbers returns 10,000 telemetry-shaped numbers (float32 values
// widened to float64 and printed shortest, as the game does) as tokens and
// as strings, and the indices of those with more than 15 significant
// digits: the ones Clinger's fast path alone could not take.
func benchNumbers() (raws [][]byte, strs []string, long []int) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10_000; i++ {
		var v float64
		switch i % 5 {
		case 0, 1: // x, y in cm on an 8 km map
			v = r.Float64() * 816000
		case 2: // z
			v = r.Float64() * 30000
		case 3: // health, distances
			v = r.Float64() * 100
		case 4: // ratios
			v = r.Float64()
		}
		s := strconv.FormatFloat(float64(float32(v)), 'f', -1, 64)
		strs = append(strs, s)
		raws = append(raws, []byte(s))
		if len(strings.TrimLeft(strings.Replace(s, ".", "", 1), "0")) > 15 {
			long = append(long, i)
		}
	}
	return raws, strs, long
}

var sinkFloat float64

// BenchmarkParseDecimal compares parseDecimal with strconv.ParseFloat per
// number (ns/number) on all the telemetry-shaped numbers and on the long
// ones, and the scanner's chain (parseDecimal, else strconv).
func BenchmarkParseDecimal(b *testing.B) {
	raws, strs, long := benchNumbers()
	// Tiny ratios ("0.00008377894846489653", 16 digits in 20 places past
	// the point) still go to strconv; count them so the numbers below can
	// be read.
	handled := 0
	for _, i := range long {
		if _, ok := parseDecimal(raws[i]); ok {
			handled++
		}
	}
	b.Logf("%d numbers: %d with more than 15 significant digits, %d of those handled by parseDecimal",
		len(raws), len(long), handled)
	run := func(name string, idx []int, conv func(i int) float64) {
		b.Run(name, func(b *testing.B) {
			var s float64
			for b.Loop() {
				for _, i := range idx {
					s += conv(i)
				}
			}
			sinkFloat = s
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(idx)), "ns/number")
		})
	}
	all := make([]int, len(raws))
	for i := range all {
		all[i] = i
	}
	ours := func(i int) float64 { f, _ := parseDecimal(raws[i]); return f }
	std := func(i int) float64 { f, _ := strconv.ParseFloat(strs[i], 64); return f }
	run("all/parseDecimal", all, ours)
	run("all/strconv", all, std)
	run("long/parseDecimal", long, ours)
	run("long/strconv", long, std)
	run("chain", all, func(i int) float64 {
		if f, ok := parseDecimal(raws[i]); ok {
			return f
		}
		return std(i)
	})
}
