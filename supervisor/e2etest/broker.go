package e2etest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// CloseConnection closes, from the broker's side, every AMQP connection
// whose client-provided name contains name (`rabbitmqctl close_connection`),
// as a broker restart or network cut would, without disturbing other tests.
// It returns how many were closed.
func CloseConnection(t testing.TB, name string) int {
	t.Helper()
	n, err := CloseConnections(name)
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	return n
}

// CloseConnections is CloseConnection for goroutines other than the test's:
// it returns its error.
func CloseConnections(name string) (int, error) {
	out, err := exec.Command("rabbitmqctl", "-q", "list_connections", "pid", "client_properties").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("rabbitmqctl list_connections: %v\n%s", err, out)
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, name) {
			continue
		}
		pid := strings.Fields(line)[0]
		if o, err := exec.Command("rabbitmqctl", "-q", "close_connection", pid, "test: simulated broker outage").CombinedOutput(); err != nil {
			return n, fmt.Errorf("rabbitmqctl close_connection %s: %v\n%s", pid, err, o)
		}
		n++
	}
	return n, nil
}
