// Package protocol is the contract between the supervisor and its children:
// the domain types of a job and its result, the Processor interface, the
// go-plugin handshake and plugin map, and the gRPC adapters that convert
// between those types and the generated protobuf messages in collectorpb.
//
// It must not know about AMQP, PostgreSQL or telemetry: both sides import it,
// and it imports neither.
package protocol
