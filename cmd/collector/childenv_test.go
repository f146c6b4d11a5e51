package main

import (
	"strings"
	"testing"
)

// childEnvAllowed is the contract of what a child may inherit, written out
// independently of the implementation's list: the variables the parent sets
// for it, then the harmless runtime, time-zone and PostgreSQL-client ones.
var childEnvAllowed = map[string]bool{
	"POSTGRES_PASSWORD": true, "COLLECTOR_CHILD_SLOT": true,
	"GOMAXPROCS": true, "GOMEMLIMIT": true, "GOGC": true, "GODEBUG": true, "GOTRACEBACK": true, "GORACE": true,
	"TZ": true, "ZONEINFO": true, "TMPDIR": true, "SSL_CERT_FILE": true, "SSL_CERT_DIR": true,
	"PGPASSWORD": true, "PGPASSFILE": true, "PGSSLMODE": true, "PGSSLROOTCERT": true, "PGSSLCERT": true,
	"PGSSLKEY": true, "PGSSLSNI": true, "PGOPTIONS": true, "PGTZ": true, "PGCLIENTENCODING": true, "PGDATESTYLE": true,
}

func envMap(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; dup {
			t.Errorf("%s is set twice in the child's environment", k)
		}
		m[k] = v
	}
	return m
}

// TestChildEnvironmentIsAnAllowList: a child parses untrusted files and
// never talks to the broker, so the parent's environment (RabbitMQ
// credentials, cloud keys, anything else) is not handed down; only the
// documented variables are.
func TestChildEnvironmentIsAnAllowList(t *testing.T) {
	parent := map[string]string{
		"RABBITMQ_PASSWORD": "rabbit-secret", "RABBITMQ_USER": "collector", "RABBITMQ_HOST": "mq",
		"AWS_SECRET_ACCESS_KEY": "aws-secret", "HOME": "/home/x", "PATH": "/usr/bin", "HOSTNAME": "pod-1",
		"WORKER_ID": "w1", "TELEMETRY_DIR": "/elsewhere",
		"TZ": "Europe/Berlin", "GODEBUG": "madvdontneed=1", "GOTRACEBACK": "all", "TMPDIR": "/scratch",
		"PGSSLROOTCERT": "/etc/ca.pem", "PGOPTIONS": "-c statement_timeout=60000",
		"GOMEMLIMIT": "5GiB", "COLLECTOR_TEST_EXIT_AT_START": "1",
	}
	for _, tc := range []struct {
		name      string
		testHooks bool
		maxMemory int64
		want      map[string]string // values that must be present exactly
		absent    []string
	}{
		{
			name: "production", maxMemory: 1 << 30,
			want: map[string]string{"POSTGRES_PASSWORD": "pg-secret", "COLLECTOR_CHILD_SLOT": "3", "GOMEMLIMIT": "966367638B",
				"TZ": "Europe/Berlin", "GODEBUG": "madvdontneed=1", "GOTRACEBACK": "all", "TMPDIR": "/scratch",
				"PGSSLROOTCERT": "/etc/ca.pem", "PGOPTIONS": "-c statement_timeout=60000"},
			absent: []string{"RABBITMQ_PASSWORD", "RABBITMQ_USER", "RABBITMQ_HOST", "AWS_SECRET_ACCESS_KEY", "HOME", "PATH",
				"HOSTNAME", "WORKER_ID", "TELEMETRY_DIR", "COLLECTOR_TEST_EXIT_AT_START"},
		},
		{
			name: "no memory limit keeps the operator's GOMEMLIMIT", maxMemory: 0,
			want:   map[string]string{"GOMEMLIMIT": "5GiB", "POSTGRES_PASSWORD": "pg-secret"},
			absent: []string{"RABBITMQ_PASSWORD"},
		},
		{
			name: "test hooks pass the test-only switches", testHooks: true, maxMemory: 1 << 30,
			want:   map[string]string{"COLLECTOR_TEST_EXIT_AT_START": "1"},
			absent: []string{"RABBITMQ_PASSWORD"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range parent {
				t.Setenv(k, v)
			}
			o := &superviseOptions{maxChildMemory: newBytes(tc.maxMemory), poolSize: 2, testHooks: tc.testHooks}
			o.db = dbOptions{host: "h", port: 5432, db: "d", user: "u", password: "pg-secret", minConns: 1, maxConns: 2}
			o.telemetry.dir, o.telemetry.maxBytes = "/data", newBytes(1<<20)
			o.log.level = "info"
			env := envMap(t, o.childCommand("/bin/collector")(3).Env)
			for k := range env {
				if !childEnvAllowed[k] && !(tc.testHooks && strings.HasPrefix(k, "COLLECTOR_TEST_")) {
					t.Errorf("child inherits %s", k)
				}
			}
			for k, v := range tc.want {
				if got, ok := env[k]; !ok || got != v {
					t.Errorf("%s = %q (set: %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := env[k]; ok {
					t.Errorf("%s must not reach the child", k)
				}
			}
			if _, ok := env["GOMAXPROCS"]; !ok {
				t.Error("GOMAXPROCS not set for the child")
			}
		})
	}
}
