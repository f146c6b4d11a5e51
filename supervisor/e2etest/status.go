package e2etest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ChildView is one child as a supervisor's /status shows it.
type ChildView struct {
	Slot     int    `json:"slot"`
	PID      int    `json:"pid"`
	State    string `json:"state"`
	MatchID  string `json:"match_id"`
	Restarts int    `json:"restarts"`
}

// StatusView is the part of /status the tests read.
type StatusView struct {
	Children  []ChildView `json:"children"`
	Unacked   int64       `json:"unacked_here"`
	Readiness struct {
		Ready     bool `json:"ready"`
		Consuming bool `json:"consuming"`
	} `json:"readiness"`
}

// Status reads the supervisor's /status.
func (s *Supervisor) Status() (StatusView, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + s.MetricsAddr + "/status")
	if err != nil {
		return StatusView{}, err
	}
	defer resp.Body.Close()
	var v StatusView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return StatusView{}, fmt.Errorf("decode /status: %w", err)
	}
	return v, nil
}

// ProcessesOf lists the live processes running the executable exe whose
// first argument is arg (e.g. the test binary's "child" processes).
func ProcessesOf(exe, arg string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + en.Name() + "/cmdline")
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
		if len(argv) > 1 && argv[0] == exe && argv[1] == arg && !Zombie(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// Zombie reports whether pid has exited but not been reaped (or is gone).
func Zombie(pid int) bool {
	f := stat(pid)
	return len(f) == 0 || f[0] == "Z"
}

// ChildPIDs lists the processes whose parent is pid.
func ChildPIDs(t testing.TB, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, en := range entries {
		p, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		if f := stat(p); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// stat returns the fields of /proc/<pid>/stat after the command name
// (state, ppid, ...), nil if it cannot be read.
func stat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}
