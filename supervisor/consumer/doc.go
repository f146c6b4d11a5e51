// Package consumer owns the RabbitMQ side of the supervisor: one connection,
// a consuming channel with QoS prefetch on match.processing.<env> (declared
// exactly as the reference consumer declares it, so it attaches to the
// production queue), a confirm-mode publishing channel for the failed queue,
// and a reconnect loop. Every Delivery remembers the channel generation it
// came from: after a reconnect, settling a delivery from a dead channel is a
// no-op (the broker redelivers it) instead of a stale tag that would close the
// new channel with PRECONDITION_FAILED. It knows nothing of children or
// telemetry.
package consumer
