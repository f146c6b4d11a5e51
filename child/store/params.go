package store

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// The set-based writers send a whole table's rows as a few parameters: one
// PostgreSQL array per column (unnest), or one JSON array of objects
// (json_populate_recordset). Either way each value reaches the server as
// the same text lib/pq sent for it as a COPY field or a parameter, so the
// server's input function of the same type parses the same characters and
// stores the same value (docs/PARITY.md, "Column values").

// appendText appends v as lib/pq encodes a parameter or COPY field in text
// form, after database/sql's default conversion of Go values; null reports
// SQL NULL.
func appendText(b []byte, v any) (out []byte, null bool, err error) {
	switch x := v.(type) {
	case nil:
		return b, true, nil
	case string:
		return append(b, x...), false, nil
	case int64:
		return strconv.AppendInt(b, x, 10), false, nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), false, nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), false, nil
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64), false, nil
	case num:
		return appendNumeric(b, float64(x)), false, nil
	case bool:
		return strconv.AppendBool(b, x), false, nil
	case time.Time:
		return append(b, pq.FormatTimestamp(x)...), false, nil
	case []byte:
		if x == nil {
			return b, true, nil
		}
		return append(b, x...), false, nil
	case driver.Valuer:
		dv, err := x.Value()
		if err != nil {
			return b, false, err
		}
		return appendText(b, dv)
	}
	return b, false, fmt.Errorf("store: no text encoding for %T", v)
}

// columnArrays turns n rows of ncols values into one array literal per
// column ({…}); elements are always quoted, so empty strings, the word
// NULL, spaces, commas and braces survive array_in unchanged.
func columnArrays(ncols, n int, row func(i int) []any) ([]any, error) {
	bufs := make([][]byte, ncols)
	for c := range bufs {
		bufs[c] = append(make([]byte, 0, 12*n+2), '{')
	}
	var scratch []byte
	for i := range n {
		vals := row(i)
		if len(vals) != ncols {
			return nil, fmt.Errorf("store: row %d has %d values, want %d", i, len(vals), ncols)
		}
		for c, v := range vals {
			if i > 0 {
				bufs[c] = append(bufs[c], ',')
			}
			var null bool
			var err error
			scratch, null, err = appendText(scratch[:0], v)
			if err != nil {
				return nil, fmt.Errorf("store: row %d column %d: %w", i, c, err)
			}
			if null {
				bufs[c] = append(bufs[c], "NULL"...)
				continue
			}
			bufs[c] = appendArrayElem(bufs[c], scratch)
		}
	}
	out := make([]any, ncols)
	for c := range bufs {
		out[c] = string(append(bufs[c], '}'))
	}
	return out, nil
}

// appendArrayElem quotes s for array_in: backslash and double quote are
// escaped with a backslash.
func appendArrayElem(b, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// jsonRecords renders n rows as a JSON array of objects keyed by column
// name, every value a JSON string of its text form (or null), for
// json_populate_recordset(NULL::table, $1): the server then converts each
// string with the input function of the table's own column type and
// typmod, exactly as COPY into that table would.
func jsonRecords(columns []string, n int, row func(i int) []any) (string, error) {
	b := make([]byte, 0, 64*n*len(columns)/4+2)
	b = append(b, '[')
	var scratch []byte
	for i := range n {
		vals := row(i)
		if len(vals) != len(columns) {
			return "", fmt.Errorf("store: row %d has %d values, want %d", i, len(vals), len(columns))
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for c, v := range vals {
			if c > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, []byte(columns[c]))
			b = append(b, ':')
			var null bool
			var err error
			scratch, null, err = appendText(scratch[:0], v)
			if err != nil {
				return "", fmt.Errorf("store: row %d column %s: %w", i, columns[c], err)
			}
			if null {
				b = append(b, "null"...)
				continue
			}
			b = appendJSONString(b, scratch)
		}
		b = append(b, '}')
	}
	return string(append(b, ']')), nil
}

// appendJSONString appends s as a JSON string. Bytes that are not valid
// UTF-8 are passed through unchanged, so the server refuses them as it
// refused them in COPY.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			_, size := utf8.DecodeRune(s[i:])
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}
