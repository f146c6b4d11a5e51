package storetest

import "testing"

// SkipIfShort skips a test that needs the PostgreSQL server when the suite
// runs with -short (`make test-short`, which promises to need no services).
// NewDatabase calls it, so every test that creates a database, the
// end-to-end tests of supervisor/ included, skips without further code.
// Without -short an unreachable server fails the test, loudly.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL: skipped under -short")
	}
}
