package schema

import (
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
		line []int // start line of each statement, when checked
	}{
		{"two statements", "SELECT 1;\nSELECT 2;", []string{"SELECT 1", "SELECT 2"}, []int{1, 2}},
		{"no final semicolon", "SELECT 1;\n\nSELECT 2\n", []string{"SELECT 1", "SELECT 2"}, []int{1, 3}},
		{"leading comments dropped, inner kept", "-- about t\n/* more */\nCREATE TABLE t (a int -- why\n);",
			[]string{"CREATE TABLE t (a int -- why\n)"}, []int{3}},
		{"semicolon in a line comment", "SELECT 1 -- a; b\n;", []string{"SELECT 1 -- a; b"}, nil},
		{"semicolon in a string", "SELECT 'a;b', 'it''s;';SELECT 2", []string{"SELECT 'a;b', 'it''s;'", "SELECT 2"}, nil},
		{"E string with escaped quote", `SELECT E'a\';b';SELECT 2`, []string{`SELECT E'a\';b'`, "SELECT 2"}, nil},
		{"backslash in a standard string", `SELECT 'a\';SELECT 2`, []string{`SELECT 'a\'`, "SELECT 2"}, nil},
		{"quoted identifier", `CREATE INDEX "x;y" ON t (a);SELECT 2`, []string{`CREATE INDEX "x;y" ON t (a)`, "SELECT 2"}, nil},
		{"nested block comment", "/* a /* b; */ c; */ SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}, nil},
		{"DO block", "DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'x;';\nEND\n$$;\nSELECT 2;",
			[]string{"DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'x;';\nEND\n$$", "SELECT 2"}, []int{1, 7}},
		{"tagged dollar quote containing $$", "SELECT $fn$ a $$; b $fn$;SELECT 2", []string{"SELECT $fn$ a $$; b $fn$", "SELECT 2"}, nil},
		{"positional parameter is no quote", "SELECT $1;SELECT 2", []string{"SELECT $1", "SELECT 2"}, nil},
		{"empty statements", ";;\n  ;SELECT 1;;", []string{"SELECT 1"}, nil},
		{"only comments", "-- nothing\n/* here */\n", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitStatements(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d statements %+v, want %d %q", len(got), got, len(tc.want), tc.want)
			}
			for i := range got {
				if got[i].sql != tc.want[i] {
					t.Errorf("statement %d = %q, want %q", i, got[i].sql, tc.want[i])
				}
				if tc.line != nil && got[i].line != tc.line[i] {
					t.Errorf("statement %d starts on line %d, want %d", i, got[i].line, tc.line[i])
				}
			}
		})
	}
}

func TestSplitStatementsRejectsUnterminated(t *testing.T) {
	for _, src := range []string{"SELECT 'abc", `SELECT "abc`, "DO $$ BEGIN", "/* /* */ SELECT 1", "SELECT $x$ y"} {
		if got, err := splitStatements(src); err == nil {
			t.Errorf("splitStatements(%q) = %+v, want an error", src, got)
		}
	}
}

func TestParseIndex(t *testing.T) {
	tests := []struct {
		sql  string
		want *indexStmt
		conc string // concurrentSQL, when want != nil
	}{
		{"CREATE INDEX IF NOT EXISTS idx_a ON t (a)",
			&indexStmt{name: "idx_a", table: "t", rest: " (a)"},
			"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_a ON t (a)"},
		{"create unique index if not exists ux ON public.t USING btree (a, b) WHERE b > 0",
			&indexStmt{unique: true, name: "ux", table: "public.t", rest: " USING btree (a, b) WHERE b > 0"},
			"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux ON public.t USING btree (a, b) WHERE b > 0"},
		{"CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Odd Name\"\n    ON ONLY \"T\" (a)",
			&indexStmt{concurrently: true, name: `"Odd Name"`, table: `"T"`, rest: " (a)"},
			`CREATE INDEX CONCURRENTLY IF NOT EXISTS "Odd Name" ON "T" (a)`},
		{"CREATE INDEX idx_b ON t (b)", &indexStmt{name: "idx_b", table: "t", rest: " (b)"},
			"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_b ON t (b)"},
		{"CREATE INDEX ON t (a)", nil, ""},
		{"CREATE TABLE idx (a int)", nil, ""},
		{"ALTER TABLE t ADD COLUMN a int", nil, ""},
	}
	for _, tc := range tests {
		got := parseIndex(tc.sql)
		switch {
		case tc.want == nil && got != nil:
			t.Errorf("parseIndex(%q) = %+v, want nil", tc.sql, got)
		case tc.want != nil && (got == nil || *got != *tc.want):
			t.Errorf("parseIndex(%q) = %+v, want %+v", tc.sql, got, tc.want)
		case tc.want != nil && got.concurrentSQL() != tc.conc:
			t.Errorf("concurrentSQL of %q = %q, want %q", tc.sql, got.concurrentSQL(), tc.conc)
		}
	}
	if got := unquoteName(`"Odd ""Name"""`); got != `Odd "Name"` {
		t.Errorf("unquoteName = %q", got)
	}
	if got := unquoteName("Idx_A"); got != "idx_a" {
		t.Errorf("unquoteName = %q", got)
	}
}

// Every embedded file (and any added later) must split cleanly, and each of
// its CREATE INDEX statements must be one the runner can take out of the
// transaction: named, with IF NOT EXISTS, so that a re-run skips it and a
// build on an existing table can be done concurrently.
func TestEmbeddedMigrationsSplitAndNameTheirIndexes(t *testing.T) {
	ms, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		stmts, err := splitStatements(m.sql)
		if err != nil {
			t.Errorf("%s: %v", m.version, err)
			continue
		}
		if len(stmts) == 0 {
			t.Errorf("%s: no statements", m.version)
		}
		for _, s := range stmts {
			up := strings.ToUpper(strings.Join(strings.Fields(s.sql), " "))
			if !strings.HasPrefix(up, "CREATE INDEX") && !strings.HasPrefix(up, "CREATE UNIQUE INDEX") {
				continue
			}
			if parseIndex(s.sql) == nil || !strings.Contains(up, " IF NOT EXISTS ") {
				t.Errorf("%s line %d: CREATE INDEX must be named and say IF NOT EXISTS: %s", m.version, s.line, firstWords(s.sql))
			}
		}
	}
}
