package main

import "testing"

// captureSupervise parses args for a supervise command and returns the
// validated options without running the supervisor.
func captureSupervise(t *testing.T, args []string) *superviseOptions {
	t.Helper()
	var captured *superviseOptions
	testHookSupervise = func(o *superviseOptions) { captured = o }
	defer func() { testHookSupervise = nil }()
	root := newRootCmd()
	root.SetArgs(append([]string{"supervise"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("supervise %v: %v", args, err)
	}
	if captured == nil {
		t.Fatal("supervise did not reach its run step")
	}
	return captured
}
