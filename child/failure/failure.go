// Package failure classifies why a job failed. Every error that leaves the
// child's processing carries a Class (does retrying help?) and a short Type
// (a metric label and the reason put on the failed message). Classification
// happens once, where the error is best understood; callers match with
// errors.As / ClassOf.
package failure

import (
	"context"
	"errors"
	"fmt"
)

// Class says what to do with a failed message.
type Class uint8

const (
	// Permanent: the same input fails the same way again; dead-letter it.
	Permanent Class = iota + 1
	// Transient: the cause is outside the message (database down, deadlock);
	// requeue and back off.
	Transient
)

func (c Class) String() string {
	switch c {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	}
	return "unclassified"
}

// Error is a classified error.
type Error struct {
	Class Class
	Type  string // e.g. "FileNotFound", "DatabaseUnavailable"
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// New classifies err. A nil err yields nil.
func New(class Class, typ string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Class: class, Type: typ, Err: err}
}

// Permanentf builds a permanent error of the given type.
func Permanentf(typ, format string, args ...any) error {
	return &Error{Class: Permanent, Type: typ, Err: fmt.Errorf(format, args...)}
}

// Transientf builds a transient error of the given type.
func Transientf(typ, format string, args ...any) error {
	return &Error{Class: Transient, Type: typ, Err: fmt.Errorf(format, args...)}
}

// ClassOf returns the class and type of err. Unclassified errors are
// permanent "InternalError", except cancellation and deadlines, which are
// transient: the work was interrupted, not refused.
func ClassOf(err error) (Class, string) {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Class, fe.Type
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Transient, "Interrupted"
	}
	return Permanent, "InternalError"
}
