package extract

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/pewstats/collector/child/telemetry"
)

// Character accessors mirror `(event.get(k) or {}).get(field)`: a nil
// actor behaves as an empty dict.

func optName(c *telemetry.Character) Opt[string] {
	if c == nil {
		return None[string]()
	}
	return OptIf(c.Has&telemetry.CharHasName != 0, c.Name)
}

func charAccount(c *telemetry.Character) Opt[string] {
	if c == nil {
		return None[string]()
	}
	return OptIf(c.Has&telemetry.CharHasAccountID != 0, c.AccountID)
}

func optTeam(c *telemetry.Character) Opt[int64] {
	if c == nil {
		return None[int64]()
	}
	return OptIf(c.Has&telemetry.CharHasTeamID != 0, int64(c.TeamID))
}

func charHealth(c *telemetry.Character) Opt[float64] {
	if c == nil {
		return None[float64]()
	}
	return OptIf(c.Has&telemetry.CharHasHealth != 0, c.Health)
}

// Loc is a location's optional x, y and z.
type Loc struct{ X, Y, Z Opt[float64] }

// charLoc is `(actor.get("location") or {}).get(axis)` for each axis.
func charLoc(c *telemetry.Character) Loc {
	if c == nil {
		return Loc{}
	}
	return Loc{
		X: OptIf(c.Has&telemetry.CharHasX != 0, c.Location.X),
		Y: OptIf(c.Has&telemetry.CharHasY != 0, c.Location.Y),
		Z: OptIf(c.Has&telemetry.CharHasZ != 0, c.Location.Z),
	}
}

// charZoneJSON is a character's `zone` list as JSON text, or NULL when the
// character has none.
func charZoneJSON(c *telemetry.Character) Opt[string] {
	if c == nil || c.Has&telemetry.CharHasZone == 0 {
		return None[string]()
	}
	return Some(pyJSONStrings(c.Zone))
}

// evOpt is one of ev's scalar fields, absent unless its presence bit h is set.
func evOpt[T any](ev *telemetry.Event, h telemetry.Has, v T) Opt[T] { return OptIf(ev.Has&h != 0, v) }

// evTime is `_D`, absent when the event had none.
func evTime(ev *telemetry.Event) Opt[time.Time] { return evOpt(ev, telemetry.HasTime, ev.Time) }

// isGameOK is the reference's recurring
// `if is_game is None or is_game < 1: continue`. A string/list/dict value
// raises TypeError there, which fails the whole match in the reference, so
// it is an error here (a permanent WrongFieldType failure).
func isGameOK(ev *telemetry.Event) (bool, error) {
	if ev.Has&telemetry.HasIsGameInvalid != 0 {
		return false, &telemetry.Error{Kind: telemetry.ErrWrongType, Offset: -1, Event: int(ev.Index), Field: "common.isGame",
			Err: errIsGameType}
	}
	if ev.Has&telemetry.HasIsGame == 0 {
		return false, nil
	}
	return !(ev.IsGame < 1), nil
}

// notObject is the reference's AttributeError on `(event.get(k) or
// {}).get(...)` when k held a truthy non-object: the reader flagged the
// field (telemetry.Bad) and the extractor fails the match at the point the
// reference's code would have read it.
func notObject(ev *telemetry.Event, mask telemetry.Bad) error {
	b := ev.Bad & mask
	if b == 0 {
		return nil
	}
	return &telemetry.Error{Kind: telemetry.ErrWrongType, Offset: -1, Event: int(ev.Index), Field: b.Name(), Err: errNotObject}
}

const errNotObject = constErr("a non-empty non-object value where an object belongs: the reference's .get() raises AttributeError and fails the match")

type constErr string

func (e constErr) Error() string { return string(e) }

const errIsGameType = constErr("common.isGame is not a number: the reference's `is_game < 1` raises TypeError and fails the match")

// pyMean is `sum(xs) / len(xs)`.
func pyMean(xs []float64) float64 { return sumFloats(xs) / float64(len(xs)) }

// pyVariance is the reference's _calculate_variance: population variance,
// None for fewer than two values.
func pyVariance(xs []float64) Opt[float64] {
	if len(xs) < 2 {
		return None[float64]()
	}
	mean := pyMean(xs)
	sq := make([]float64, len(xs))
	for i, x := range xs {
		d := x - mean
		sq[i] = float64(d * d)
	}
	return Some(sumFloats(sq) / float64(len(xs)))
}

// pyRepr formats a float as CPython's repr (and so json.dumps) does:
// shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16 with
// at least one fractional digit, exponent notation otherwise.
func pyRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.dddde±XX
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // value = 0.digits × 10^decpt
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case decpt <= -4 || decpt > 16:
		b.WriteByte(digits[0])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if exp < 0 {
			b.WriteByte('-')
			exp = -exp
		} else {
			b.WriteByte('+')
		}
		if exp < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(exp))
	case decpt <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -decpt))
		b.WriteString(digits)
	case decpt >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", decpt-len(digits)))
		b.WriteString(".0")
	default:
		b.WriteString(digits[:decpt])
		b.WriteByte('.')
		b.WriteString(digits[decpt:])
	}
	return b.String()
}

// pyJSONString quotes s as json.dumps does by default (ensure_ascii).
func pyJSONString(b *strings.Builder, s string) {
	const hexd = "0123456789abcdef"
	u := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(hexd[r>>12&0xf])
		b.WriteByte(hexd[r>>8&0xf])
		b.WriteByte(hexd[r>>4&0xf])
		b.WriteByte(hexd[r&0xf])
	}
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r < 0x10000):
			u(r)
		case r >= 0x10000:
			r1, r2 := utf16.EncodeRune(r)
			u(r1)
			u(r2)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// pyJSONStrings is json.dumps(list_of_str) with the default separators.
func pyJSONStrings(v []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		pyJSONString(&b, s)
	}
	b.WriteByte(']')
	return b.String()
}
