package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// stageCol is a column of a staging table: its name and SQL type.
type stageCol struct{ name, typ string }

// staged is a transaction-local table loaded with COPY, from which one
// set-based statement then moves the rows.
type staged struct {
	name string
	cols []stageCol
}

// stage creates a temporary table with the given columns and copies n rows
// into it. The column types are chosen to reproduce the reference's writes:
// Python floats reached PostgreSQL as float8 parameters and were cast to the
// target's NUMERIC on assignment (float8 → numeric keeps 15 significant
// digits, so e.g. 0.12499999999999999 is stored as 0.13, not 0.12). Staging
// floats as float8 and letting INSERT … SELECT / UPDATE … FROM do the same
// assignment cast stores exactly what the reference stored; loading the
// NUMERIC column directly from Go's shortest decimal would not.
func stage(ctx context.Context, tx *sql.Tx, prefix string, cols []stageCol, n int, row func(i int) []any) (*staged, error) {
	s := &staged{name: fmt.Sprintf("stage_%s_%d", prefix, stageSeq.Add(1)), cols: cols}
	defs := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		defs[i], names[i] = c.name+" "+c.typ, c.name
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE TEMP TABLE %s (%s) ON COMMIT DROP", s.name, strings.Join(defs, ", "))); err != nil {
		return nil, fmt.Errorf("create staging table %s: %w", s.name, err)
	}
	if _, err := CopyRows(ctx, tx, s.name, names, n, row); err != nil {
		return nil, err
	}
	return s, nil
}

// columns lists the staged column names, each prefixed with alias and a dot
// when alias is not empty.
func (s *staged) columns(alias string) string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.name
		if alias != "" {
			out[i] = alias + "." + c.name
		}
	}
	return strings.Join(out, ", ")
}

// drop removes the staging table early (it would go at commit anyway), so a
// long transaction does not accumulate them.
func (s *staged) drop(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+s.name); err != nil {
		return fmt.Errorf("drop staging table %s: %w", s.name, err)
	}
	return nil
}

// nullIf returns nil (NULL) when ok is false, v otherwise.
func nullIf(v any, ok bool) any {
	if !ok {
		return nil
	}
	return v
}
