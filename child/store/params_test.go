package store

import (
	"context"
	"database/sql"
	"math"
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
