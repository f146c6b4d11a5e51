package store

import (
	"context"
	"database/sql"

	"github.com/pewstats/collector/child/extract"
)

// Landings writes the landings table with COPY (the reference used plain
// INSERTs; the table has no unique key, so the processing flag committed in
// the same transaction is what prevents duplicates on a retry).
type Landings struct {
	Info extract.MatchInfo
	Rows []extract.Landing
}

func (w Landings) Table() string { return "landings" }

func (w Landings) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	cols := []string{"match_id", "player_id", "player_name", "team_id",
		"x_coordinate", "y_coordinate", "z_coordinate", "is_game",
		"map_name", "game_type", "game_mode", "match_datetime"}
	return CopyRows(ctx, tx, w.Table(), cols, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{
			w.Info.MatchID, r.PlayerID, Text(r.PlayerName), Int(r.TeamID),
			Float8(r.Location.X), Float8(r.Location.Y), Float8(r.Location.Z), r.IsGame,
			infoText(w.Info.MapName), "unknown", infoText(w.Info.GameMode), MatchDatetime(w.Info),
		}
	})
}

// Len is the number of rows.
func (w Landings) Len() int { return len(w.Rows) }
