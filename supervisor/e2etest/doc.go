// Package e2etest holds the helpers of the end-to-end tests: it builds the
// real collector binary, gives each test its own database (migrated), its
// own telemetry directory and its own queue names, publishes messages,
// starts `collector supervise` as a real process and reads back the
// ledger — rows, flags, queue depths and failed messages. Only tests import it.
package e2etest
