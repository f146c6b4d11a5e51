package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/telemetry"
	"github.com/pewstats/collector/supervisor/consumer"
)

// dbOptions are the PostgreSQL settings, one definition for every command
// that reaches the database (supervise, child, migrate, synth, …).
type dbOptions struct {
	host, db, user, password string
	port                     int
	minConns, maxConns       int
	// flags is where they were registered (for commands that apply the
	// environment only when they need the database, like synth).
	flags *envFlags
}

func (o *dbOptions) register(f *envFlags) {
	o.registerConn(f)
	f.Int(&o.minConns, "db-min-conns", "DB_MIN_CONNS", 1, "connections each child opens and pings at start")
	f.Int(&o.maxConns, "db-max-conns", "DB_MAX_CONNS", 2, "maximum open connections per child")
}

// registerConn registers only where the database is, for commands that are
// not children and hold a single connection (migrate).
func (o *dbOptions) registerConn(f *envFlags) {
	o.flags = f
	f.String(&o.host, "postgres-host", "POSTGRES_HOST", "localhost", "PostgreSQL host")
	f.Int(&o.port, "postgres-port", "POSTGRES_PORT", 5432, "PostgreSQL port")
	f.String(&o.db, "postgres-db", "POSTGRES_DB", "pewstats", "PostgreSQL database")
	f.String(&o.user, "postgres-user", "POSTGRES_USER", "postgres", "PostgreSQL user")
	f.String(&o.password, "postgres-password", "POSTGRES_PASSWORD", "", "PostgreSQL password (prefer the variable: flags are visible in ps)")
	o.minConns, o.maxConns = 1, 1
}

func (o *dbOptions) validate() error {
	if err := validPort("postgres-port", o.port); err != nil {
		return err
	}
	if o.host == "" || o.db == "" || o.user == "" {
		return usagef("--postgres-host, --postgres-db and --postgres-user must not be empty")
	}
	if o.maxConns < 1 {
		return usagef("--db-max-conns must be at least 1, got %d", o.maxConns)
	}
	if o.minConns < 0 || o.minConns > o.maxConns {
		return usagef("--db-min-conns must be between 0 and --db-max-conns (%d), got %d", o.maxConns, o.minConns)
	}
	return nil
}

func (o *dbOptions) config() store.Config {
	return store.Config{
		Host: o.host, Port: o.port, DB: o.db, User: o.user, Password: o.password,
		MinConns: o.minConns, MaxConns: o.maxConns, ConnectTimeout: 5 * time.Second,
	}
}

// args renders the settings as child flags; the password travels in the
// environment instead (see childEnv), never on a command line.
func (o *dbOptions) args() []string {
	return []string{
		"--postgres-host=" + o.host, fmt.Sprintf("--postgres-port=%d", o.port),
		"--postgres-db=" + o.db, "--postgres-user=" + o.user,
		fmt.Sprintf("--db-min-conns=%d", o.minConns), fmt.Sprintf("--db-max-conns=%d", o.maxConns),
	}
}

// logOptions configure log/slog.
type logOptions struct {
	level, format string
}

func (o *logOptions) register(f *envFlags) {
	f.String(&o.level, "log-level", "LOG_LEVEL", "info", "log level: debug, info, warn, error")
	f.String(&o.format, "log-format", "LOG_FORMAT", "text", "log format: text or json")
}

func (o *logOptions) validate() error {
	if _, err := parseLogLevel(o.level); err != nil {
		return err
	}
	switch strings.ToLower(o.format) {
	case "text", "json":
		return nil
	}
	return usagef("--log-format must be text or json, got %q", o.format)
}

func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO", "":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR", "CRITICAL":
		return slog.LevelError, nil
	}
	return 0, usagef("--log-level must be debug, info, warn or error, got %q", s)
}

func (o *logOptions) logger(w io.Writer, json bool) *slog.Logger {
	level, _ := parseLogLevel(o.level)
	opts := &slog.HandlerOptions{Level: level}
	if json || strings.EqualFold(o.format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func validPort(flag string, p int) error {
	if p < 1 || p > 65535 {
		return usagef("--%s must be a port number between 1 and 65535, got %d", flag, p)
	}
	return nil
}

// telemetryOptions are the file-reading settings of a child.
type telemetryOptions struct {
	dir      string
	maxBytes *bytesValue
}

func (o *telemetryOptions) register(f *envFlags) {
	o.maxBytes = newBytes(telemetry.DefaultMaxBytes)
	f.String(&o.dir, "telemetry-dir", "TELEMETRY_DIR", "/data/telemetry", "the only directory telemetry files may be read from (symlinks resolved)")
	f.Bytes(o.maxBytes, "max-telemetry-bytes", "MAX_TELEMETRY_BYTES", "largest decompressed telemetry file accepted")
}

func (o *telemetryOptions) validate() error {
	if o.dir == "" {
		return usagef("--telemetry-dir must not be empty")
	}
	if o.maxBytes.n <= 0 {
		return usagef("--max-telemetry-bytes must be positive")
	}
	return nil
}

// amqpOptions are the RabbitMQ settings, one definition for every command
// that reaches the broker (supervise, publish, failed, …).
type amqpOptions struct {
	host, user, password, vhost, environment string
	port                                     int
}

func (o *amqpOptions) register(f *envFlags) {
	f.String(&o.host, "rabbitmq-host", "RABBITMQ_HOST", "localhost", "RabbitMQ host")
	f.Int(&o.port, "rabbitmq-port", "RABBITMQ_PORT", 5672, "RabbitMQ AMQP port")
	f.String(&o.user, "rabbitmq-user", "RABBITMQ_USER", "guest", "RabbitMQ user")
	f.String(&o.password, "rabbitmq-password", "RABBITMQ_PASSWORD", "guest", "RabbitMQ password (prefer the variable: flags are visible in ps)")
	f.String(&o.vhost, "rabbitmq-vhost", "RABBITMQ_VHOST", "/", "RabbitMQ virtual host")
	f.String(&o.environment, "environment", "ENVIRONMENT", "development", "environment suffix of the queue names (match.processing.<env>, match.failed.<env>)")
}

func (o *amqpOptions) config() consumer.Config {
	return consumer.Config{Host: o.host, Port: o.port, User: o.user, Password: o.password, VHost: o.vhost, Environment: o.environment}
}

func (o *amqpOptions) validate() error {
	if err := validPort("rabbitmq-port", o.port); err != nil {
		return err
	}
	if o.environment == "" {
		return usagef("--environment (ENVIRONMENT) must not be empty")
	}
	return nil
}

// dial connects to the broker.
func (o *amqpOptions) dial() (*amqp.Connection, error) {
	cfg := o.config()
	conn, err := amqp.Dial(cfg.URL())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Redacted(), err)
	}
	return conn, nil
}

// channel connects to the broker and opens a channel; closing the
// connection closes both.
func (o *amqpOptions) channel() (*amqp.Connection, *amqp.Channel, error) {
	conn, err := o.dial()
	if err != nil {
		return nil, nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("open channel: %w", err)
	}
	return conn, ch, nil
}
