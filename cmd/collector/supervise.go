package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/spf13/cobra"

	"github.com/pewstats/collector/child"
	"github.com/pewstats/collector/supervisor"
	"github.com/pewstats/collector/supervisor/pool"
)

func init() { extraCommands = append(extraCommands, newSuperviseCmd) }

type superviseOptions struct {
	db        dbOptions
	log       logOptions
	telemetry telemetryOptions

	poolSize    int
	workerID    string
	metricsAddr string
	prefetch    int

	amqp amqpOptions

	taskTimeout      *durationValue
	shutdownGrace    *durationValue
	maxChildMemory   *bytesValue
	maxTasksPerChild int
	maxAttempts      int
	maxTransient     int
	maxTransientAge  *durationValue
	unhealthyAfter   *durationValue
	maxStartFailures int
	backoffBase      *durationValue
	backoffMax       *durationValue
	reattach         string
	testHooks        bool
}

func newSuperviseCmd() *cobra.Command {
	o := &superviseOptions{
		taskTimeout:     newDuration(5 * time.Minute),
		shutdownGrace:   newDuration(25 * time.Second),
		maxChildMemory:  newBytes(1 << 30),
		backoffBase:     newDuration(250 * time.Millisecond),
		maxTransientAge: newDuration(time.Hour),
		unhealthyAfter:  newDuration(5 * time.Minute),
		backoffMax:      newDuration(30 * time.Second),
	}
	cmd := &cobra.Command{
		Use:   "supervise",
		Short: "Consume match.processing.<ENVIRONMENT> and process matches in a pool of child processes",
		Long: `supervise is the container command. It consumes the telemetry processing queue
with prefetch = pool size, runs --pool-size child processes of this binary
('collector child'), hands each message to an idle child, and acks it on
success, requeues it on a transient failure, or publishes it to
match.failed.<ENVIRONMENT> with the reason on a permanent one.

Roll back to sequential processing with --pool-size=1.`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	o.db.register(f)
	o.log.register(f)
	o.telemetry.register(f)
	o.amqp.register(f)
	f.Int(&o.poolSize, "pool-size", "WORKER_POOL_SIZE", 2, "number of child processes (matches processed at once); 1 = sequential")
	f.String(&o.workerID, "worker-id", "WORKER_ID", "telemetry-processing-worker-1", "worker identifier used in logs, metrics and the consumer tag")
	f.String(&o.metricsAddr, "metrics-addr", "METRICS_ADDR", ":9093", "listen address for /metrics, /healthz and /readyz")
	f.Int(&o.prefetch, "prefetch", "PREFETCH_COUNT", 0, "RabbitMQ prefetch (unacked messages held); 0 = pool size")
	f.Duration(o.taskTimeout, "task-timeout", "TASK_TIMEOUT", "hard limit for one match; the child is killed and replaced (keep below the broker's consumer_timeout, 30m by default)")
	f.Duration(o.shutdownGrace, "shutdown-grace", "SHUTDOWN_GRACE", "how long in-flight matches may finish after SIGTERM (keep below the orchestrator's stop grace period)")
	f.Bytes(o.maxChildMemory, "max-child-memory", "MAX_CHILD_MEMORY", "RSS limit of a working child; over it the child is killed and replaced (0 = none)")
	f.Int(&o.maxTasksPerChild, "max-tasks-per-child", "MAX_TASKS_PER_CHILD", 0, "replace a child after this many matches (0 = never)")
	f.Int(&o.maxAttempts, "max-attempts", "MAX_ATTEMPTS", 2, "deliveries of one message that may crash, hang or exhaust a child before it goes to the failed queue")
	f.Int(&o.maxTransient, "max-transient-attempts", "MAX_TRANSIENT_ATTEMPTS", 10, "deliveries of one message that may fail transiently (database unreachable, deadlock, …) before it goes to the failed queue as transient_exhausted")
	f.Duration(o.maxTransientAge, "max-transient-age", "MAX_TRANSIENT_AGE", "how long after its first transient failure a message may still be retried; a later transient failure sends it to the failed queue as transient_exhausted")
	f.Duration(o.unhealthyAfter, "unhealthy-after", "UNHEALTHY_AFTER", "/health (the container health check) fails once RabbitMQ or the database has been unreachable this long; /healthz (liveness) never does")
	f.Int(&o.maxStartFailures, "max-start-failures", "MAX_START_FAILURES", 8, "a child slot whose child fails to start or to answer its handshake this many times in a row makes the supervisor exit non-zero (deaths during a job never count)")
	f.Duration(o.backoffBase, "restart-backoff", "RESTART_BACKOFF", "first delay before restarting a dead child; doubles per consecutive failure")
	f.Duration(o.backoffMax, "restart-backoff-max", "RESTART_BACKOFF_MAX", "longest delay between child restarts")
	cmd.Flags().StringVar(&o.reattach, "reattach", "", "use one child started by hand with 'collector child --debug-serve' (its printed JSON) instead of starting a pool")
	cmd.Flags().BoolVar(&o.testHooks, "test-hooks", false, "start children with --test-hooks (integration tests only)")
	_ = cmd.Flags().MarkHidden("test-hooks")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		if err := o.validate(); err != nil {
			return err
		}
		if testHookSupervise != nil {
			testHookSupervise(o)
			return nil
		}
		return o.run(cmd.Context())
	}
	return cmd
}

// testHookSupervise, set only by tests, receives the validated options
// instead of running the supervisor.
var testHookSupervise func(*superviseOptions)

func (o *superviseOptions) validate() error {
	for _, v := range []func() error{o.db.validate, o.log.validate, o.telemetry.validate} {
		if err := v(); err != nil {
			return err
		}
	}
	if o.poolSize < 1 {
		return usagef("--pool-size (WORKER_POOL_SIZE) must be at least 1, got %d", o.poolSize)
	}
	if o.poolSize > 256 {
		return usagef("--pool-size (WORKER_POOL_SIZE) of %d is not sensible; at most 256", o.poolSize)
	}
	if o.prefetch < 0 {
		return usagef("--prefetch must not be negative, got %d", o.prefetch)
	}
	if err := o.amqp.validate(); err != nil {
		return err
	}
	if o.taskTimeout.d <= 0 {
		return usagef("--task-timeout must be positive")
	}
	if o.taskTimeout.d >= 30*time.Minute {
		return usagef("--task-timeout %s must stay below RabbitMQ's consumer_timeout (30m by default), or the broker closes the channel under a running job", o.taskTimeout.d)
	}
	if o.maxStartFailures < 1 {
		return usagef("--max-start-failures must be at least 1")
	}
	if o.backoffBase.d <= 0 || o.backoffMax.d < o.backoffBase.d {
		return usagef("--restart-backoff must be positive and at most --restart-backoff-max")
	}
	if o.maxAttempts < 1 {
		return usagef("--max-attempts must be at least 1")
	}
	if o.maxTransient < 1 {
		return usagef("--max-transient-attempts must be at least 1")
	}
	if o.maxTransientAge.d <= 0 {
		return usagef("--max-transient-age must be positive")
	}
	if o.unhealthyAfter.d <= 0 {
		return usagef("--unhealthy-after must be positive")
	}
	if _, _, err := net.SplitHostPort(o.metricsAddr); err != nil {
		return usagef("--metrics-addr %q is not host:port: %v", o.metricsAddr, err)
	}
	if o.reattach != "" {
		if _, err := parseReattach(o.reattach); err != nil {
			return err
		}
	}
	return nil
}

func parseReattach(s string) (*plugin.ReattachConfig, error) {
	var info child.ReattachInfo
	if err := json.Unmarshal([]byte(s), &info); err != nil {
		return nil, usagef("--reattach is not the JSON printed by 'collector child --debug-serve': %v", err)
	}
	var addr net.Addr
	var err error
	switch info.Network {
	case "unix":
		addr, err = net.ResolveUnixAddr("unix", info.Addr)
	case "tcp":
		addr, err = net.ResolveTCPAddr("tcp", info.Addr)
	default:
		return nil, usagef("--reattach: unknown network %q", info.Network)
	}
	if err != nil {
		return nil, usagef("--reattach: bad address %q: %v", info.Addr, err)
	}
	return &plugin.ReattachConfig{Protocol: plugin.Protocol(info.Protocol), ProtocolVersion: info.ProtocolVersion, Addr: addr, Pid: info.Pid, Test: true}, nil
}

// childProcs is a child's GOMAXPROCS: its share of the parent's CPUs.
func childProcs(cpus, pool int) int {
	return max(1, cpus/max(1, pool))
}

// childCommand builds the `collector child` command for one slot. Settings
// travel as flags; secrets travel in the environment, which is built from
// an allow-list (see childEnv).
func (o *superviseOptions) childCommand(exe string) func(slot int) *exec.Cmd {
	return func(slot int) *exec.Cmd {
		args := append([]string{"child"}, o.db.args()...)
		args = append(args,
			"--telemetry-dir="+o.telemetry.dir,
			fmt.Sprintf("--max-telemetry-bytes=%d", o.telemetry.maxBytes.n),
			"--log-level="+o.log.level,
		)
		if o.testHooks {
			args = append(args, "--test-hooks")
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = o.childEnv(os.Environ(), slot)
		return cmd
	}
}

// childInherits are the parent's variables a child may inherit. Children
// parse untrusted files and never talk to the broker, so the rest of the
// parent's environment (RABBITMQ_PASSWORD above all, and whatever else the
// container holds) stays in the parent. go-plugin adds its own handshake
// variables (COLLECTOR_CHILD_COOKIE, PLUGIN_*) when it starts the child.
var childInherits = map[string]bool{
	// The Go runtime's knobs; GOMAXPROCS and GOMEMLIMIT are computed per
	// child unless the operator set them. GORACE matters to race builds only.
	"GOMAXPROCS": true, "GOMEMLIMIT": true, "GOGC": true, "GODEBUG": true, "GOTRACEBACK": true, "GORACE": true,
	// Time zone, temporary files, and where Go finds CA certificates.
	"TZ": true, "ZONEINFO": true, "TMPDIR": true, "SSL_CERT_FILE": true, "SSL_CERT_DIR": true,
	// lib/pq's own variables: the child is the process that talks to
	// PostgreSQL. Its password sources apply when POSTGRES_PASSWORD is
	// empty; TLS and session settings apply where the connection string
	// leaves them open (it fixes host, port, database, user, sslmode,
	// application_name and connect_timeout, which win over the environment).
	"PGPASSWORD": true, "PGPASSFILE": true,
	"PGSSLMODE": true, "PGSSLROOTCERT": true, "PGSSLCERT": true, "PGSSLKEY": true, "PGSSLSNI": true,
	"PGOPTIONS": true, "PGTZ": true, "PGCLIENTENCODING": true, "PGDATESTYLE": true,
}

// testHookPrefix marks the test-only switches children honour with
// --test-hooks (child/faultinject's COLLECTOR_TEST_EXIT_AT_START, read only
// under --test-hooks); passed only then.
const testHookPrefix = "COLLECTOR_TEST_"

// childEnv is the environment of child slot: the allowed part of the
// parent's environment, the database password, the slot number, and the
// computed GOMAXPROCS and GOMEMLIMIT. Each name appears once.
func (o *superviseOptions) childEnv(parent []string, slot int) []string {
	set := map[string]string{}
	for _, kv := range parent {
		k, v, ok := strings.Cut(kv, "=")
		if ok && (childInherits[k] || (o.testHooks && strings.HasPrefix(k, testHookPrefix))) {
			set[k] = v
		}
	}
	set["POSTGRES_PASSWORD"] = o.db.password
	set["COLLECTOR_CHILD_SLOT"] = strconv.Itoa(slot)
	if set["GOMAXPROCS"] == "" {
		// Each child gets its share of the CPUs the parent may use
		// (cgroup-aware since Go 1.25): with as many children as cores,
		// a child's garbage collector and scheduler otherwise compete
		// with the other children for the same cores (measured: 13% less
		// CPU per match with pool 2 on 2 cores). Set GOMAXPROCS to
		// override.
		set["GOMAXPROCS"] = strconv.Itoa(childProcs(runtime.GOMAXPROCS(0), o.poolSize))
	}
	if o.maxChildMemory.n > 0 {
		// A soft limit below the hard one: the Go runtime collects
		// harder before the parent has to kill the child.
		set["GOMEMLIMIT"] = fmt.Sprintf("%dB", o.maxChildMemory.n/10*9)
	}
	env := make([]string, 0, len(set))
	for _, k := range slices.Sorted(maps.Keys(set)) {
		env = append(env, k+"="+set[k])
	}
	return env
}

func (o *superviseOptions) run(ctx context.Context) error {
	log := o.log.logger(os.Stderr, false)
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable to start children: %w", err)
	}
	prefetch := o.prefetch
	if prefetch == 0 {
		prefetch = o.poolSize
	}
	var reattach *plugin.ReattachConfig
	poolSize := o.poolSize
	if o.reattach != "" {
		reattach, _ = parseReattach(o.reattach)
		poolSize = 1 // the one child started by hand
	}
	amqpCfg := o.amqp.config()
	amqpCfg.Prefetch, amqpCfg.ConsumerTag = prefetch, o.workerID
	sup := supervisor.New(supervisor.Config{
		WorkerID:    o.workerID,
		Version:     version,
		MetricsAddr: o.metricsAddr,
		AMQP:        amqpCfg,
		Pool: pool.Config{
			Size:             poolSize,
			Start:            pool.Plugin(pool.PluginConfig{Command: o.childCommand(exe), Reattach: reattach, Log: log}),
			TaskTimeout:      o.taskTimeout.d,
			MaxChildMemory:   o.maxChildMemory.n,
			MaxTasksPerChild: o.maxTasksPerChild,
			MaxStartFailures: o.maxStartFailures,
			BackoffBase:      o.backoffBase.d,
			BackoffMax:       o.backoffMax.d,
		},
		ShutdownGrace:        o.shutdownGrace.d,
		MaxAttempts:          o.maxAttempts,
		MaxTransientAttempts: o.maxTransient,
		MaxTransientAge:      o.maxTransientAge.d,
		UnhealthyAfter:       o.unhealthyAfter.d,
		Log:                  log,
	})

	// First SIGTERM/SIGINT: graceful drain. Second: stop now.
	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hard := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	go func() {
		<-sigs
		cancel()
		<-sigs
		close(hard)
	}()
	return sup.Run(runCtx, hard)
}
