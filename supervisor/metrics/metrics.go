// Package metrics defines the supervisor's Prometheus metrics: the reference
// worker's names and labels (so existing dashboards and alerts keep working)
// plus the pool's own. Children measure; the parent records here what they
// report with each result, so nothing a child measures is lost.
package metrics

import (
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/pewstats/collector/protocol"
)

// queueLabel is the queue_name label value the reference used.
const queueLabel = "telemetry_processing"

// WorkerType is the worker_type label value the reference used.
const WorkerType = "telemetry_processing"

// Metrics holds every metric of a supervisor.
type Metrics struct {
	Registry *prometheus.Registry

	queueMessagesProcessed  *prometheus.CounterVec
	queueProcessingDuration *prometheus.HistogramVec
	telemetryProcessed      *prometheus.CounterVec
	TelemetryDuration       prometheus.Histogram
	eventsExtracted         *prometheus.CounterVec
	fileReadDuration        prometheus.Histogram
	WorkerErrors            *prometheus.CounterVec
	WorkerRestarts          *prometheus.CounterVec
	dbOperationDuration     *prometheus.HistogramVec

	// live is what poolChildren and the gauge funcs read at every scrape
	// (Watch).
	live          *Live
	poolChildren  *poolCollector
	jobsInFlight  prometheus.GaugeFunc
	childRSS      *prometheus.GaugeVec
	ChildMemLimit prometheus.Gauge
	DeadLettered  *prometheus.CounterVec
	Requeued      *prometheus.CounterVec
	// PublishUnconfirmed counts dead-letters and retries whose copy the
	// broker never confirmed (the connection went): it may exist twice.
	PublishUnconfirmed prometheus.Counter
	AMQPReconnects     prometheus.Counter
	consumerUp         prometheus.GaugeFunc
	consumerPaused     prometheus.GaugeFunc
	rowsWritten        *prometheus.CounterVec
	stageDuration      *prometheus.HistogramVec

	// Reprocess messages (`collector reprocess`) are counted here instead
	// of telemetry_processed_total and collector_rows_written_total, so a
	// backfill does not look like new matches.
	reprocessedMatches *prometheus.CounterVec
	rowsReplaced       *prometheus.CounterVec
}

// New registers every metric on a fresh registry.
func New(workerName, metricsAddr, version string) *Metrics {
	r := prometheus.NewRegistry()
	live := new(Live)
	m := &Metrics{
		Registry: r, live: live,
		queueMessagesProcessed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "queue_messages_processed_total", Help: "Total messages processed from queue",
		}, []string{"queue_name", "status"}),
		queueProcessingDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "queue_processing_duration_seconds", Help: "Time to process a message from queue",
			Buckets: []float64{0.1, 0.5, 1, 5, 10, 30, 60, 120},
		}, []string{"queue_name"}),
		telemetryProcessed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telemetry_processed_total", Help: "Total telemetry files processed",
		}, []string{"status"}),
		TelemetryDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "telemetry_processing_duration_seconds", Help: "Time to process telemetry file",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800},
		}),
		eventsExtracted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telemetry_events_extracted_total", Help: "Total events extracted from telemetry",
		}, []string{"event_type"}),
		fileReadDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "telemetry_file_read_duration_seconds", Help: "Time to read and parse telemetry file",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 5, 10, 30, 60},
		}),
		WorkerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "worker_errors_total", Help: "Total worker errors",
		}, []string{"worker_type", "error_type"}),
		WorkerRestarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "worker_restarts_total", Help: "Total worker (child process) restarts",
		}, []string{"worker_type", "reason"}),
		dbOperationDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "database_operation_duration_seconds", Help: "Duration of database operations",
			Buckets: []float64{0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30},
		}, []string{"operation", "table"}),
		poolChildren: &poolCollector{desc: prometheus.NewDesc("collector_pool_children",
			"Child processes by state (starting, idle, busy)", []string{"state"}, nil), live: live},
		jobsInFlight: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "collector_jobs_in_flight", Help: "Messages received and not yet acked, rejected or dead-lettered",
		}, func() float64 { return float64(live.InFlight()) }),
		childRSS: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "collector_child_rss_bytes", Help: "Resident set size of each child process, sampled while it works",
		}, []string{"child"}),
		ChildMemLimit: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "collector_child_memory_limit_bytes", Help: "The --max-child-memory RSS limit (0 = none)",
		}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "collector_messages_dead_lettered_total", Help: "Messages published to the failed queue, by reason",
		}, []string{"reason"}),
		Requeued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "collector_messages_requeued_total", Help: "Messages returned to the queue for a retry, by reason",
		}, []string{"reason"}),
		PublishUnconfirmed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "collector_publish_unconfirmed_total", Help: "Dead-letters and retries whose copy the broker did not confirm before the connection went (the message may then exist twice)",
		}),
		AMQPReconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "collector_amqp_reconnects_total", Help: "Reconnections to RabbitMQ after a lost connection or channel",
		}),
		consumerUp: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "collector_amqp_consumer_up", Help: "1 while the queue consumer is connected and consuming",
		}, func() float64 { return one(live.Consuming()) }),
		consumerPaused: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "collector_consumer_paused", Help: "1 while consumption is paused after repeated transient failures (e.g. database down)",
		}, func() float64 { return one(live.Paused()) }),
		rowsWritten: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "collector_rows_written_total", Help: "Rows written per table",
		}, []string{"table"}),
		reprocessedMatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "collector_reprocessed_matches_total", Help: "Reprocess messages (collector reprocess) finished, by status (success, skipped, failed); not in telemetry_processed_total",
		}, []string{"status"}),
		rowsReplaced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "collector_rows_replaced_total", Help: "Rows reprocess messages deleted and wrote per table (action deleted or written; match_summaries rows are reset, not deleted); not in collector_rows_written_total",
		}, []string{"table", "action"}),
		stageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "collector_job_stage_duration_seconds", Help: "Time per processing stage (read, extract, store) in children",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"stage"}),
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "worker_info", Help: "Worker information",
	}, []string{"worker_name", "metrics_port", "version", "goversion"})
	info.WithLabelValues(workerName, portOf(metricsAddr), version, runtime.Version()).Set(1)
	r.MustRegister(
		m.queueMessagesProcessed, m.queueProcessingDuration, m.telemetryProcessed, m.TelemetryDuration,
		m.eventsExtracted, m.fileReadDuration, m.WorkerErrors, m.WorkerRestarts, m.dbOperationDuration,
		m.poolChildren, m.jobsInFlight, m.childRSS, m.ChildMemLimit, m.DeadLettered, m.Requeued, m.PublishUnconfirmed, m.AMQPReconnects,
		m.consumerUp, m.consumerPaused, m.rowsWritten, m.stageDuration, m.reprocessedMatches, m.rowsReplaced, info,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, s := range []string{"success", "failed"} {
		m.queueMessagesProcessed.WithLabelValues(queueLabel, s)
	}
	for _, s := range []string{"success", "failed", "skipped"} {
		m.telemetryProcessed.WithLabelValues(s)
		m.reprocessedMatches.WithLabelValues(s)
	}
	return m
}

// portOf is what follows the last colon of addr (all of it if none).
func portOf(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }

// ObserveResult records what a child reported for one finished job.
func (m *Metrics) ObserveResult(r *protocol.Result) {
	for k, v := range r.EventsExtracted {
		m.eventsExtracted.WithLabelValues(k).Add(float64(v))
	}
	written := m.rowsWritten
	if len(r.Reprocessed) > 0 {
		written = m.rowsReplaced.MustCurryWith(prometheus.Labels{"action": "written"})
		for k, v := range r.RowsDeleted {
			m.rowsReplaced.WithLabelValues(k, "deleted").Add(float64(v))
		}
	}
	for k, v := range r.Rows {
		written.WithLabelValues(k).Add(float64(v))
	}
	for k, d := range r.TableDurations {
		m.dbOperationDuration.WithLabelValues("write", k).Observe(d.Seconds())
	}
	if r.Timings.Read > 0 && r.TotalEvents > 0 { // as the reference: only reads that produced events
		m.fileReadDuration.Observe(r.Timings.Read.Seconds())
		m.stageDuration.WithLabelValues("read").Observe(r.Timings.Read.Seconds())
	}
	if r.Timings.Extract > 0 {
		m.stageDuration.WithLabelValues("extract").Observe(r.Timings.Extract.Seconds())
	}
	if r.Timings.Store > 0 {
		m.stageDuration.WithLabelValues("store").Observe(r.Timings.Store.Seconds())
		m.dbOperationDuration.WithLabelValues("batch_insert", "telemetry_events").Observe(r.Timings.Store.Seconds())
	}
}

// CountProcessed counts a finished message by status (success, skipped,
// failed): a new match's in telemetry_processed_total, as the reference
// did, a reprocess message's in collector_reprocessed_matches_total.
func (m *Metrics) CountProcessed(reprocess bool, status string) {
	if reprocess {
		m.reprocessedMatches.WithLabelValues(status).Inc()
		return
	}
	m.telemetryProcessed.WithLabelValues(status).Inc()
}

// ObserveMessage records a message's final disposition the way the
// reference did: status success for processed and skipped, failed otherwise.
func (m *Metrics) ObserveMessage(status string, d time.Duration) {
	m.queueMessagesProcessed.WithLabelValues(queueLabel, status).Inc()
	m.queueProcessingDuration.WithLabelValues(queueLabel).Observe(d.Seconds())
}

// Live is the supervisor's state that gauges report as it is at each
// scrape, rather than keep a copy of: collector_pool_children,
// collector_jobs_in_flight, collector_amqp_consumer_up and
// collector_consumer_paused.
type Live struct {
	PoolCounts        func() (starting, idle, busy int)
	InFlight          func() int64
	Consuming, Paused func() bool
}

// Watch sets what the live gauges read. Call it before the registry is
// served.
func (m *Metrics) Watch(l Live) { *m.live = l }

func one(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// poolCollector reports the pool's children by state.
type poolCollector struct {
	desc *prometheus.Desc
	live *Live
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	var n [3]int
	n[0], n[1], n[2] = c.live.PoolCounts()
	for i, state := range []string{"starting", "idle", "busy"} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n[i]), state)
	}
}

// SetRSS records one child's RSS.
func (m *Metrics) SetRSS(slot int, bytes int64) {
	m.childRSS.WithLabelValues(strconv.Itoa(slot)).Set(float64(bytes))
}

// ChildGone forgets a dead child's RSS until its replacement reports.
func (m *Metrics) ChildGone(slot int) {
	m.childRSS.DeleteLabelValues(strconv.Itoa(slot))
}
