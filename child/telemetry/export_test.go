package telemetry

// SetAfterCheck makes f run between the path check and the open (see
// afterCheck) and returns a function that restores the no-op.
func SetAfterCheck(f func()) (restore func()) {
	afterCheck = f
	return func() { afterCheck = func() {} }
}
