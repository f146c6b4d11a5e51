package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/failure"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantClass failure.Class
		wantType  string
	}{
		{"serialization failure", &pq.Error{Code: "40001"}, failure.Transient, "SerializationFailure"},
		{"deadlock", &pq.Error{Code: "40P01"}, failure.Transient, "Deadlock"},
		{"admin shutdown", &pq.Error{Code: "57P01"}, failure.Transient, "DatabaseShuttingDown"},
		{"cannot connect now", &pq.Error{Code: "57P03"}, failure.Transient, "DatabaseShuttingDown"},
		{"too many connections", &pq.Error{Code: "53300"}, failure.Transient, "DatabaseResources"},
		{"connection failure", &pq.Error{Code: "08006"}, failure.Transient, "DatabaseUnavailable"},
		{"undefined table: schema behind", &pq.Error{Code: "42P01"}, failure.Transient, "SchemaMismatch"},
		{"numeric out of range", &pq.Error{Code: "22003"}, failure.Permanent, "InvalidData"},
		{"not null violation", &pq.Error{Code: "23502"}, failure.Permanent, "IntegrityViolation"},
		{"syntax error", &pq.Error{Code: "42601"}, failure.Permanent, "SQLError"},
		{"index row too large", &pq.Error{Code: "54000"}, failure.Permanent, "ProgramLimitExceeded"},
		{"too many columns", &pq.Error{Code: "54011"}, failure.Permanent, "ProgramLimitExceeded"},
		{"feature not supported", &pq.Error{Code: "0A000"}, failure.Permanent, "SQLError"},
		{"wrapped pq error", fmt.Errorf("write x: %w", &pq.Error{Code: "40P01"}), failure.Transient, "Deadlock"},
		{"connection refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, failure.Transient, "DatabaseUnavailable"},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), failure.Transient, "DatabaseUnavailable"},
		{"deadline", context.DeadlineExceeded, failure.Transient, "Interrupted"},
		{"unknown driver error", errors.New("pq: something odd"), failure.Transient, "DatabaseError"},
		{"already classified kept", failure.Permanentf("X", "x"), failure.Permanent, "X"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Classify(tc.err)
			class, typ := failure.ClassOf(err)
			if class != tc.wantClass || typ != tc.wantType {
				t.Fatalf("Classify(%v) = %s %s, want %s %s", tc.err, class, typ, tc.wantClass, tc.wantType)
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("classification lost the cause")
			}
		})
	}
	if Classify(nil) != nil {
		t.Fatal("Classify(nil) != nil")
	}
}

func TestDSNQuotesAndRedacts(t *testing.T) {
	c := Config{Host: "db", Port: 5432, DB: "pew stats", User: "u", Password: `p'a\ss`}
	dsn := c.DSN()
	if want := `password='p\'a\\ss'`; !strings.Contains(dsn, want) {
		t.Fatalf("DSN %q lacks %q", dsn, want)
	}
	if strings.Contains(c.Redacted(), "p'a") {
		t.Fatalf("Redacted leaks the password: %s", c.Redacted())
	}
}
