package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// run executes the CLI with args and environment, stopping before anything
// connects: validation runs in RunE before any dial, so for invalid input
// the error is all that happens.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestInvalidSettingsAreRefusedBeforeConnecting(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantMsg string
	}{
		{"pool size zero", nil, []string{"supervise", "--pool-size=0"}, "--pool-size (WORKER_POOL_SIZE) must be at least 1"},
		{"pool size negative from env", map[string]string{"WORKER_POOL_SIZE": "-2"}, []string{"supervise"}, "must be at least 1, got -2"},
		{"pool size non-numeric from env", map[string]string{"WORKER_POOL_SIZE": "two"}, []string{"supervise"}, "invalid $WORKER_POOL_SIZE"},
		{"pool size non-numeric flag", nil, []string{"supervise", "--pool-size=two"}, "invalid argument"},
		{"postgres port non-numeric", map[string]string{"POSTGRES_PORT": "54x"}, []string{"supervise"}, "invalid $POSTGRES_PORT"},
		{"rabbitmq port out of range", map[string]string{"RABBITMQ_PORT": "70000"}, []string{"supervise"}, "--rabbitmq-port must be a port number"},
		{"log level unknown", map[string]string{"LOG_LEVEL": "LOUD"}, []string{"supervise"}, "--log-level must be"},
		{"task timeout above consumer_timeout", nil, []string{"supervise", "--task-timeout=45m"}, "consumer_timeout"},
		{"negative grace", nil, []string{"supervise", "--shutdown-grace=-1s"}, "must not be negative"},
		{"bad memory size", nil, []string{"supervise", "--max-child-memory=lots"}, "not a byte size"},
		{"min conns above max", nil, []string{"supervise", "--db-min-conns=3", "--db-max-conns=2"}, "--db-min-conns must be between"},
		{"empty environment", map[string]string{"ENVIRONMENT": " "}, []string{"supervise", "--environment="}, "--environment (ENVIRONMENT) must not be empty"},
		{"child needs a mode", nil, []string{"child"}, "started by 'collector supervise'"},
		{"child file without match id", nil, []string{"child", "--file=x.json"}, "--file needs --match-id"},
		{"bad reattach", nil, []string{"supervise", "--reattach={"}, "--reattach is not the JSON"},
		{"migrate lock timeout zero", map[string]string{"MIGRATE_LOCK_TIMEOUT": "0s"}, []string{"migrate"}, "--lock-timeout must be positive"},
		{"migrate statement timeout zero", nil, []string{"migrate", "--statement-timeout=0"}, "--statement-timeout must be positive"},
		{"migrate timeout not a duration", map[string]string{"MIGRATE_TIMEOUT": "soon"}, []string{"migrate"}, "invalid $MIGRATE_TIMEOUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCLI(t, tc.env, tc.args...)
			if err == nil {
				t.Fatalf("accepted %v %v", tc.env, tc.args)
			}
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %q is not a usage error (exit 2)", err)
			}
			if exitCode(err) != 2 {
				t.Fatalf("exit code %d, want 2", exitCode(err))
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("error %q does not mention %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestFlagsOverrideEnvironmentOverridesDefaults(t *testing.T) {
	t.Setenv("WORKER_POOL_SIZE", "3")
	t.Setenv("POSTGRES_HOST", "db.internal")
	t.Setenv("TASK_TIMEOUT", "90s")
	t.Setenv("MAX_CHILD_MEMORY", "256MiB")
	got := captureSupervise(t, []string{"--postgres-host=override.internal"})
	if got.poolSize != 3 {
		t.Errorf("pool size = %d, want 3 from WORKER_POOL_SIZE", got.poolSize)
	}
	if got.db.host != "override.internal" {
		t.Errorf("postgres host = %q, want the flag over the variable", got.db.host)
	}
	if got.taskTimeout.d != 90*time.Second {
		t.Errorf("task timeout = %s, want 90s", got.taskTimeout.d)
	}
	if got.maxChildMemory.n != 256<<20 {
		t.Errorf("max child memory = %d, want 256MiB", got.maxChildMemory.n)
	}
	if got.amqp.port != 5672 || got.metricsAddr != ":9093" || got.amqp.environment != "development" {
		t.Errorf("defaults not applied: %+v", got)
	}
}

func TestHelpDocumentsEveryVariable(t *testing.T) {
	out, err := runCLI(t, nil, "supervise", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"WORKER_POOL_SIZE", "WORKER_ID", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD",
		"RABBITMQ_HOST", "RABBITMQ_PORT", "RABBITMQ_USER", "RABBITMQ_PASSWORD", "RABBITMQ_VHOST", "ENVIRONMENT", "LOG_LEVEL",
		"--metrics-addr", "--prefetch", "--telemetry-dir", "--task-timeout", "--max-child-memory", "--shutdown-grace", "--max-tasks-per-child"} {
		if !strings.Contains(out, v) {
			t.Errorf("supervise --help does not mention %s", v)
		}
	}
}

func TestChildArgsCarryNoSecrets(t *testing.T) {
	o := &superviseOptions{maxChildMemory: newBytes(1 << 30)}
	o.db = dbOptions{host: "h", port: 5432, db: "d", user: "u", password: "s3cret", minConns: 1, maxConns: 2}
	o.telemetry.dir, o.telemetry.maxBytes = "/data", newBytes(1<<20)
	o.log.level = "info"
	cmd := o.childCommand("/bin/collector")(1)
	for _, a := range cmd.Args {
		if strings.Contains(a, "s3cret") {
			t.Fatalf("password on the child's command line: %v", cmd.Args)
		}
	}
	var env string
	for _, e := range cmd.Env {
		if strings.HasPrefix(e, "POSTGRES_PASSWORD=") || strings.HasPrefix(e, "GOMEMLIMIT=") {
			env += e + ";"
		}
	}
	if !strings.Contains(env, "POSTGRES_PASSWORD=s3cret") || !strings.Contains(env, "GOMEMLIMIT=966367638B") {
		t.Fatalf("child env lacks the password or GOMEMLIMIT: %q", env)
	}
}

func TestChildProcsShareTheCPUs(t *testing.T) {
	for _, tc := range []struct{ cpus, pool, want int }{
		{2, 1, 2}, {2, 2, 1}, {2, 4, 1}, {8, 2, 4}, {8, 3, 2}, {1, 1, 1},
	} {
		if got := childProcs(tc.cpus, tc.pool); got != tc.want {
			t.Errorf("childProcs(%d cpus, pool %d) = %d, want %d", tc.cpus, tc.pool, got, tc.want)
		}
	}
}
