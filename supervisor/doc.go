// Package supervisor is the parent process of `collector supervise`. It wires
// the pieces its subpackages own — consumer (RabbitMQ), pool (child
// processes), metrics (Prometheus) — and decides each message's fate from
// its job's outcome: ack, requeue, retry with a counted attempt, or publish
// to the failed queue. It also serves /metrics, /healthz and /readyz and runs
// the graceful shutdown.
package supervisor
