package extract

import "encoding/json"

// Opt is a row value that may be absent: the reference's "value or None".
// Valid=false is Python None and is stored as SQL NULL; V is then the zero
// value and means nothing. Every optional scalar column of the row types is
// an Opt, never a value plus a "has" flag or a zero that means NULL. (A
// list column such as Fight.ThirdPartyTeams is NULL when nil, and so are
// PlayerEnhancedStats' column groups when their pointer is nil.)
//
// It lives here, with the row types, because rows are what it describes:
// store reads rows and already imports extract, and nothing else needs it
// (the telemetry Event keeps its presence bitmask; see child/telemetry's
// Has). A package of its own would add an import for no new reader.
type Opt[T any] struct {
	V     T
	Valid bool
}

// Some is a present value.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Valid: true} }

// None is an absent value (NULL).
func None[T any]() Opt[T] { return Opt[T]{} }

// OptIf is v when ok, absent otherwise: the bridge from a presence bit.
func OptIf[T any](ok bool, v T) Opt[T] {
	if !ok {
		return Opt[T]{}
	}
	return Opt[T]{V: v, Valid: true}
}

// MarshalJSON writes an absent value as null (dry-run output).
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(o.V)
}

// truthy is Python's truth test on the value: None, "" and 0 are false
// (NaN is true, as in Python).
func truthy[T comparable](o Opt[T]) bool {
	var zero T
	return o.Valid && o.V != zero
}

// sameOpt is Python's == on two values that may be None.
func sameOpt[T comparable](a, b Opt[T]) bool { return a.Valid == b.Valid && a.V == b.V }
