package supervisor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/pool"
)

// Readiness is what /readyz reports.
type Readiness struct {
	Ready         bool   `json:"ready"`
	BrokerUp      bool   `json:"broker_connected"`
	Consuming     bool   `json:"consuming"`
	ChildrenAlive int    `json:"children_alive"`
	ChildrenBusy  int    `json:"children_busy"`
	PoolSize      int    `json:"pool_size"`
	DatabaseOK    bool   `json:"database_reachable"`
	InFlight      int64  `json:"in_flight"`
	Reason        string `json:"reason,omitempty"`
}

// Readiness: broker connected, at least one child alive, database reachable.
func (s *Supervisor) Readiness() Readiness {
	_, idle, busy := s.pool.Counts()
	r := Readiness{
		BrokerUp:      s.cons.Connected(),
		Consuming:     s.cons.Consuming(),
		ChildrenAlive: idle + busy,
		ChildrenBusy:  busy,
		PoolSize:      s.pool.Size(),
		DatabaseOK:    s.db.outage.Ok(),
		InFlight:      s.inFlight.Load(),
	}
	switch {
	case !r.BrokerUp:
		r.Reason = "not connected to RabbitMQ"
	case r.ChildrenAlive == 0:
		r.Reason = "no child process alive"
	case !r.DatabaseOK:
		r.Reason = "database unreachable"
	default:
		r.Ready = true
	}
	return r
}

// Status is what /status reports: each child live, the queues, and this
// supervisor's view of its work.
type Status struct {
	WorkerID  string                `json:"worker_id"`
	Version   string                `json:"version"`
	PID       int                   `json:"pid"`
	Readiness Readiness             `json:"readiness"`
	Paused    bool                  `json:"paused"`
	Children  []pool.ChildStatus    `json:"children"`
	Queues    []consumer.QueueStats `json:"queues,omitempty"`
	QueueErr  string                `json:"queue_error,omitempty"`
	// Unacked is the messages this supervisor holds (received, not yet
	// settled): its share of the queue's unacked count.
	Unacked int64 `json:"unacked_here"`
}

// Status gathers the live view.
func (s *Supervisor) Status() Status {
	st := Status{
		WorkerID: s.cfg.WorkerID, Version: s.cfg.Version, PID: os.Getpid(),
		Readiness: s.Readiness(), Paused: s.db.paused.Load(),
		Children: s.pool.Status(), Unacked: s.inFlight.Load(),
	}
	q, err := s.cons.Queues()
	if err != nil {
		st.QueueErr = err.Error()
	}
	st.Queues = q
	return st
}

// Health is what /health reports: whether the worker can do its job over
// time. Unlike /readyz it tolerates a short outage (a broker restart, a
// database failover); unlike /healthz it fails once the broker or the
// database has been unreachable longer than UnhealthyAfter.
type Health struct {
	Healthy             bool    `json:"healthy"`
	BrokerUnreachableS  float64 `json:"broker_unreachable_seconds"`
	DatabaseUnreachable float64 `json:"database_unreachable_seconds"`
	UnhealthyAfterS     float64 `json:"unhealthy_after_seconds"`
	Reason              string  `json:"reason,omitempty"`
}

// Health computes /health.
func (s *Supervisor) Health() Health {
	broker, db := s.cons.Unreachable(), s.db.unreachable()
	h := Health{BrokerUnreachableS: broker.Seconds(), DatabaseUnreachable: db.Seconds(), UnhealthyAfterS: s.cfg.UnhealthyAfter.Seconds()}
	switch {
	case broker > s.cfg.UnhealthyAfter:
		h.Reason = fmt.Sprintf("RabbitMQ unreachable for %s", broker.Round(time.Second))
	case db > s.cfg.UnhealthyAfter:
		h.Reason = fmt.Sprintf("database unreachable for %s", db.Round(time.Second))
	default:
		h.Healthy = true
	}
	return h
}

func (s *Supervisor) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.m.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		h := s.Health()
		writeCheck(w, h.Healthy, h)
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		r := s.Readiness()
		writeCheck(w, r.Ready, r)
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s.Status())
	})
	return mux
}

// writeCheck answers a check endpoint: v as JSON, status 503 unless ok.
func writeCheck(w http.ResponseWriter, ok bool, v any) {
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(v)
}
