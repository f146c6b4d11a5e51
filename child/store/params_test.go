package store

import (
	"context"
	"database/sql"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pewstats/collector/child/store/storetest"
)

// paramDB is a connection to the test server (no schema needed).
func paramDB(t *testing.T) *sql.DB {
	t.Helper()
	storetest.SkipIfShort(t)
	return storetest.Open(t, "postgres")
}

var trickyStrings = []string{
	"", "NULL", "null", `"`, `\`, `\\"`, `quote"back\slash`, "{brace},comma", " spaced ", "tab\there",
	"line\nbreak", "\x01control", "Ünïcødé 名前", `{"json": [1, 2]}`, "'single'",
}

// TestArraysCarryEveryStringUnchanged: what array_in and the JSON parser
// give back is exactly the string sent.
func TestArraysCarryEveryStringUnchanged(t *testing.T) {
	db := paramDB(t)
	rows := func(i int) []any { return []any{trickyStrings[i]} }
	arrays, err := columnArrays(1, len(trickyStrings), rows)
	if err != nil {
		t.Fatal(err)
	}
	records, err := jsonRecords([]string{"x"}, len(trickyStrings), rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		arg         any
	}{
		{"array", `SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i`, arrays[0]},
		{"json", `SELECT x FROM ROWS FROM (json_to_recordset($1::json) AS (x text)) WITH ORDINALITY AS r(x, i) ORDER BY i`, records},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := queryStrings(t, db, tc.query, tc.arg)
			if len(got) != len(trickyStrings) {
				t.Fatalf("got %d values, want %d", len(got), len(trickyStrings))
			}
			for i, want := range trickyStrings {
				if !got[i].Valid || got[i].String != want {
					t.Errorf("value %d: got %q (valid %v), want %q", i, got[i].String, got[i].Valid, want)
				}
			}
		})
	}
}

// TestArraysCarryEveryDoubleExactly: a float8[] element is the double sent,
// bit for bit (NULL stays NULL), as a float8 parameter was.
func TestArraysCarryEveryDoubleExactly(t *testing.T) {
	db := paramDB(t)
	values := []any{0.1 + 0.2, 0.12499999999999999, 1.005, math.Copysign(0, -1), 5e-324, math.MaxFloat64,
		-math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), nil, 296744.875, float64(float32(1378.3892))}
	arrays, err := columnArrays(1, len(values), func(i int) []any { return []any{values[i]} })
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT x FROM unnest($1::float8[]) WITH ORDINALITY AS u(x, i) ORDER BY i`, arrays[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var got sql.NullFloat64
		if err := rows.Scan(&got); err != nil {
			t.Fatal(err)
		}
		switch want := values[i].(type) {
		case nil:
			if got.Valid {
				t.Errorf("value %d: got %v, want NULL", i, got.Float64)
			}
		case float64:
			same := math.Float64bits(got.Float64) == math.Float64bits(want) || (math.IsNaN(want) && math.IsNaN(got.Float64))
			if !got.Valid || !same {
				t.Errorf("value %d: got %v (%#x), want %v (%#x)", i, got.Float64, math.Float64bits(got.Float64), want, math.Float64bits(want))
			}
		}
		i++
	}
	if i != len(values) {
		t.Fatalf("got %d values, want %d", i, len(values))
	}
}

// TestArraysOfOtherTypes: integers, booleans, times and nested arrays
// arrive as a parameter of their type would.
func TestArraysOfOtherTypes(t *testing.T) {
	db := paramDB(t)
	ts := time.Date(2025, 10, 7, 12, 1, 40, 123456789, time.UTC)
	type tc struct {
		name, typ string
		values    []any
		want      []string // as PostgreSQL prints them, "<nil>" for NULL
	}
	for _, c := range []tc{
		{"bigint", "bigint", []any{int64(-9223372036854775808), 0, int32(7), nil}, []string{"-9223372036854775808", "0", "7", "<nil>"}},
		{"boolean", "boolean", []any{true, false, nil}, []string{"true", "false", "<nil>"}},
		{"timestamptz", "timestamptz", []any{ts, nil}, []string{"2025-10-07 12:01:40.123457+00", "<nil>"}},
		{"timestamp", "timestamp", []any{ts}, []string{"2025-10-07 12:01:40.123457"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			arrays, err := columnArrays(1, len(c.values), func(i int) []any { return []any{c.values[i]} })
			if err != nil {
				t.Fatal(err)
			}
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(context.Background(), `SET TIME ZONE 'UTC'`); err != nil {
				t.Fatal(err)
			}
			rows, err := conn.QueryContext(context.Background(), `SELECT x::text FROM unnest($1::`+c.typ+`[]) WITH ORDINALITY AS u(x, i) ORDER BY i`, arrays[0])
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var s sql.NullString
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				if !s.Valid {
					s.String = "<nil>"
				}
				got = append(got, s.String)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("value %d: got %s, want %s", i, got[i], c.want[i])
				}
			}
		})
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []sql.NullString {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sql.NullString
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestNumericTextIsTheCast: a num sent in a numeric[] parameter is stored
// as the same double sent as float8 and cast to numeric would be, for the
// unconstrained type (value and display scale, compared as text) and for
// the NUMERIC(10,2) most columns have. The values: the tricky doubles of
// the float8 test, ties at the 15th significant digit and at the second
// decimal, telemetry-shaped coordinates and distances, every magnitude, and
// random bit patterns.
func TestNumericTextIsTheCast(t *testing.T) {
	db := paramDB(t)
	rng := rand.New(rand.NewPCG(13, 1))
	values := []float64{0.1 + 0.2, 0.12499999999999999, 1.005, 2.675, 0.125, -0.125, math.Copysign(0, -1), 0,
		5e-324, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 296744.875,
		float64(float32(1378.3892)), 54800.12890625, 753071.9375, 123456789012345.5, 123456789012346.5,
		99999999.994999, 99999999.995, 1e-5, 1.5e-5, 1e15, 1e16, 1e21, 1.7976931348623157e308}
	for range 60000 {
		// Decimals at the ties of the rounding that follows (x.xx5), and
		// their neighbouring doubles.
		v := float64(rng.IntN(2_000_000_000)-1_000_000_000)/1000 + 0.0005
		values = append(values, v, math.Nextafter(v, math.Inf(1)), math.Nextafter(v, math.Inf(-1)))
		// Every magnitude, and float32 values (telemetry's coordinates).
		values = append(values, (rng.Float64()-0.5)*math.Pow(10, float64(rng.IntN(40)-20)),
			float64(float32(rng.Float64()*816000)))
		// Any double at all.
		values = append(values, math.Float64frombits(rng.Uint64()))
	}
	asFloat, err := columnArrays(1, len(values), func(i int) []any { return []any{values[i]} })
	if err != nil {
		t.Fatal(err)
	}
	asNum, err := columnArrays(1, len(values), func(i int) []any { return []any{NumericValue(values[i])} })
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`
		SELECT i, f::numeric::text, n::text,
		       CASE WHEN abs(f) < 99999999.995 THEN f::numeric(10,2)::text END,
		       CASE WHEN abs(f) < 99999999.995 THEN n::numeric(10,2)::text END
		FROM unnest($1::float8[], $2::numeric[]) WITH ORDINALITY AS u(f, n, i) ORDER BY i`, asFloat[0], asNum[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen, bad := 0, 0
	for rows.Next() {
		var i int
		var cast, sent string
		var cast2, sent2 sql.NullString
		if err := rows.Scan(&i, &cast, &sent, &cast2, &sent2); err != nil {
			t.Fatal(err)
		}
		seen++
		if cast != sent || cast2 != sent2 {
			if bad++; bad <= 10 {
				t.Errorf("%v (%#x): cast %s / %s, sent %s / %s", values[i-1], math.Float64bits(values[i-1]), cast, cast2.String, sent, sent2.String)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(values) || bad > 0 {
		t.Fatalf("%d of %d values compared, %d differ", seen, len(values), bad)
	}
}
