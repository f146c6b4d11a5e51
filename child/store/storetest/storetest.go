// Package storetest gives tests their own throw-away PostgreSQL database on
// the local server, so tests never collide and always clean up.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // driver
)

// Params are the connection settings of the test server, from the same
// POSTGRES_* variables the program reads, defaulting to the local trust-auth
// server of the development machine.
type Params struct {
	Host, Port, User, Password string
}

// FromEnv reads POSTGRES_HOST/PORT/USER/PASSWORD with local defaults.
func FromEnv() Params {
	get := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	return Params{
		Host:     get("POSTGRES_HOST", "127.0.0.1"),
		Port:     get("POSTGRES_PORT", "5432"),
		User:     get("POSTGRES_USER", "postgres"),
		Password: os.Getenv("POSTGRES_PASSWORD"),
	}
}

// DSN returns a lib/pq connection string for database db.
func (p Params) DSN(db string) string {
	s := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable connect_timeout=5", p.Host, p.Port, p.User, db)
	if p.Password != "" {
		s += " password=" + p.Password
	}
	return s
}

// NewDatabase creates an empty database named after the test plus a random
// suffix and drops it (terminating stray connections) when the test ends.
// It returns the database name. Under -short it skips the test instead.
func NewDatabase(t testing.TB) string {
	t.Helper()
	SkipIfShort(t)
	p := FromEnv()
	admin, err := sql.Open("postgres", p.DSN("postgres"))
	if err != nil {
		t.Fatalf("storetest: open admin connection: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("storetest: PostgreSQL not reachable at %s:%s (start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`): %v", p.Host, p.Port, err)
	}
	name := dbName(t.Name())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { Drop(t, name) })
	return name
}

// Drop removes a database, terminating its sessions first.
func Drop(t testing.TB, name string) {
	p := FromEnv()
	admin, err := sql.Open("postgres", p.DSN("postgres"))
	if err != nil {
		t.Errorf("storetest: open admin connection: %v", err)
		return
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
		t.Errorf("storetest: terminate sessions of %s: %v", name, err)
	}
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		t.Errorf("storetest: drop database %s: %v", name, err)
	}
}

// Open opens a *sql.DB on the named database, closed when the test ends.
func Open(t testing.TB, name string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", FromEnv().DSN(name))
	if err != nil {
		t.Fatalf("storetest: open %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func dbName(testName string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return b.String() + "_" + hex.EncodeToString(rnd[:])
}
