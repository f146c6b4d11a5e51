package schema

import (
	"fmt"
	"regexp"
	"strings"
)

// statement is one SQL statement of a migration file.
type statement struct {
	sql  string // the statement without its leading comments and final ';'
	line int    // 1-based line of the file where sql starts
}

// splitStatements cuts a migration file into its statements. The runner needs
// them one by one: a CREATE INDEX on a table that already exists is taken
// out of the file's transaction and built CONCURRENTLY, which PostgreSQL
// refuses inside a transaction block or a multi-statement query.
//
// It knows the lexical structures of PostgreSQL in which a ';' does not end a
// statement: '…' strings (a doubled quote inside; backslash escapes in E'…'),
// "…" identifiers, $tag$…$tag$ dollar quoting, -- line comments and nested
// /* … */ comments. Comments before a statement are dropped; a file that
// ends inside a quote or comment is an error.
func splitStatements(src string) ([]statement, error) {
	var out []statement
	start, line, startLine := 0, 1, 1
	leading := true // still in whitespace/comments before a statement
	i := 0
	flush := func(end int) {
		s := strings.TrimSpace(src[start:end])
		if s != "" {
			out = append(out, statement{sql: s, line: startLine})
		}
		leading = true
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			i += j
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			end, n, err := blockComment(src, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			line += n
			i = end
		default:
			if leading {
				start, startLine, leading = i, line, false
			}
			switch {
			case c == ';':
				flush(i)
				i++
				start = i
			case c == '\'':
				escapes := i > 0 && (src[i-1] == 'E' || src[i-1] == 'e') && (i < 2 || !isIdentChar(src[i-2]))
				end, n, err := quoted(src, i, '\'', escapes)
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
				line += n
				i = end
			case c == '"':
				end, n, err := quoted(src, i, '"', false)
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
				line += n
				i = end
			case c == '$' && (i == 0 || !isIdentChar(src[i-1])):
				if tag := dollarTag.FindString(src[i:]); tag != "" {
					j := strings.Index(src[i+len(tag):], tag)
					if j < 0 {
						return nil, fmt.Errorf("line %d: unterminated %s quote", line, tag)
					}
					end := i + len(tag) + j + len(tag)
					line += strings.Count(src[i:end], "\n")
					i = end
				} else {
					i++
				}
			default:
				i++
			}
		}
	}
	if !leading {
		flush(len(src))
	}
	return out, nil
}

// dollarTag is the opening of a dollar-quoted string: $$ or $name$.
var dollarTag = regexp.MustCompile(`^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$`)

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// quoted returns the index just past the quote that opens at src[i], and the
// newlines inside it. A doubled quote character is part of the text; with
// backslashEscapes (E'…') so is any character after a backslash.
func quoted(src string, i int, q byte, backslashEscapes bool) (end, newlines int, err error) {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\n':
			newlines++
		case '\\':
			if backslashEscapes {
				j++
				if j < len(src) && src[j] == '\n' {
					newlines++
				}
			}
		case q:
			if j+1 < len(src) && src[j+1] == q {
				j++
				continue
			}
			return j + 1, newlines, nil
		}
	}
	return 0, 0, fmt.Errorf("unterminated %c quote", q)
}

// blockComment returns the index just past the /* … */ comment at src[i]
// (PostgreSQL's nest) and the newlines inside it.
func blockComment(src string, i int) (end, newlines int, err error) {
	depth := 0
	for j := i; j < len(src); j++ {
		switch {
		case strings.HasPrefix(src[j:], "/*"):
			depth++
			j++
		case strings.HasPrefix(src[j:], "*/"):
			depth--
			j++
			if depth == 0 {
				return j + 1, newlines, nil
			}
		case src[j] == '\n':
			newlines++
		}
	}
	return 0, 0, fmt.Errorf("unterminated /* comment")
}

// indexStmt is a CREATE INDEX statement the runner may build concurrently.
type indexStmt struct {
	unique       bool
	concurrently bool   // the file itself says CONCURRENTLY
	name         string // as written (possibly "quoted")
	table        string // as written, possibly schema-qualified
	rest         string // everything after the table name
}

const sqlName = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`

var createIndex = regexp.MustCompile(`(?is)^CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(` +
	sqlName + `)\s+ON\s+(?:ONLY\s+)?(` + sqlName + `(?:\.` + sqlName + `)?)(.*)$`)

// parseIndex recognises a named CREATE INDEX statement. Unnamed ones (and
// anything else) return nil and run as written inside the transaction.
func parseIndex(sql string) *indexStmt {
	m := createIndex.FindStringSubmatch(sql)
	if m == nil || strings.EqualFold(m[3], "on") {
		return nil
	}
	return &indexStmt{unique: m[1] != "", concurrently: m[2] != "", name: m[3], table: m[4], rest: m[5]}
}

// concurrentSQL is the statement rewritten to build without blocking writes.
func (ix *indexStmt) concurrentSQL() string {
	u := ""
	if ix.unique {
		u = "UNIQUE "
	}
	return "CREATE " + u + "INDEX CONCURRENTLY IF NOT EXISTS " + ix.name + " ON " + ix.table + ix.rest
}

// unquoteName turns an identifier as written into its catalog spelling:
// "Quoted" keeps its case, bare names fold to lower case.
func unquoteName(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}
