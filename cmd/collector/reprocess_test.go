package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReprocessParseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2025-01-01":                "2025-01-01T00:00:00Z",
		"2025-01-01T12:30:00Z":      "2025-01-01T12:30:00Z",
		"2025-01-01T14:30:00+02:00": "2025-01-01T12:30:00Z",
		"2025-01-01 12:30:00":       "2025-01-01T12:30:00Z",
		"2025-01-01T12:30":          "2025-01-01T12:30:00Z",
		"":                          "0001-01-01T00:00:00Z",
	} {
		got, err := parseTime("since", in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("parseTime(%q) = %s, %v; want %s", in, got.Format(time.RFC3339), err, want)
		}
	}
	for _, bad := range []string{"yesterday", "2025-13-01", "01/02/2025"} {
		if _, err := parseTime("since", bad); err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "--since") {
			t.Errorf("parseTime(%q): %v, want a usage error naming --since", bad, err)
		}
	}
}

func TestReprocessReadMatchIDs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(file, []byte("# from the support ticket\nm3\n\n  m4  trailing words\nm5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readMatchIDs([]string{"m1", "m2, m1", "@" + file})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"m1", "m2", "m1", "m3", "m4", "m5"}; !slices.Equal(got, want) {
		t.Errorf("ids %v, want %v", got, want)
	}
	if _, err := readMatchIDs([]string{"@" + file + ".missing"}); err == nil || exitCode(err) != 2 {
		t.Errorf("missing file: %v, want a usage error", err)
	}
}

// TestReprocessFlagsNeedNoServices: every refusal happens before anything
// connects (the database here does not exist).
func TestReprocessFlagsNeedNoServices(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--all"}, "--tables is required"},
		{[]string{"--all", "--tables", "all", "--local", "--pool-size", "0"}, "--pool-size must be between 1 and 256"},
		{[]string{"--all", "--tables", "all", "--rabbitmq-port", "0"}, "--rabbitmq-port"},
		{[]string{"--all", "--tables", "all", "--local", "--task-timeout", "0s"}, "--task-timeout must be positive"},
		{[]string{"--match-id", ",", "--tables", "all"}, "no match id given"},
		{[]string{"--missing", "finishing", "--tables", "team_fights,fight_participants", "--all"}, "cannot be combined"},
	} {
		root := newRootCmd()
		root.SetArgs(append([]string{"reprocess", "--postgres-port", "1"}, tc.args...))
		err := root.Execute()
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reprocess %v: %v (exit %d), want a usage error with %q", tc.args, err, exitCode(err), tc.want)
		}
	}
}
