package synth

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Seed is the database state a generated match needs before the processing
// worker can handle it: its matches row (the worker reads game_type from it),
// the tracked players (damage events are kept for them only), and a
// match_summaries row per participant, as discovery and the summary worker
// would have written them. Only base columns of the reference schema are
// used.
type Seed struct {
	Matches   []MatchRow
	Players   []PlayerRow
	Summaries []SummaryRow
}

// MatchRow is a matches row.
type MatchRow struct {
	MatchID       string
	MapName       string // display name as discovery stores it, e.g. "Erangel (Remastered)"
	GameMode      string
	MatchDatetime time.Time // UTC; the column is TIMESTAMP without time zone
	GameType      string
}

// PlayerRow is a players row: a tracked player.
type PlayerRow struct {
	PlayerID   string // account id
	PlayerName string
}

// SummaryRow is a match_summaries row.
type SummaryRow struct {
	MatchID       string
	ParticipantID string
	PlayerID      string
	PlayerName    string
	TeamID        int
	TeamRank      int
	Won           bool
	MapName       string // display name as the summary worker stores it, e.g. "Erangel"
	GameMode      string
	MatchDuration int
	MatchDatetime time.Time
	Kills         int
	DBNOs         int
	Assists       int
	DamageDealt   float64
	TimeSurvived  int
	WinPlace      int
}

// NewSeed collects the rows of the given matches.
func NewSeed(ms ...*Match) *Seed {
	s := &Seed{}
	for _, m := range ms {
		s.Add(m)
	}
	return s
}

// Add appends a match's rows; a tracked player already present is kept once.
func (s *Seed) Add(m *Match) {
	mapSum := m.MapName
	if mi, ok := mapByName(m.MapName); ok {
		mapSum = mi.displaySum
	}
	s.Matches = append(s.Matches, MatchRow{
		MatchID: m.ID, MapName: m.MapDisplayName(), GameMode: m.GameMode,
		MatchDatetime: m.CreatedAt.UTC(), GameType: m.GameType,
	})
	for _, p := range m.Players {
		if p.Tracked && !s.hasPlayer(p.AccountID) {
			s.Players = append(s.Players, PlayerRow{PlayerID: p.AccountID, PlayerName: p.Name})
		}
		s.Summaries = append(s.Summaries, SummaryRow{
			MatchID: m.ID, ParticipantID: p.ParticipantID, PlayerID: p.AccountID, PlayerName: p.Name,
			TeamID: p.TeamID, TeamRank: p.TeamRank, Won: p.Won, MapName: mapSum, GameMode: m.GameMode,
			MatchDuration: m.Duration, MatchDatetime: m.CreatedAt.UTC(),
			Kills: p.Kills, DBNOs: p.DBNOs, Assists: p.Assists, DamageDealt: p.DamageDealt,
			TimeSurvived: p.TimeSurvived, WinPlace: p.TeamRank,
		})
	}
}

func (s *Seed) hasPlayer(id string) bool {
	for _, p := range s.Players {
		if p.PlayerID == id {
			return true
		}
	}
	return false
}

var (
	matchCols   = []string{"match_id", "map_name", "game_mode", "match_datetime", "game_type"}
	playerCols  = []string{"player_id", "player_name"}
	summaryCols = []string{"match_id", "participant_id", "player_id", "player_name", "team_id", "team_rank", "won",
		"map_name", "game_mode", "match_duration", "match_datetime", "kills", "dbnos", "assists", "damage_dealt",
		"time_survived", "win_place"}
)

func (r MatchRow) values() []any {
	return []any{r.MatchID, r.MapName, r.GameMode, r.MatchDatetime, r.GameType}
}

func (r PlayerRow) values() []any { return []any{r.PlayerID, r.PlayerName} }

func (r SummaryRow) values() []any {
	return []any{r.MatchID, r.ParticipantID, r.PlayerID, r.PlayerName, r.TeamID, r.TeamRank, r.Won,
		r.MapName, r.GameMode, r.MatchDuration, r.MatchDatetime, r.Kills, r.DBNOs, r.Assists, r.DamageDealt,
		r.TimeSurvived, r.WinPlace}
}

// SQL renders the seed as one transaction of INSERT … ON CONFLICT DO NOTHING
// statements, with every value quoted as a literal.
func (s *Seed) SQL() (string, error) {
	var b bytes.Buffer
	if err := s.WriteSQL(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// WriteSQL writes the seed as SQL text (see SQL).
func (s *Seed) WriteSQL(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("-- PewStats seed rows written by `collector synth`\nBEGIN;\n")
	if err := writeInsert(&b, "matches", matchCols, len(s.Matches), func(i int) []any { return s.Matches[i].values() }); err != nil {
		return err
	}
	if err := writeInsert(&b, "players", playerCols, len(s.Players), func(i int) []any { return s.Players[i].values() }); err != nil {
		return err
	}
	if err := writeInsert(&b, "match_summaries", summaryCols, len(s.Summaries), func(i int) []any { return s.Summaries[i].values() }); err != nil {
		return err
	}
	b.WriteString("COMMIT;\n")
	_, err := w.Write(b.Bytes())
	return err
}

// insertBatch bounds the rows of one INSERT statement.
const insertBatch = 500

func writeInsert(b *bytes.Buffer, table string, cols []string, n int, row func(int) []any) error {
	for start := 0; start < n; start += insertBatch {
		end := min(start+insertBatch, n)
		fmt.Fprintf(b, "INSERT INTO %s (%s) VALUES\n", table, strings.Join(cols, ", "))
		for i := start; i < end; i++ {
			b.WriteString("  (")
			for j, v := range row(i) {
				if j > 0 {
					b.WriteString(", ")
				}
				lit, err := sqlLiteral(v)
				if err != nil {
					return fmt.Errorf("synth: %s row %d column %s: %w", table, i, cols[j], err)
				}
				b.WriteString(lit)
			}
			b.WriteString(")")
			if i < end-1 {
				b.WriteString(",\n")
			}
		}
		b.WriteString("\nON CONFLICT DO NOTHING;\n")
	}
	return nil
}

// sqlLiteral renders a value as a PostgreSQL literal. Strings with a
// backslash use the E'…' escape form so they read the same whatever
// standard_conforming_strings says.
func sqlLiteral(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return quoteLiteral(x)
	case int:
		return strconv.Itoa(x), nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case time.Time:
		return "'" + x.UTC().Format("2006-01-02 15:04:05.999999") + "'", nil
	}
	return "", fmt.Errorf("unsupported value %T", v)
}

func quoteLiteral(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errors.New("string contains a NUL byte")
	}
	if !utf8.ValidString(s) {
		return "", errors.New("string is not valid UTF-8")
	}
	q := strings.ReplaceAll(s, "'", "''")
	if strings.Contains(s, `\`) {
		return "E'" + strings.ReplaceAll(q, `\`, `\\`) + "'", nil
	}
	return "'" + q + "'", nil
}

// Apply inserts the seed rows into db in one transaction, with parameterised
// statements; rows that already exist are left alone.
func (s *Seed) Apply(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	type table struct {
		name string
		cols []string
		n    int
		row  func(int) []any
	}
	for _, t := range []table{
		{"matches", matchCols, len(s.Matches), func(i int) []any { return s.Matches[i].values() }},
		{"players", playerCols, len(s.Players), func(i int) []any { return s.Players[i].values() }},
		{"match_summaries", summaryCols, len(s.Summaries), func(i int) []any { return s.Summaries[i].values() }},
	} {
		if t.n == 0 {
			continue
		}
		ph := make([]string, len(t.cols))
		for i := range ph {
			ph[i] = "$" + strconv.Itoa(i+1)
		}
		stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING",
			t.name, strings.Join(t.cols, ", "), strings.Join(ph, ", ")))
		if err != nil {
			return fmt.Errorf("synth: prepare %s insert: %w", t.name, err)
		}
		for i := 0; i < t.n; i++ {
			vals := t.row(i)
			for j, v := range vals {
				if tm, ok := v.(time.Time); ok {
					// TIMESTAMP without time zone: pass the UTC wall clock
					vals[j] = tm.UTC().Format("2006-01-02 15:04:05.999999")
				}
			}
			if _, err := stmt.ExecContext(ctx, vals...); err != nil {
				stmt.Close()
				return fmt.Errorf("synth: insert %s row %d: %w", t.name, i, err)
			}
		}
		stmt.Close()
	}
	return tx.Commit()
}
