package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pewstats/collector/child/extract"
)

// EnhancedStats updates the existing match_summaries rows of a match with
// the item-use, advanced-combat and circle columns (reference:
// update_match_summaries_enhanced_stats), in one statement: the per-player
// values are sent as one array per column and applied with one UPDATE,
// where the reference ran one UPDATE per player.
//
// Semantics kept from the reference: rows are matched on (match_id,
// player_name) and only existing rows change (no insert); every column is
// set to COALESCE(new value, current value), so a player missing from one
// extractor's output (a NULL group here) keeps those columns as stored,
// while a present group overwrites them, zeros included; updated_at is set
// to NOW() on every matched row.
type EnhancedStats struct {
	MatchID string
	Rows    []extract.PlayerEnhancedStats
}

func (w EnhancedStats) Table() string { return "match_summaries" }
func (w EnhancedStats) Len() int      { return len(w.Rows) }

var enhancedCols = []stageCol{
	{"player_name", "text"},
	{"heals_used", "bigint"}, {"boosts_used", "bigint"}, {"throwables_used", "bigint"}, {"smokes_thrown", "bigint"},
	{"killsteals", "bigint"}, {"throwable_damage", "float8"}, {"damage_received", "float8"},
	{"avg_distance_from_center", "float8"}, {"avg_distance_from_edge", "float8"},
	{"max_distance_from_center", "float8"}, {"min_distance_from_edge", "float8"},
	{"time_outside_zone_seconds", "bigint"},
}

// enhancedUpdateSQL is the reference's per-player UPDATE for all players
// at once: $1 is the match id, then one array per column ($2 the player
// names). The players are joined by subscript (generate_subscripts over the
// names) and every column is read at its player's subscript: a join with a
// many-column unnest is planned for ten rows and rescans the arrays once per
// summary row, where the subscripts are planned for a thousand and hashed.
// COALESCE sees the reference's parameter types (float8, bigint), so the
// values it stores are the reference's, NULL groups included.
var enhancedUpdateSQL = prepared(func() string {
	var set strings.Builder
	for i, c := range enhancedCols[1:] {
		fmt.Fprintf(&set, "%s = COALESCE(($%d::%s[])[s.i], ms.%s), ", c.name, i+3, c.typ, c.name)
	}
	return fmt.Sprintf(`
	UPDATE match_summaries ms SET %s updated_at = NOW()
	FROM (SELECT i, ($2::text[])[i] AS player_name FROM generate_subscripts($2::text[], 1) AS g(i)) s
	WHERE ms.match_id = $1 AND ms.player_name = s.player_name`, set.String())
}())

func (w EnhancedStats) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	if len(w.Rows) == 0 {
		return 0, nil
	}
	arrays, err := columnArrays(len(enhancedCols), len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		v := make([]any, 0, len(enhancedCols))
		v = append(v, r.PlayerName)
		if u := r.Items; u != nil {
			v = append(v, u.HealsUsed, u.BoostsUsed, u.ThrowablesUsed, u.SmokesThrown)
		} else {
			v = append(v, nil, nil, nil, nil)
		}
		if a := r.Advanced; a != nil {
			v = append(v, a.Killsteals, a.ThrowableDamage, a.DamageReceived)
		} else {
			v = append(v, nil, nil, nil)
		}
		if c := r.Circle; c != nil {
			v = append(v, c.AvgDistanceFromCenter, c.AvgDistanceFromEdge, c.MaxDistanceFromCenter, c.MinDistanceFromEdge, c.TimeOutsideZoneSeconds)
		} else {
			v = append(v, nil, nil, nil, nil, nil)
		}
		return v
	})
	if err != nil {
		return 0, err
	}
	res, err := execTx(ctx, tx, enhancedUpdateSQL, append([]any{w.MatchID}, arrays...)...)
	if err != nil {
		return 0, fmt.Errorf("update match_summaries: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
