// Package pool runs and supervises the child processes: it starts each
// `collector child` through go-plugin from an OS thread locked for the
// child's whole life (so Linux's Pdeathsig fires only when the parent dies),
// watches every process itself (go-plugin never announces a dead plugin),
// restarts dead children with capped, jittered exponential backoff, enforces
// the per-job time and memory limits, retires children after N jobs, and
// hands jobs to idle children. It knows nothing of AMQP: Submit takes a
// protocol.Job and returns a protocol.Result or a *JobError.
package pool
