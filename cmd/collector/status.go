package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pewstats/collector/supervisor"
)

func init() { extraCommands = append(extraCommands, newStatusCmd) }

func newStatusCmd() *cobra.Command {
	var addr string
	var asJSON bool
	watch := newDuration(0)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a running supervisor's children live: pid, state, match, for how long, memory, jobs, restarts; and the queues",
		Long: `status reads the supervisor's /status endpoint (on --metrics-addr) and prints
each child — pid, state, the match it is working on and for how long, RSS,
jobs done, restarts — the processing and failed queues' ready and consumer
counts, and how many messages this worker holds unacked. It is what Celery's
Flower showed for each process.`,
		Example: `  collector status
  collector status --metrics-addr collector-worker-1:9093 --watch 2s
  collector status --json`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	f.String(&addr, "metrics-addr", "METRICS_ADDR", ":9093", "the supervisor's metrics address (an empty host means this machine)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the raw JSON")
	cmd.Flags().Var(watch, "watch", "print again at this interval until interrupted (e.g. 2s)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		url, err := statusURL(addr)
		if err != nil {
			return err
		}
		for {
			if err := printStatus(cmd.Context(), cmd.OutOrStdout(), url, asJSON); err != nil {
				return err
			}
			if watch.d <= 0 {
				return nil
			}
			select {
			case <-cmd.Context().Done():
				return nil
			case <-time.After(watch.d):
				fmt.Fprintln(cmd.OutOrStdout())
			}
		}
	}
	return cmd
}

func statusURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usagef("--metrics-addr %q is not host:port", addr)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/status", nil
}

func printStatus(ctx context.Context, w io.Writer, url string, asJSON bool) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w (is the supervisor running, on this --metrics-addr?)", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	if asJSON {
		_, err := w.Write(body)
		return err
	}
	var st supervisor.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("%s: not a collector status: %w", url, err)
	}
	return renderStatus(w, st)
}

// renderStatus prints a status as tables.
func renderStatus(w io.Writer, st supervisor.Status) error {
	r := st.Readiness
	state := "ready"
	if !r.Ready {
		state = "NOT READY: " + r.Reason
	}
	if st.Paused {
		state += " (consumption paused: probing the database)"
	}
	fmt.Fprintf(w, "%s (pid %d, %s): %s; %d of %d children alive, %d busy; %d messages unacked here\n",
		st.WorkerID, st.PID, st.Version, state, r.ChildrenAlive, r.PoolSize, r.ChildrenBusy, st.Unacked)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHILD\tPID\tSTATE\tMATCH\tFOR\tRSS\tJOBS\tRESTARTS")
	for _, c := range st.Children {
		pid, match, busy, rss := "-", "-", "-", "-"
		if c.PID > 0 {
			pid = fmt.Sprint(c.PID)
		}
		if c.MatchID != "" {
			match = c.MatchID
			busy = (time.Duration(c.BusyFor * float64(time.Second))).Round(100 * time.Millisecond).String()
		}
		if c.RSSBytes > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(c.RSSBytes)/(1<<20))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", c.Slot, pid, c.State, match, busy, rss, c.JobsDone, c.Restarts)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if st.QueueErr != "" {
		fmt.Fprintf(w, "queues: %s\n", st.QueueErr)
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tREADY\tCONSUMERS")
	for _, q := range st.Queues {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", q.Name, q.Ready, q.Consumers)
	}
	return tw.Flush()
}
