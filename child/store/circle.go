package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pewstats/collector/child/extract"
)

// CirclePositions inserts tracked players' samples into
// player_circle_positions (reference: insert_circle_positions, with
// ON CONFLICT DO NOTHING).
//
// One deliberate difference: the table has no unique key, so the
// reference's ON CONFLICT never fired and every reprocessing of a match
// (circle tracking had no processing flag) inserted all samples again. Here
// the step is gated by circles_processed like every step, and within it a
// player's samples are inserted only if the match has none for that player
// yet, which keeps samples the reference worker wrote (it never set the
// flag) from being doubled. A first run stores exactly the reference's rows.
//
// The reference's ON CONFLICT DO NOTHING is not kept: with no unique key
// but the serial id it can never fire, and it is not free: PostgreSQL then
// inserts every row speculatively (a probe of the primary key and a
// speculative-insertion lock per row), about a tenth of a heavy match's
// database CPU (docs/PARITY.md, difference 4).
type CirclePositions struct {
	MatchID string
	Rows    []extract.CirclePosition
}

func (w CirclePositions) Table() string { return "player_circle_positions" }
func (w CirclePositions) Len() int      { return len(w.Rows) }

var circleCols = []stageCol{
	{"player_name", "text"}, {"elapsed_time", "bigint"},
	{"player_x", "numeric"}, {"player_y", "numeric"},
	{"safe_zone_center_x", "numeric"}, {"safe_zone_center_y", "numeric"}, {"safe_zone_radius", "numeric"},
	{"distance_from_center", "numeric"}, {"distance_from_edge", "numeric"}, {"is_in_safe_zone", "boolean"},
}

// circleInsertSQL inserts the samples of players with none for the match
// yet ($1 is the match id, the columns follow as arrays). The players who
// have samples are read first, into a materialized set: a plan that probed
// the table row by row while inserting would meet, for every sample, the
// same player's samples this very statement had just inserted (invisible
// to it, but still visited), quadratic in the samples per player.
var circleInsertSQL = prepared(fmt.Sprintf(`
	WITH present AS MATERIALIZED (
		SELECT DISTINCT player_name::text AS player_name FROM player_circle_positions WHERE match_id = $1::text
	)
	INSERT INTO player_circle_positions (match_id, %s)
	SELECT $1::text, %s FROM %s
	WHERE NOT EXISTS (SELECT 1 FROM present p WHERE p.player_name = s.player_name)`, columnNames(circleCols), unnestColumns(circleCols, "s"), unnestSource(circleCols, 2, "s", false)))

func (w CirclePositions) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	if len(w.Rows) == 0 {
		return 0, nil
	}
	arrays, err := columnArrays(len(circleCols), len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{r.PlayerName, r.ElapsedTime, NumericValue(r.PlayerX), NumericValue(r.PlayerY),
			NumericValue(r.ZoneX), NumericValue(r.ZoneY), NumericValue(r.ZoneRadius),
			NumericValue(r.DistanceFromCenter), NumericValue(r.DistanceFromEdge), r.InSafeZone}
	})
	if err != nil {
		return 0, err
	}
	res, err := execTx(ctx, tx, circleInsertSQL, append([]any{w.MatchID}, arrays...)...)
	if err != nil {
		return 0, fmt.Errorf("insert player_circle_positions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
