package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/failure"
)

// Classify wraps a database error with its failure class. PostgreSQL errors
// are mapped by SQLSTATE; network-level errors (refused, reset, EOF) are
// transient because the database may be back in a moment.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var fe *failure.Error
	if errors.As(err, &fe) {
		return err
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		class, typ := classifyCode(string(pe.Code))
		return failure.New(class, typ, err)
	}
	// context errors first: DeadlineExceeded also satisfies net.Error.
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failure.New(failure.Transient, "Interrupted", err)
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &oe), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return failure.New(failure.Transient, "DatabaseUnavailable", err)
	}
	class, typ := failure.ClassOf(err)
	if typ == "InternalError" {
		// An unexpected error from the driver: the safe default for the
		// message is a retry, not the failed queue.
		return failure.New(failure.Transient, "DatabaseError", err)
	}
	return failure.New(class, typ, err)
}

// classifyCode maps a SQLSTATE to a class and a type label.
func classifyCode(code string) (failure.Class, string) {
	switch code {
	case "40001":
		return failure.Transient, "SerializationFailure"
	case "40P01":
		return failure.Transient, "Deadlock"
	case "55P03":
		return failure.Transient, "LockNotAvailable"
	case "57014":
		return failure.Transient, "QueryCanceled"
	case "57P01", "57P02", "57P03":
		return failure.Transient, "DatabaseShuttingDown"
	case "42P01", "42703":
		// Missing table or column: the schema is behind the binary. Retrying
		// (with the consumer paused) lets operators run `collector migrate`
		// without losing every message to the failed queue.
		return failure.Transient, "SchemaMismatch"
	}
	if len(code) < 2 {
		return failure.Transient, "DatabaseError"
	}
	switch code[:2] {
	case "08": // connection exception
		return failure.Transient, "DatabaseUnavailable"
	case "53": // insufficient resources (too many connections, disk full, OOM)
		return failure.Transient, "DatabaseResources"
	case "58": // system error (I/O)
		return failure.Transient, "DatabaseSystemError"
	case "40": // transaction rollback
		return failure.Transient, "TransactionRollback"
	case "22": // data exception: a value from this match cannot be stored
		return failure.Permanent, "InvalidData"
	case "23": // integrity constraint violation
		return failure.Permanent, "IntegrityViolation"
	case "42": // syntax or access rule
		return failure.Permanent, "SQLError"
	case "54": // program limit exceeded: e.g. an index row too large for a
		// 3,000-byte player name; the same match fails the same way again
		return failure.Permanent, "ProgramLimitExceeded"
	case "0A": // feature not supported
		return failure.Permanent, "SQLError"
	}
	return failure.Transient, "DatabaseError"
}
