// Package child is what runs inside `collector child`: the Processor that
// turns one queue message into committed rows (validate, gate on game type
// and processing flags, read the telemetry file, run the extraction steps,
// write everything in one transaction), and the go-plugin server that exposes
// it to the supervisor. Subpackages own the pieces: telemetry (reading),
// extract (pure rules), store (PostgreSQL), schema (migrations), failure
// (error classes). It must not know about AMQP.
package child
