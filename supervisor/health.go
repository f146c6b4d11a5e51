package supervisor

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	r := Readiness{
		BrokerUp:      s.cons.Connected(),
		Consuming:     s.cons.Consuming(),
		ChildrenAlive: s.pool.Alive(),
		ChildrenBusy:  s.pool.Busy(),
		PoolSize:      s.pool.Size(),
		DatabaseOK:    s.dbReachable.Load(),
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

func (s *Supervisor) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.m.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		r := s.Readiness()
		w.Header().Set("Content-Type", "application/json")
		if !r.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(r)
	})
	return mux
}
