package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newHealthcheckCmd) }

func newHealthcheckCmd() *cobra.Command {
	var addr, path string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the local supervisor's /health answers OK (for Docker HEALTHCHECK; the image has no curl)",
		Long: `healthcheck asks the supervisor on this host and exits 0 if it answers 200.

/health (the default, for the container's health check) fails once RabbitMQ
or the database has been unreachable longer than --unhealthy-after, so Docker
and Komodo show the worker unhealthy during a real outage but not during a
broker restart. /healthz is liveness (the process answers; Kubernetes'
livenessProbe), /readyz is readiness (connected, a child alive, the database
answering now).`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	f.String(&addr, "metrics-addr", "METRICS_ADDR", ":9093", "the supervisor's metrics address")
	cmd.Flags().StringVar(&path, "path", "/health", "endpoint to check: /health (healthy over time), /healthz (alive) or /readyz (ready now)")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for an answer")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return usagef("--metrics-addr %q is not host:port", addr)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
		defer cancel()
		url := "http://" + net.JoinHostPort(host, port) + path
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("%s: %w", url, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s answered %s", url, resp.Status)
		}
		return nil
	}
	return cmd
}
