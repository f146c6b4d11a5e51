package store

import (
	"fmt"
	"strings"
)

// stageCol is a column of a set-based load: its name and the SQL type its
// values are given in. The types are chosen to reproduce the reference's
// writes: Python floats reached PostgreSQL as float8 parameters and were
// cast to the target's NUMERIC on assignment (float8 → numeric keeps 15
// significant digits, so e.g. 0.12499999999999999 is stored as 0.13, not
// 0.12). A float bound for a NUMERIC column is given as numeric, its
// elements the very text that cast prints (num, NumericValue), so the
// assignment's typmod rounding meets the same value; loading it from Go's
// shortest decimal would not. The match_summaries update keeps float8: its
// COALESCE must see the reference's parameter types.
//
// These were once the columns of a temporary staging table created per
// match; now each column is one array parameter of its type, expanded by
// unnest, so the same typed values meet the same casts with no catalog
// change. A type ending in [] (an array column) is sent as text[] and cast
// per element, since unnest would flatten an array of arrays.
type stageCol struct{ name, typ string }

// unnestSource is the FROM item that expands the columns from parameters
// $first… as the table alias, with ordinality when ord is set (the column
// is then called ord).
func unnestSource(cols []stageCol, first int, alias string, ord bool) string {
	params := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		typ := c.typ
		if strings.HasSuffix(typ, "[]") {
			typ = "text" // cast per element in unnestColumns
		}
		params[i] = fmt.Sprintf("$%d::%s[]", first+i, typ)
		names[i] = c.name
	}
	with := ""
	if ord {
		with = " WITH ORDINALITY"
		names = append(names, "ord")
	}
	return fmt.Sprintf("unnest(%s)%s AS %s(%s)", strings.Join(params, ", "), with, alias, strings.Join(names, ", "))
}

// unnestColumns lists the columns for a SELECT list, prefixed with alias,
// array columns cast back to their type.
func unnestColumns(cols []stageCol, alias string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = alias + "." + c.name
		if strings.HasSuffix(c.typ, "[]") {
			out[i] += "::" + c.typ
		}
	}
	return strings.Join(out, ", ")
}

// columnNames lists the column names.
func columnNames(cols []stageCol) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return strings.Join(out, ", ")
}
