package e2etest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// ProcEnviron returns the environment process pid started with, from
// /proc/<pid>/environ (NUL-separated NAME=value entries).
func ProcEnviron(t testing.TB, pid int) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatalf("e2etest: environment of pid %d: %v", pid, err)
	}
	env := map[string]string{}
	for _, kv := range bytes.Split(raw, []byte{0}) {
		if len(kv) == 0 {
			continue
		}
		k, v, _ := strings.Cut(string(kv), "=")
		env[k] = v
	}
	return env
}
