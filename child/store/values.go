package store

import (
	"math"
	"strconv"

	"github.com/pewstats/collector/child/extract"
)

// The reference handed Python values to psycopg, which sends a float as
// float8 and an int as int8, and PostgreSQL then cast them to the column
// type. These helpers produce, for each column type, the value that cast
// would have stored, so rows compare equal with the reference's.

// Text is a VARCHAR/TEXT/JSONB value, NULL when absent.
func Text(o extract.OptString) any {
	if !o.Valid {
		return nil
	}
	return o.V
}

// Int is an INTEGER/BIGINT value from an integer, NULL when absent.
func Int(o extract.OptInt) any {
	if !o.Valid {
		return nil
	}
	return o.V
}

// IntText is a VARCHAR column fed a Python int (int8 → text cast).
func IntText(o extract.OptInt) any {
	if !o.Valid {
		return nil
	}
	return strconv.FormatInt(o.V, 10)
}

// Numeric is a NUMERIC column fed a Python float. PostgreSQL's float8 →
// numeric cast prints the double with 15 significant digits ("%.15g")
// before any typmod rounding; formatting the same way here makes COPY
// store exactly what the reference's INSERT stored.
func Numeric(o extract.OptFloat) any {
	if !o.Valid {
		return nil
	}
	return numericText(o.V)
}

func numericText(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', 15, 64)
}

// NumericValue is Numeric for a value that is never NULL.
func NumericValue(f float64) any { return numericText(f) }

// Float8 is a DOUBLE PRECISION column: the double as is.
func Float8(o extract.OptFloat) any {
	if !o.Valid {
		return nil
	}
	return o.V
}

// Real is a REAL column fed a Python float: the float8 → float4 cast
// rounds to nearest, as Go's conversion does.
func Real(o extract.OptFloat) any {
	if !o.Valid {
		return nil
	}
	return float64(float32(o.V))
}

// IntRound is an INTEGER column fed a Python float (e.g. health): the
// float8 → int4 cast rounds half to even (rint).
func IntRound(o extract.OptFloat) any {
	if !o.Valid {
		return nil
	}
	if math.IsNaN(o.V) || math.IsInf(o.V, 0) || math.Abs(o.V) > 1<<62 {
		return numericText(o.V) // rejected by the column, as the cast would be
	}
	return int64(math.RoundToEven(o.V))
}

// Time is a timestamp column, NULL when absent.
func Time(o extract.OptTime) any {
	if !o.Valid {
		return nil
	}
	return o.V.UTC()
}

// info returns the match columns the writers share.
func infoText(s string) any { return NullString(s, s != "") }
