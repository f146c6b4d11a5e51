package telemetry

import (
	"errors"
	"fmt"
	"strings"
)

// ErrKind names what was wrong with a telemetry file.
type ErrKind string

const (
	ErrNotFound    ErrKind = "FileNotFound"
	ErrOutsideDir  ErrKind = "FileOutsideTelemetryDir"
	ErrEmptyFile   ErrKind = "EmptyFile"
	ErrCorruptGzip ErrKind = "CorruptGzip"
	ErrTooLarge    ErrKind = "TelemetryTooLarge"
	ErrBadJSON     ErrKind = "InvalidJSON"
	ErrTruncated   ErrKind = "TruncatedJSON"
	ErrNotArray    ErrKind = "NotAnArray"
	ErrNotObject   ErrKind = "EventNotAnObject"
	ErrWrongType   ErrKind = "WrongFieldType"
	ErrNoEvents    ErrKind = "NoEvents"
	ErrUnreadable  ErrKind = "FileUnreadable"
	// ErrNotRegular: the name is a directory, FIFO, socket or device, which
	// a telemetry file never is (a FIFO would block the reader).
	ErrNotRegular ErrKind = "NotARegularFile"
)

// Error is a telemetry read failure. Every kind is permanent: the same file
// fails the same way again.
type Error struct {
	Kind   ErrKind
	Path   string
	Offset int64 // byte offset in the decompressed JSON, -1 if unknown
	// Event is the 0-based index of the event in the file's array, -1 when
	// the problem is not inside one event.
	Event int
	// Field is the dotted path of the offending field inside the event
	// ("victim", "character.location", "common.isGame"), "" if none.
	Field string
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("telemetry ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Kind))
	if e.Event >= 0 {
		fmt.Fprintf(&b, " in event %d", e.Event)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " field %s", e.Field)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// newErr builds an Error that is not tied to an event.
func newErr(kind ErrKind, path string, offset int64, err error) *Error {
	return &Error{Kind: kind, Path: path, Offset: offset, Event: -1, Err: err}
}

// KindOf returns the ErrKind of err, or "" if err is not a telemetry error.
func KindOf(err error) ErrKind {
	var te *Error
	if errors.As(err, &te) {
		return te.Kind
	}
	return ""
}
