package store

import (
	"database/sql/driver"
	"math"
	"strconv"
	"time"

	"github.com/pewstats/collector/child/extract"
)

// The reference handed Python values to psycopg, which sends a float as
// float8 and an int as int8, and PostgreSQL then cast them to the column
// type. These helpers produce, for each column type, the value that cast
// would have stored, so rows compare equal with the reference's.

// Text is a VARCHAR/TEXT/JSONB value, NULL when absent.
func Text(o extract.Opt[string]) any { return asIs(o) }

// Int is an INTEGER/BIGINT value from an integer, NULL when absent.
func Int(o extract.Opt[int64]) any { return asIs(o) }

// Float8 is a double sent as is (float8), NULL when absent: a DOUBLE
// PRECISION column, or a float8 parameter the statement casts to the
// column's type as PostgreSQL cast psycopg's float.
func Float8(o extract.Opt[float64]) any { return asIs(o) }

// asIs is the value itself, or nil (NULL) when absent. Text, Int and
// Float8 name the column types it serves, so a value of the wrong Go type
// does not compile.
func asIs[T any](o extract.Opt[T]) any {
	if !o.Valid {
		return nil
	}
	return o.V
}

// IntText is a VARCHAR column fed a Python int (int8 → text cast).
func IntText(o extract.Opt[int64]) any {
	if !o.Valid {
		return nil
	}
	return strconv.FormatInt(o.V, 10)
}

// Numeric is a NUMERIC column fed a Python float. PostgreSQL's float8 →
// numeric cast prints the double with 15 significant digits ("%.15g")
// before any typmod rounding; formatting the same way here makes COPY
// store exactly what the reference's INSERT stored.
func Numeric(o extract.Opt[float64]) any {
	if !o.Valid {
		return nil
	}
	return num(o.V)
}

// NumericValue is Numeric for a value that is never NULL.
func NumericValue(f float64) any { return num(f) }

// num is a float bound for a NUMERIC column. Every writer sends it as the
// text the float8 → numeric cast would have printed (appendNumeric), so
// the server converts it with numeric's input alone: a COPY field, a JSON
// record field, or an element of a numeric[] parameter. Sent as float8
// instead, the server would parse the double and then print it again for
// the cast, about a tenth of its CPU on the circle samples' seven NUMERIC
// columns; what is stored is the same (TestNumericTextIsTheCast).
type num float64

// Value serves database/sql (COPY rows): the same text.
func (n num) Value() (driver.Value, error) { return numericText(float64(n)), nil }

func numericText(f float64) string { return string(appendNumeric(nil, f)) }

// appendNumeric appends f as PostgreSQL's float8 → numeric cast prints it.
func appendNumeric(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, f, 'g', 15, 64)
}

// Real is a REAL column fed a Python float: the float8 → float4 cast
// rounds to nearest, as Go's conversion does.
func Real(o extract.Opt[float64]) any {
	if !o.Valid {
		return nil
	}
	return float64(float32(o.V))
}

// IntRound is an INTEGER column fed a Python float (e.g. health): the
// float8 → int4 cast rounds half to even (rint).
func IntRound(o extract.Opt[float64]) any {
	if !o.Valid {
		return nil
	}
	if math.IsNaN(o.V) || math.IsInf(o.V, 0) || math.Abs(o.V) > 1<<62 {
		return numericText(o.V) // rejected by the column, as the cast would be
	}
	return int64(math.RoundToEven(o.V))
}

// Time is a timestamp column, NULL when absent.
func Time(o extract.Opt[time.Time]) any {
	if !o.Valid {
		return nil
	}
	return o.V.UTC()
}

// infoText is a text match column from MatchInfo, NULL when empty.
func infoText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
