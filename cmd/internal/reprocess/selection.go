package reprocess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/store"
)

// processedGameTypes are the game types the worker processes; it skips every
// other (child.Processor's gate), so a reprocess of one would do nothing.
var processedGameTypes = []string{"competitive", "official"}

// Selection says which matches to reprocess. Every criterion given must
// hold (AND); values within one criterion are alternatives (OR).
type Selection struct {
	MatchIDs     []string
	Since, Until time.Time // match_datetime in [Since, Until), zero = open
	Maps         []string  // matches.map_name; an API name (Baltic_Main) also matches its display name
	GameModes    []string
	GameTypes    []string     // default processedGameTypes
	Missing      []store.Flag // matches where any of these flags is false
	All          bool         // every match of a processed game type
}

// Validate refuses a selection that selects nothing by construction or is
// ambiguous. Its errors are for the operator, naming the flag.
func (s Selection) Validate() error {
	narrowed := len(s.MatchIDs) > 0 || !s.Since.IsZero() || !s.Until.IsZero() || len(s.Maps) > 0 ||
		len(s.GameModes) > 0 || len(s.GameTypes) > 0 || len(s.Missing) > 0
	switch {
	case !narrowed && !s.All:
		return errors.New("no matches selected: give --match-id, --since/--until, --map, --game-mode, --game-type, --missing, or --all for every match")
	case narrowed && s.All:
		return errors.New("--all selects every match; it cannot be combined with other selectors")
	case !s.Since.IsZero() && !s.Until.IsZero() && !s.Since.Before(s.Until):
		return fmt.Errorf("--since %s is not before --until %s: the range is empty", s.Since.Format(time.RFC3339), s.Until.Format(time.RFC3339))
	}
	for _, gt := range s.GameTypes {
		if !slices.Contains(processedGameTypes, gt) {
			return fmt.Errorf("--game-type %q: the worker does not process %s matches (only %s), so there is nothing to reprocess", gt, gt, strings.Join(processedGameTypes, ", "))
		}
	}
	return nil
}

// String describes the selection in one line, the same way for the same
// selection (it keys the resume state).
func (s Selection) String() string {
	var parts []string
	if s.All {
		parts = append(parts, "all matches")
	}
	if len(s.MatchIDs) > 0 {
		ids := slices.Clone(s.MatchIDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) <= 3 {
			parts = append(parts, "match_id in ("+strings.Join(ids, ", ")+")")
		} else {
			parts = append(parts, fmt.Sprintf("%d match ids (%s, … %s)", len(ids), ids[0], ids[len(ids)-1]))
		}
	}
	if !s.Since.IsZero() {
		parts = append(parts, "match_datetime >= "+s.Since.UTC().Format(time.RFC3339))
	}
	if !s.Until.IsZero() {
		parts = append(parts, "match_datetime < "+s.Until.UTC().Format(time.RFC3339))
	}
	list := func(name string, v []string) {
		if len(v) > 0 {
			c := slices.Clone(v)
			slices.Sort(c)
			parts = append(parts, name+" in ("+strings.Join(c, ", ")+")")
		}
	}
	list("map_name", s.Maps)
	list("game_mode", s.GameModes)
	list("game_type", s.gameTypes())
	if len(s.Missing) > 0 {
		var cols []string
		for _, f := range s.Missing {
			cols = append(cols, f.Column())
		}
		slices.Sort(cols)
		parts = append(parts, "any of ("+strings.Join(slices.Compact(cols), ", ")+") false")
	}
	return strings.Join(parts, ", ")
}

func (s Selection) gameTypes() []string {
	if len(s.GameTypes) > 0 {
		return s.GameTypes
	}
	return processedGameTypes
}

// Match is a selected match, as the matches table has it.
type Match struct {
	ID            string
	MapName       string // matches.map_name: the display name discovery stores
	GameMode      string
	MatchDatetime time.Time // UTC wall clock of the TIMESTAMP column; zero if NULL
	GameType      string
}

// Selected is what a selection found.
type Selected struct {
	// Matches to reprocess, newest first (the matches players look at).
	Matches []Match
	// Unknown are --match-id values without a matches row.
	Unknown []string
	// OtherGameType are --match-id matches the worker does not process
	// (game type not competitive/official, or not among --game-type).
	OtherGameType []Match
}

// Select runs the selection on the matches table.
func Select(ctx context.Context, db *sql.DB, s Selection) (*Selected, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	ids := dedupe(s.MatchIDs)
	if len(ids) > 0 {
		where = append(where, "match_id = ANY("+arg(pq.StringArray(ids))+")")
	} else {
		// By id, a match of another game type is reported; otherwise such
		// matches are simply not part of the selection.
		where = append(where, "coalesce(game_type, 'unknown') = ANY("+arg(pq.StringArray(s.gameTypes()))+")")
	}
	if !s.Since.IsZero() {
		where = append(where, "match_datetime >= "+arg(wallClock(s.Since)))
	}
	if !s.Until.IsZero() {
		where = append(where, "match_datetime < "+arg(wallClock(s.Until)))
	}
	if len(s.Maps) > 0 {
		where = append(where, "map_name = ANY("+arg(pq.StringArray(mapNames(s.Maps)))+")")
	}
	if len(s.GameModes) > 0 {
		where = append(where, "game_mode = ANY("+arg(pq.StringArray(s.GameModes))+")")
	}
	if len(s.Missing) > 0 {
		var any []string
		for _, f := range s.Missing {
			// Column names come from store.Flag, never from input.
			any = append(any, "NOT coalesce("+f.Column()+", false)")
		}
		where = append(where, "("+strings.Join(any, " OR ")+")")
	}
	q := `SELECT match_id, coalesce(map_name, ''), coalesce(game_mode, ''), match_datetime, coalesce(game_type, 'unknown')
		FROM matches WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY match_datetime DESC NULLS LAST, match_id`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("select matches: %w", err)
	}
	defer rows.Close()
	out := &Selected{}
	found := map[string]bool{}
	for rows.Next() {
		var m Match
		var at sql.NullTime
		if err := rows.Scan(&m.ID, &m.MapName, &m.GameMode, &at, &m.GameType); err != nil {
			return nil, fmt.Errorf("select matches: %w", err)
		}
		if at.Valid {
			m.MatchDatetime = time.Date(at.Time.Year(), at.Time.Month(), at.Time.Day(), at.Time.Hour(), at.Time.Minute(), at.Time.Second(), at.Time.Nanosecond(), time.UTC)
		}
		found[m.ID] = true
		if !slices.Contains(s.gameTypes(), m.GameType) {
			out.OtherGameType = append(out.OtherGameType, m)
			continue
		}
		out.Matches = append(out.Matches, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select matches: %w", err)
	}
	for _, id := range ids {
		if !found[id] {
			out.Unknown = append(out.Unknown, id)
		}
	}
	return out, nil
}

// wallClock is t as the TIMESTAMP (no zone) columns hold it: the UTC wall
// clock, as discovery stored the API's createdAt. Passed as text so the
// server's time zone cannot shift it.
func wallClock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999") }

func dedupe(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// TablesForMissing are the tables to replace for --missing without
// --tables: every table of the missing steps. A missing flag means the
// step stored nothing, or the Python worker reset the flag over rows it
// had written (it assigned bool(rows) of a step it had skipped), so the
// step's tables are replaced, never added to.
func TablesForMissing(flags store.Flags) store.Tables { return store.TablesOfFlags(flags) }
