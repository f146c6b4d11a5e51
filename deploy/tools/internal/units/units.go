// Package units parses the duration and byte-size values collector accepts,
// the same way cmd/collector does, so the checkers can compare settings.
package units

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration parses a Go duration such as 25s or 5m.
func Duration(s string) (time.Duration, error) { return time.ParseDuration(strings.TrimSpace(s)) }

// Bytes parses 896MiB, 1GiB, 64MB, 512M or a plain number of bytes, with
// cmd/collector's units (G, M, K are binary there, as in Compose), plus
// Kubernetes' Gi, Mi, Ki. It is a copy of parseBytes in
// cmd/collector/values.go, kept apart on purpose: this module must not
// depend on collector's (see ../../doc.go), and collector is a main package.
func Bytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10},
		{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a byte size: %q", s)
	}
	return n * mult, nil
}

// The numbers the deployment files must respect, from cmd/collector and the
// measured shutdown: after SHUTDOWN_GRACE the supervisor needs 2-3 s to kill
// the rest, requeue and close; 5 s leaves a margin.
const (
	ShutdownMargin     = 5 * time.Second
	ConsumerTimeout    = 30 * time.Minute // RabbitMQ's default consumer_timeout
	SupervisorOverhead = 64 << 20         // supervisor RSS + slack, bytes
)
