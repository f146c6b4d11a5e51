package storetest

import (
	"context"
	"database/sql"
	_ "embed"
	"strconv"
	"testing"
	"time"
)

//go:embed reference_tables.sql
var referenceTables string

// CreateReferenceTables creates matches, players and the telemetry event
// tables exactly as the reference defines them. Tests use it until the
// project's migrations are available to them.
func CreateReferenceTables(t testing.TB, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, referenceTables); err != nil {
		t.Fatalf("storetest: create reference tables: %v", err)
	}
}

// PortNumber is the test server's port as a number.
func (p Params) PortNumber() int {
	n, err := strconv.Atoi(p.Port)
	if err != nil {
		return 5432
	}
	return n
}
