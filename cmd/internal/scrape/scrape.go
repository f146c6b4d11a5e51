// Package scrape reads a supervisor's /metrics for the demo and benchmark
// drivers, which watch a real `collector supervise` from outside.
package scrape

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var client = &http.Client{Timeout: 5 * time.Second}

// Metrics returns every sample of http://addr/metrics as "name{labels}" →
// value. An unreachable endpoint yields an empty map: callers poll.
func Metrics(addr string) map[string]float64 {
	out := map[string]float64{}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				out[line[:i]] = v
			}
		}
	}
	return out
}
