package synth

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/store/storetest"
)

// minimalSchema has the base columns of the reference tables the seed
// writes, with the keys that make ON CONFLICT DO NOTHING meaningful.
const minimalSchema = `
CREATE TABLE matches (
    match_id VARCHAR(255) PRIMARY KEY,
    map_name VARCHAR(100) NOT NULL,
    game_mode VARCHAR(100) NOT NULL,
    match_datetime TIMESTAMP NOT NULL,
    game_type VARCHAR(100) DEFAULT 'unknown',
    status VARCHAR(50) DEFAULT 'discovered'
);
CREATE TABLE players (
    player_id VARCHAR(255) PRIMARY KEY,
    player_name VARCHAR(100) NOT NULL,
    tracking_enabled BOOLEAN NOT NULL DEFAULT true
);
CREATE TABLE match_summaries (
    id SERIAL PRIMARY KEY,
    match_id VARCHAR(255) NOT NULL,
    participant_id VARCHAR(255) NOT NULL,
    player_id VARCHAR(255) NOT NULL,
    player_name VARCHAR(100) NOT NULL,
    team_id INTEGER,
    team_rank INTEGER,
    won BOOLEAN DEFAULT false,
    map_name VARCHAR(50),
    game_mode VARCHAR(50),
    match_duration INTEGER,
    match_datetime TIMESTAMP,
    kills INTEGER DEFAULT 0,
    dbnos INTEGER DEFAULT 0,
    assists INTEGER DEFAULT 0,
    damage_dealt NUMERIC(10,4) DEFAULT 0,
    time_survived INTEGER DEFAULT 0,
    win_place INTEGER,
    UNIQUE(match_id, participant_id)
);`

// awkward is a tracked player whose name needs quoting in SQL.
var awkward = Identity{AccountID: "account.0123456789abcdef0123456789abcdef", Name: `O'Brien\x "q"`}

func seedMatches(t *testing.T) []*Match {
	group := append([]Identity{awkward}, TrackedGroup(11, 3)...)
	return []*Match{
		cachedMatch(t, Options{Profile: ProfileSmall, Seed: 21, Include: group, TrackedFraction: 0.25}),
		cachedMatch(t, Options{Profile: ProfileSmall, Seed: 22, Include: group, TrackedFraction: 0.25, GameMode: "solo"}),
	}
}

func TestSeedRows(t *testing.T) {
	ms := seedMatches(t)
	s := NewSeed(ms...)
	if len(s.Matches) != 2 {
		t.Fatalf("%d matches rows", len(s.Matches))
	}
	if n := len(ms[0].Players) + len(ms[1].Players); len(s.Summaries) != n {
		t.Errorf("%d summaries for %d participants", len(s.Summaries), n)
	}
	ids := map[string]int{}
	for _, p := range s.Players {
		ids[p.PlayerID]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("player %s seeded %d times", id, n)
		}
	}
	if ids[awkward.AccountID] != 1 {
		t.Error("the included player is not a tracked player row")
	}
	for _, r := range s.Matches {
		if r.GameType != DefaultGameType || r.MatchDatetime.Location() != time.UTC {
			t.Errorf("matches row %+v", r)
		}
	}
	text, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BEGIN;", "COMMIT;", "INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type) VALUES",
		"ON CONFLICT DO NOTHING;", `E'O''Brien\\x "q"'`} {
		if !strings.Contains(text, want) {
			t.Errorf("SQL lacks %q", want)
		}
	}
	bad := &Seed{Players: []PlayerRow{{PlayerID: "account.x", PlayerName: "nul\x00"}}}
	if _, err := bad.SQL(); err == nil {
		t.Error("a NUL byte was rendered")
	}
	if _, err := (&Seed{Players: []PlayerRow{{PlayerID: "account.x", PlayerName: "\xff"}}}).SQL(); err == nil {
		t.Error("invalid UTF-8 was rendered")
	}
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestSeedAppliesToDatabase(t *testing.T) {
	ms := seedMatches(t)
	seed := NewSeed(ms...)
	text, err := seed.SQL()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		apply func(t *testing.T, db *sql.DB)
	}{
		{"sql text", func(t *testing.T, db *sql.DB) {
			if _, err := db.Exec(text); err != nil {
				t.Fatalf("exec seed SQL: %v", err)
			}
		}},
		{"parameterised", func(t *testing.T, db *sql.DB) {
			if err := seed.Apply(context.Background(), db); err != nil {
				t.Fatalf("Apply: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t, storetest.NewDatabase(t))
			if _, err := db.Exec(minimalSchema); err != nil {
				t.Fatal(err)
			}
			for round := 0; round < 2; round++ { // the second run changes nothing
				tt.apply(t, db)
				if n := count(t, db, "SELECT count(*) FROM matches"); n != len(seed.Matches) {
					t.Fatalf("round %d: %d matches", round, n)
				}
				if n := count(t, db, "SELECT count(*) FROM players"); n != len(seed.Players) {
					t.Fatalf("round %d: %d players", round, n)
				}
				if n := count(t, db, "SELECT count(*) FROM match_summaries"); n != len(seed.Summaries) {
					t.Fatalf("round %d: %d summaries", round, n)
				}
			}
			var name string
			if err := db.QueryRow("SELECT player_name FROM players WHERE player_id = $1", awkward.AccountID).Scan(&name); err != nil || name != awkward.Name {
				t.Errorf("awkward name came back as %q (%v)", name, err)
			}
			m := ms[0]
			var mapName, gameType string
			var at time.Time
			if err := db.QueryRow("SELECT map_name, game_type, match_datetime FROM matches WHERE match_id = $1", m.ID).Scan(&mapName, &gameType, &at); err != nil {
				t.Fatal(err)
			}
			if mapName != m.MapDisplayName() || gameType != DefaultGameType || !at.Equal(m.CreatedAt) {
				t.Errorf("matches row: %s %s %v, want %s %s %v", mapName, gameType, at, m.MapDisplayName(), DefaultGameType, m.CreatedAt)
			}
			if n := count(t, db, "SELECT count(*) FROM match_summaries WHERE match_id = $1 AND won", m.ID); n != m.TeamSize {
				t.Errorf("%d winners in match_summaries, team size %d", n, m.TeamSize)
			}
			var kills int
			if err := db.QueryRow("SELECT coalesce(sum(kills), 0) FROM match_summaries WHERE match_id = $1", m.ID).Scan(&kills); err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, p := range m.Players {
				want += p.Kills
			}
			if kills != want {
				t.Errorf("%d kills stored, %d in the match", kills, want)
			}
		})
	}
}
