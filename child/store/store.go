package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pewstats/collector/child/failure"
)

// Config is how a child reaches PostgreSQL.
type Config struct {
	Host     string
	Port     int
	DB       string
	User     string
	Password string
	// MinConns connections are opened and pinged at start and kept idle;
	// MaxConns bounds the pool (the reference used 1..2 per process).
	MinConns int
	MaxConns int
	// ConnectTimeout bounds each new connection (lib/pq connect_timeout).
	ConnectTimeout time.Duration
	// ApplicationName names the connections in pg_stat_activity (default
	// "collector"; tools that must not be counted as the worker set their own).
	ApplicationName string
	// TrackedPlayersTTL is how long the tracked-player set is cached
	// (reference: 5 minutes).
	TrackedPlayersTTL time.Duration
}

// DSN renders the lib/pq connection string. It contains the password: never log it.
func (c Config) DSN() string {
	kv := func(k, v string) string {
		v = strings.ReplaceAll(v, `\`, `\\`)
		v = strings.ReplaceAll(v, `'`, `\'`)
		return fmt.Sprintf("%s='%s' ", k, v)
	}
	var b strings.Builder
	b.WriteString(kv("host", c.Host))
	b.WriteString(kv("port", fmt.Sprint(c.Port)))
	b.WriteString(kv("dbname", c.DB))
	b.WriteString(kv("user", c.User))
	if c.Password != "" {
		b.WriteString(kv("password", c.Password))
	}
	b.WriteString(kv("sslmode", "disable"))
	app := c.ApplicationName
	if app == "" {
		app = "collector"
	}
	b.WriteString(kv("application_name", app))
	timeout := c.ConnectTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	b.WriteString(kv("connect_timeout", fmt.Sprint(int((timeout+time.Second-1)/time.Second))))
	return strings.TrimSpace(b.String())
}

// Redacted describes the target for logs, without the password.
func (c Config) Redacted() string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, c.Host, c.Port, c.DB)
}

// Store is a child's handle on PostgreSQL.
type Store struct {
	db  *sql.DB
	cfg Config

	mu           sync.Mutex
	tracked      map[string]struct{}
	trackedAt    time.Time
	trackedValid bool
	now          func() time.Time

	stmts statements // prepared once per connection (prepared.go)

	// afterWrite, when set, is called after each table write inside the
	// match transaction (tests and child/faultinject only; see SetAfterWrite).
	afterWrite func(table string) error
}

// SetAfterWrite installs a function called after each table is written
// inside the match transaction, before commit; an error it returns aborts
// the transaction. It is the one seam fault injection has in the store:
// tests and child/faultinject's exit-in-tx fault use it to fail or kill a
// child in the middle of a match transaction; production children never
// set it.
func (s *Store) SetAfterWrite(f func(table string) error) { s.afterWrite = f }

// Open creates the pool and opens and pings MinConns connections, so a child
// with an unreachable database fails at start rather than on its first job.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 2
	}
	if cfg.MinConns < 0 || cfg.MinConns > cfg.MaxConns {
		return nil, fmt.Errorf("store: min conns %d must be between 0 and max conns %d", cfg.MinConns, cfg.MaxConns)
	}
	if cfg.TrackedPlayersTTL <= 0 {
		cfg.TrackedPlayersTTL = 5 * time.Minute
	}
	db, err := sql.Open("postgres", cfg.DSN())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", cfg.Redacted(), err)
	}
	db.SetMaxOpenConns(cfg.MaxConns)
	db.SetMaxIdleConns(cfg.MaxConns)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, cfg: cfg, now: time.Now}
	if err := s.warm(ctx, cfg.MinConns); err != nil {
		db.Close()
		return nil, err
	}
	if cfg.MinConns > 0 {
		s.stmts.prepareAll(ctx, db)
	}
	return s, nil
}

// warm opens n connections concurrently held, pings each, and returns them to
// the idle pool.
func (s *Store) warm(ctx context.Context, n int) error {
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return Classify(fmt.Errorf("store: connect to %s: %w", s.cfg.Redacted(), err))
		}
		conns = append(conns, c)
		if err := c.PingContext(ctx); err != nil {
			return Classify(fmt.Errorf("store: ping %s: %w", s.cfg.Redacted(), err))
		}
	}
	return nil
}

// DB exposes the pool (migrations, tests).
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the prepared statements and the pool.
func (s *Store) Close() error {
	s.stmts.close()
	return s.db.Close()
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return Classify(fmt.Errorf("store: ping %s: %w", s.cfg.Redacted(), err))
	}
	return nil
}

// ErrUnknownMatch means the matches table has no row for the match: the
// message is for a match discovery has not stored (yet), or for another
// database. The reference skipped such a message as game_type "unknown" and
// acked it; here it goes to the failed queue, from which it can be requeued.
var ErrUnknownMatch = errors.New("match is not in the matches table")

// MatchState is what the gate needs to know about a match.
type MatchState struct {
	GameType string // "" when NULL
	Flags    Flags
}

// MatchState reads the match's game type and processing flags in one query.
// A match without a row returns ErrUnknownMatch (permanent, typed
// "UnknownMatch"). Unlike the reference (which treated a failed read as
// game_type "unknown" and so acked the message as skipped), a database error
// is returned and classified, so the message is retried rather than dropped.
func (s *Store) MatchState(ctx context.Context, matchID string) (MatchState, error) {
	var gameType sql.NullString
	flags, err := scanFlags(s.queryRow(ctx, matchStateSQL, matchID).Scan, &gameType)
	if errors.Is(err, sql.ErrNoRows) {
		return MatchState{}, unknownMatch(matchID)
	}
	if err != nil {
		return MatchState{}, Classify(fmt.Errorf("store: read match %s: %w", matchID, err))
	}
	return MatchState{GameType: gameType.String, Flags: flags}, nil
}

var matchStateSQL = prepared("SELECT game_type, " + flagSelectList + " FROM matches WHERE match_id = $1")

// queryRow runs query on the pool, prepared when the store prepared it.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s.stmts.prepareAll(ctx, s.db)
	if st := s.stmts.get(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, query, args...)
}

func unknownMatch(matchID string) error {
	return failure.New(failure.Permanent, "UnknownMatch", fmt.Errorf("match %s: %w", matchID, ErrUnknownMatch))
}

// TrackedPlayers returns the names in the players table, cached for
// TrackedPlayersTTL. As in the reference, a failed refresh keeps serving the
// previous set; but with no set loaded yet the error is returned (the
// reference would filter against an empty set and write nothing).
func (s *Store) TrackedPlayers(ctx context.Context) (map[string]struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trackedValid && s.now().Sub(s.trackedAt) < s.cfg.TrackedPlayersTTL {
		return s.tracked, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT player_name FROM players`)
	if err != nil {
		if s.trackedValid {
			return s.tracked, nil
		}
		return nil, Classify(fmt.Errorf("store: load tracked players: %w", err))
	}
	defer rows.Close()
	set := make(map[string]struct{}, 1024)
	for rows.Next() {
		var name sql.NullString
		if err := rows.Scan(&name); err != nil {
			return nil, Classify(fmt.Errorf("store: scan tracked player: %w", err))
		}
		if name.Valid {
			set[name.String] = struct{}{}
		}
	}
	if err := rows.Err(); err != nil {
		if s.trackedValid {
			return s.tracked, nil
		}
		return nil, Classify(fmt.Errorf("store: load tracked players: %w", err))
	}
	s.tracked, s.trackedAt, s.trackedValid = set, s.now(), true
	return set, nil
}

// MarkFailed records status 'failed' and the error message on the match, as
// the reference's _update_match_status does after a failure, unless the
// match is already completed. It runs outside the (rolled back) job
// transaction.
func (s *Store) MarkFailed(ctx context.Context, matchID, message string) error {
	// A twin delivery of the same match may have completed it meanwhile;
	// its result stands. The row lock makes this safe in either order: a
	// completion that commits first is seen here, one that commits later
	// overwrites 'failed'.
	_, err := s.db.ExecContext(ctx,
		`UPDATE matches SET status = 'failed', error_message = $1, updated_at = NOW()
		 WHERE match_id = $2 AND status IS DISTINCT FROM 'completed'`,
		message, matchID)
	if err != nil {
		return Classify(fmt.Errorf("store: mark match %s failed: %w", matchID, err))
	}
	return nil
}
