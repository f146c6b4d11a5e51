package store

import (
	"context"
	"database/sql"

	"github.com/pewstats/collector/child/extract"
)

// FinishingSummaries writes player_finishing_summary. The reference relied
// on its UNIQUE (match_id, player_name) key with ON CONFLICT … DO UPDATE,
// so this keeps that clause (UpsertRows: one INSERT … SELECT … ON CONFLICT
// from the rows sent as one parameter).
type FinishingSummaries struct {
	Info extract.MatchInfo
	Rows []extract.FinishingSummary
}

func (w FinishingSummaries) Table() string { return "player_finishing_summary" }

// finishingSummaryColumns is insert_finishing_summaries' column list.
var finishingSummaryColumns = []string{
	"match_id", "player_name", "player_account_id", "team_id", "team_rank",
	"total_knocks", "knocks_converted_self", "knocks_finished_by_teammates",
	"knocks_revived_by_enemy", "instant_kills",
	"finishing_rate", "avg_time_to_finish_self", "avg_time_to_finish_teammate",
	"avg_knock_distance", "min_knock_distance", "max_knock_distance",
	"knocks_cqc_0_10m", "knocks_close_10_50m", "knocks_medium_50_100m",
	"knocks_long_100_200m", "knocks_very_long_200m_plus",
	"avg_nearest_teammate_distance", "avg_team_spread",
	"knocks_with_teammate_within_50m", "knocks_with_teammate_within_100m",
	"knocks_isolated_200m_plus",
	"headshot_knock_count", "wallbang_knock_count", "vehicle_knock_count",
	"map_name", "game_mode", "game_type", "match_datetime",
}

// finishingSummaryConflict is the reference's ON CONFLICT clause, verbatim
// in effect: identity and match columns keep their first values.
const finishingSummaryConflict = `ON CONFLICT (match_id, player_name) DO UPDATE SET
	total_knocks = EXCLUDED.total_knocks,
	knocks_converted_self = EXCLUDED.knocks_converted_self,
	knocks_finished_by_teammates = EXCLUDED.knocks_finished_by_teammates,
	knocks_revived_by_enemy = EXCLUDED.knocks_revived_by_enemy,
	instant_kills = EXCLUDED.instant_kills,
	finishing_rate = EXCLUDED.finishing_rate,
	avg_time_to_finish_self = EXCLUDED.avg_time_to_finish_self,
	avg_time_to_finish_teammate = EXCLUDED.avg_time_to_finish_teammate,
	avg_knock_distance = EXCLUDED.avg_knock_distance,
	min_knock_distance = EXCLUDED.min_knock_distance,
	max_knock_distance = EXCLUDED.max_knock_distance,
	knocks_cqc_0_10m = EXCLUDED.knocks_cqc_0_10m,
	knocks_close_10_50m = EXCLUDED.knocks_close_10_50m,
	knocks_medium_50_100m = EXCLUDED.knocks_medium_50_100m,
	knocks_long_100_200m = EXCLUDED.knocks_long_100_200m,
	knocks_very_long_200m_plus = EXCLUDED.knocks_very_long_200m_plus,
	avg_nearest_teammate_distance = EXCLUDED.avg_nearest_teammate_distance,
	avg_team_spread = EXCLUDED.avg_team_spread,
	knocks_with_teammate_within_50m = EXCLUDED.knocks_with_teammate_within_50m,
	knocks_with_teammate_within_100m = EXCLUDED.knocks_with_teammate_within_100m,
	knocks_isolated_200m_plus = EXCLUDED.knocks_isolated_200m_plus,
	headshot_knock_count = EXCLUDED.headshot_knock_count,
	wallbang_knock_count = EXCLUDED.wallbang_knock_count,
	vehicle_knock_count = EXCLUDED.vehicle_knock_count`

var _ = prepared(upsertStatement("player_finishing_summary", finishingSummaryColumns, finishingSummaryConflict))

func (w FinishingSummaries) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	return UpsertRows(ctx, tx, w.Table(), finishingSummaryColumns, finishingSummaryConflict, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{
			w.Info.MatchID, r.PlayerName, Text(r.PlayerAccountID), r.TeamID, nil,
			r.TotalKnocks, r.KnocksConvertedSelf, r.KnocksFinishedByTeammates,
			r.KnocksRevivedByEnemy, r.InstantKills,
			Numeric(r.FinishingRate), Numeric(r.AvgTimeToFinishSelf), Numeric(r.AvgTimeToFinishTeammate),
			Numeric(r.AvgKnockDistance), Numeric(r.MinKnockDistance), Numeric(r.MaxKnockDistance),
			r.KnocksCQC, r.KnocksClose, r.KnocksMedium,
			r.KnocksLong, r.KnocksVeryLong,
			Numeric(r.AvgNearestTeammate), Numeric(r.AvgTeamSpread),
			r.KnocksWithTeammate50, r.KnocksWithTeammate100,
			r.KnocksIsolated200,
			r.HeadshotKnocks, r.WallbangKnocks, r.VehicleKnocks,
			infoText(w.Info.MapName), infoText(w.Info.GameMode), infoText(w.Info.GameType), MatchDatetime(w.Info),
		}
	})
}

// Len is the number of rows (dry runs report it).
func (w FinishingSummaries) Len() int { return len(w.Rows) }
