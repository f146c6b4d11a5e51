package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Statements the match transaction runs on every match are prepared once
// per connection instead of being parsed and planned per match: lib/pq runs
// a statement with parameters as two round trips (parse and describe, then
// bind and execute), a prepared one as one.
//
// database/sql does the per-connection part: a statement prepared on the
// pool (*sql.Stmt) is prepared again, once, on each connection it meets, and
// Tx.StmtContext reuses the connection's copy. The pool-level statements are
// prepared before the transaction begins, so a pool of one connection never
// waits for a second one.

// registry lists the statements to prepare. Writers register theirs from
// package-level variables (prepared), so the list is complete before any
// store is opened.
var registry []string

// prepared registers query for preparation and returns it.
func prepared(query string) string {
	registry = append(registry, query)
	return query
}

// statements holds the pool-level prepared statements of one Store.
type statements struct {
	mu      sync.Mutex
	byQuery map[string]*sql.Stmt
	tried   time.Time // last preparation that left some out
}

// retryPrepareAfter spaces out attempts to prepare statements the server
// refused (a schema behind the binary), which it would log every time.
const retryPrepareAfter = 30 * time.Second

// prepareAll prepares every registered statement not prepared yet. A
// statement that cannot be prepared (a table the schema lacks, say) is left
// out: it runs unprepared, and fails there with the error to report, and
// preparation is tried again at most every retryPrepareAfter.
func (c *statements) prepareAll(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byQuery) == len(registry) || time.Since(c.tried) < retryPrepareAfter {
		return
	}
	c.tried = time.Now()
	if c.byQuery == nil {
		c.byQuery = make(map[string]*sql.Stmt, len(registry))
	}
	for _, q := range registry {
		if _, ok := c.byQuery[q]; ok {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		var pe *pq.Error
		if errors.As(err, &pe) {
			continue // the server refused this one; the others may do
		}
		if err != nil {
			c.tried = time.Time{} // unreachable or cancelled: try again next time
			return
		}
		c.byQuery[q] = st
	}
}

func (c *statements) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byQuery[query]
}

func (c *statements) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.byQuery {
		st.Close()
		delete(c.byQuery, q)
	}
}

type statementsKey struct{}

// withStatements makes the store's prepared statements reachable by the
// writers, which see only the context and the transaction.
func withStatements(ctx context.Context, c *statements) context.Context {
	return context.WithValue(ctx, statementsKey{}, c)
}

// txStmt is query prepared on tx's connection, or nil when the context
// carries no prepared copy of it (a writer called outside CommitMatch).
func txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	c, _ := ctx.Value(statementsKey{}).(*statements)
	if c == nil {
		return nil
	}
	st := c.get(query)
	if st == nil {
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// execTx runs query in tx, prepared when the store prepared it.
func execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := txStmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// queryTx runs query in tx, prepared when the store prepared it.
func queryTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := txStmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// queryRowTx runs query in tx, prepared when the store prepared it.
func queryRowTx(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := txStmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}
