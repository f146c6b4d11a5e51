package store_test

import (
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
)

// turnCounter is a TCP proxy in front of PostgreSQL that counts round
// trips: every time the client speaks after the server did, the client
// waited for an answer before going on.
type turnCounter struct {
	ln    net.Listener
	turns atomic.Int64
	mu    sync.Mutex
	last  int // 0 nothing yet, 1 client spoke last, 2 server spoke last
}

func newTurnCounter(t *testing.T, target string) *turnCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &turnCounter{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go c.pipe(client, server, 1)
			go c.pipe(server, client, 2)
		}
	}()
	return c
}

func (c *turnCounter) pipe(from, to net.Conn, side int) {
	defer from.Close()
	defer to.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			c.mu.Lock()
			if side == 1 && c.last != 1 {
				c.turns.Add(1)
			}
			c.last = side
			c.mu.Unlock()
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}

func (c *turnCounter) port() int { return c.ln.Addr().(*net.TCPAddr).Port }

// TestRoundTripsPerMatch counts the round trips of a whole match's
// database work: the gate's read and the match transaction with every step
// storing rows. Measured on one connection (MaxConns 1), after a first
// match has warmed it, as a child works. docs/PERFORMANCE.md quotes it.
func TestRoundTripsPerMatch(t *testing.T) {
	matches, seed := parityMatches(t)
	_, db := parityDB(t, seed)
	var name string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	p := storetest.FromEnv()
	proxy := newTurnCounter(t, net.JoinHostPort(p.Host, p.Port))
	st, err := store.Open(context.Background(), store.Config{Host: "127.0.0.1", Port: proxy.port(), DB: name, User: p.User, Password: p.Password, MinConns: 1, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tracked := trackedIn(t, db)
	ctx := context.Background()
	var perMatch []int64
	for _, m := range matches {
		before := proxy.turns.Load()
		if _, err := st.MatchState(ctx, m.info.MatchID); err != nil {
			t.Fatal(err)
		}
		w, err := st.CommitMatch(ctx, m.info.MatchID, m.steps(t, tracked, false))
		if err != nil {
			t.Fatal(err)
		}
		n := proxy.turns.Load() - before
		perMatch = append(perMatch, n)
		t.Logf("match %s: %d tables written, %d round trips (gate read + transaction)", m.info.MatchID, len(w.Rows), n)
	}
	// The first match pays for preparing statements on the connection.
	warm := perMatch[len(perMatch)-1]
	t.Logf("round trips per match once the connection is warm: %s", strconv.FormatInt(warm, 10))
}
