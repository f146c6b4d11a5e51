package store

// The writers as they were before issue 13: staging tables created per match
// (CREATE TEMP TABLE … ON COMMIT DROP), loaded with COPY, then moved with one
// set-based statement. They are kept here, frozen, so that
// TestNewPathStoresWhatTheStagingPathStored can write the same extracted rows
// through both paths and compare every column of every table.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/failure"
)

// LegacyWriter wraps a writer so that it writes the way the collector wrote
// before issue 13. Writers that did not stage (plain COPY) are returned as
// they are.
func LegacyWriter(tw TableWriter) TableWriter {
	switch w := tw.(type) {
	case FinishingSummaries, fightsWriter, participantsWriter, EnhancedStats, CirclePositions, WeaponDistribution:
		return legacyWriter{w}
	}
	return tw
}

type legacyWriter struct{ w TableWriter }

func (l legacyWriter) Table() string { return l.w.Table() }

func (l legacyWriter) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	switch w := l.w.(type) {
	case FinishingSummaries:
		return legacyFinishing(ctx, tx, w)
	case fightsWriter:
		return legacyFights(ctx, tx, w)
	case participantsWriter:
		return legacyParticipants(ctx, tx, w)
	case EnhancedStats:
		return legacyEnhanced(ctx, tx, w)
	case CirclePositions:
		return legacyCircle(ctx, tx, w)
	case WeaponDistribution:
		return legacyWeaponDist(ctx, tx, w)
	}
	return 0, fmt.Errorf("legacy: no legacy path for %T", l.w)
}

var legacyStageSeq atomic.Uint64

// legacyStaged is a transaction-local table loaded with COPY, from which one
// set-based statement then moves the rows.
type legacyStaged struct {
	name string
	cols []stageCol
}

// stage creates a temporary table with the given columns and copies n rows
// into it. The column types are chosen to reproduce the reference's writes:
// Python floats reached PostgreSQL as float8 parameters and were cast to the
// target's NUMERIC on assignment (float8 → numeric keeps 15 significant
// digits, so e.g. 0.12499999999999999 is stored as 0.13, not 0.12). Staging
// floats as float8 and letting INSERT … SELECT / UPDATE … FROM do the same
// assignment cast stores exactly what the reference stored; loading the
// NUMERIC column directly from Go's shortest decimal would not.
func legacyStage(ctx context.Context, tx *sql.Tx, prefix string, cols []stageCol, n int, row func(i int) []any) (*legacyStaged, error) {
	s := &legacyStaged{name: fmt.Sprintf("stage_%s_%d", prefix, legacyStageSeq.Add(1)), cols: cols}
	defs := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		defs[i], names[i] = c.name+" "+c.typ, c.name
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE TEMP TABLE %s (%s) ON COMMIT DROP", s.name, strings.Join(defs, ", "))); err != nil {
		return nil, fmt.Errorf("create staging table %s: %w", s.name, err)
	}
	if _, err := CopyRows(ctx, tx, s.name, names, n, row); err != nil {
		return nil, err
	}
	return s, nil
}

// columns lists the legacyStaged column names, each prefixed with alias and a dot
// when alias is not empty.
func (s *legacyStaged) columns(alias string) string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.name
		if alias != "" {
			out[i] = alias + "." + c.name
		}
	}
	return strings.Join(out, ", ")
}

// drop removes the staging table early (it would go at commit anyway), so a
// long transaction does not accumulate them.
func (s *legacyStaged) drop(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+s.name); err != nil {
		return fmt.Errorf("drop staging table %s: %w", s.name, err)
	}
	return nil
}

// CopyUpsert keeps the reference's conflict behaviour on a table with a
// unique key while still loading with COPY: rows are copied into a
// transaction-local staging table, then moved with
// INSERT … SELECT … <onConflict>. It returns the rows the INSERT affected.
// onConflict is a fixed SQL fragment from the caller, e.g.
// "ON CONFLICT (match_id, player_name) DO UPDATE SET x = EXCLUDED.x".
func legacyCopyUpsert(ctx context.Context, tx *sql.Tx, table string, columns []string, onConflict string, n int, row func(i int) []any) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	stage := fmt.Sprintf("stage_%s_%d", table, legacyStageSeq.Add(1))
	cols := strings.Join(columns, ", ")
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(
		"CREATE TEMP TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA", stage, cols, table)); err != nil {
		return 0, fmt.Errorf("create staging table for %s: %w", table, err)
	}
	if _, err := CopyRows(ctx, tx, stage, columns, n, row); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(
		"INSERT INTO %s (%s) SELECT %s FROM %s %s", table, cols, cols, stage, onConflict))
	if err != nil {
		return 0, fmt.Errorf("insert %s from staging: %w", table, err)
	}
	affected, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+stage); err != nil {
		return 0, fmt.Errorf("drop staging table for %s: %w", table, err)
	}
	return affected, nil
}

func legacyFinishing(ctx context.Context, tx *sql.Tx, w FinishingSummaries) (int64, error) {
	return legacyCopyUpsert(ctx, tx, w.Table(), finishingSummaryColumns, finishingSummaryConflict, len(w.Rows), func(i int) []any {
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

var legacyFightCols = []stageCol{
	{"id", "bigint"},
	// timestamptz, like psycopg's aware datetimes: the cast to the TIMESTAMP
	// column then uses the session time zone, as it did for the reference.
	{"fight_start_time", "timestamptz"}, {"fight_end_time", "timestamptz"},
	{"duration_seconds", "float8"},
	{"team_ids", "bigint[]"}, {"primary_team_1", "bigint"}, {"primary_team_2", "bigint"}, {"third_party_teams", "bigint[]"},
	{"total_knocks", "bigint"}, {"total_kills", "bigint"}, {"total_damage", "float8"},
	{"total_damage_events", "bigint"}, {"total_attack_events", "bigint"},
	{"outcome", "text"}, {"winning_team_id", "bigint"}, {"loser_team_id", "bigint"},
	{"team_outcomes", "jsonb"}, {"fight_reason", "text"},
	{"fight_center_x", "float8"}, {"fight_center_y", "float8"}, {"fight_spread_radius", "float8"},
}

func legacyFights(ctx context.Context, tx *sql.Tx, w fightsWriter) (int64, error) {
	f := w.f
	if len(f.Rows) == 0 {
		return 0, nil
	}
	ids, err := legacyAllocateFightIDs(ctx, tx, len(f.Rows))
	if err != nil {
		return 0, err
	}
	s, err := legacyStage(ctx, tx, "team_fights", legacyFightCols, len(f.Rows), func(i int) []any {
		r := &f.Rows[i]
		var third any
		if r.ThirdPartyTeams != nil {
			third = pq.Int64Array(r.ThirdPartyTeams)
		}
		return []any{
			ids[i], r.StartTime, r.EndTime, r.DurationSeconds,
			pq.Int64Array(r.TeamIDs), r.PrimaryTeam1, r.PrimaryTeam2, third,
			r.TotalKnocks, r.TotalKills, r.TotalDamage, r.TotalDamageEvents, 0, // total_attack_events: "not currently tracked"
			r.Outcome, Int(r.WinningTeamID), Int(r.LoserTeamID),
			teamOutcomesJSON(r.TeamOutcomes), r.Reason,
			Float8(r.CenterX), Float8(r.CenterY), Float8(r.SpreadRadius),
		}
	})
	if err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`
		INSERT INTO team_fights (%s, match_id, map_name, game_mode, game_type, match_datetime)
		SELECT %s, $1, $2, $3, $4, $5 FROM %s
		ON CONFLICT DO NOTHING
		RETURNING id`, s.columns(""), s.columns(""), s.name),
		f.Info.MatchID, infoText(f.Info.MapName), infoText(f.Info.GameMode),
		infoText(f.Info.GameType), MatchDatetime(f.Info))
	if err != nil {
		return 0, fmt.Errorf("insert team_fights from staging: %w", err)
	}
	inserted := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read inserted fight id: %w", err)
		}
		inserted[id] = true
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("insert team_fights from staging: %w", err)
	}
	for i := range ids {
		if inserted[ids[i]] {
			continue
		}
		// A conflict on some unique key other than id: link the
		// participants to the fight already stored, as the reference did.
		r := &f.Rows[i]
		err := tx.QueryRowContext(ctx, `
			SELECT id FROM team_fights
			WHERE match_id = $1 AND fight_start_time = $2::timestamptz AND fight_end_time = $3::timestamptz
			ORDER BY id LIMIT 1`, f.Info.MatchID, r.StartTime, r.EndTime).Scan(&ids[i])
		if errors.Is(err, sql.ErrNoRows) {
			return 0, failure.Permanentf("FightConflict",
				"team fight %s–%s of match %s conflicted with a stored row but no fight with those times exists (reference: \"Failed to retrieve fight ID after conflict\")",
				r.StartTime.Format("15:04:05.000"), r.EndTime.Format("15:04:05.000"), f.Info.MatchID)
		}
		if err != nil {
			return 0, fmt.Errorf("look up conflicting fight: %w", err)
		}
	}
	f.ids = ids
	if err := s.drop(ctx, tx); err != nil {
		return 0, err
	}
	return int64(len(inserted)), nil
}

func legacyAllocateFightIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	var seq sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT pg_get_serial_sequence('team_fights', 'id')`).Scan(&seq); err != nil {
		return nil, fmt.Errorf("find team_fights id sequence: %w", err)
	}
	if !seq.Valid {
		return nil, failure.Permanentf("SchemaMismatch", "team_fights.id has no owned sequence (expected SERIAL)")
	}
	rows, err := tx.QueryContext(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, seq.String, n)
	if err != nil {
		return nil, fmt.Errorf("allocate team_fights ids: %w", err)
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("allocate team_fights ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("allocate team_fights ids: %w", err)
	}
	return ids, nil
}

var legacyParticipantCols = []stageCol{
	{"fight_id", "bigint"}, {"player_name", "text"}, {"player_account_id", "text"}, {"team_id", "bigint"},
	{"knocks_dealt", "bigint"}, {"kills_dealt", "bigint"}, {"damage_dealt", "float8"}, {"damage_taken", "float8"},
	{"attacks_made", "bigint"}, {"position_center_x", "float8"}, {"position_center_y", "float8"},
	{"was_knocked", "boolean"}, {"was_killed", "boolean"}, {"survived", "boolean"},
	{"knocked_at", "timestamp"}, {"killed_at", "timestamp"},
}

func legacyParticipants(ctx context.Context, tx *sql.Tx, w participantsWriter) (int64, error) {
	f := w.f
	type ref struct{ fight, p int }
	var refs []ref
	for i := range f.Rows {
		for k := range f.Rows[i].Participants {
			refs = append(refs, ref{i, k})
		}
	}
	if len(refs) == 0 {
		return 0, nil
	}
	if len(f.ids) != len(f.Rows) {
		return 0, errors.New("fight_participants written before team_fights")
	}
	s, err := legacyStage(ctx, tx, "fight_participants", legacyParticipantCols, len(refs), func(i int) []any {
		p := &f.Rows[refs[i].fight].Participants[refs[i].p]
		return []any{
			f.ids[refs[i].fight], p.PlayerName, Text(p.AccountID), p.TeamID,
			p.KnocksDealt, p.KillsDealt, p.DamageDealt, p.DamageTaken,
			0, // attacks_made: never counted by the reference
			Float8(p.CenterX), Float8(p.CenterY),
			p.WasKnocked, p.WasKilled, !p.WasKilled,
			Time(p.KnockedAt), Time(p.KilledAt),
		}
	})
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`
		INSERT INTO fight_participants (%s, match_id, match_datetime)
		SELECT %s, $1, $2 FROM %s
		ON CONFLICT DO NOTHING`, s.columns(""), s.columns(""), s.name),
		f.Info.MatchID, MatchDatetime(f.Info))
	if err != nil {
		return 0, fmt.Errorf("insert fight_participants from staging: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := s.drop(ctx, tx); err != nil {
		return 0, err
	}
	return n, nil
}

var legacyEnhancedCols = []stageCol{
	{"player_name", "text"},
	{"heals_used", "bigint"}, {"boosts_used", "bigint"}, {"throwables_used", "bigint"}, {"smokes_thrown", "bigint"},
	{"killsteals", "bigint"}, {"throwable_damage", "float8"}, {"damage_received", "float8"},
	{"avg_distance_from_center", "float8"}, {"avg_distance_from_edge", "float8"},
	{"max_distance_from_center", "float8"}, {"min_distance_from_edge", "float8"},
	{"time_outside_zone_seconds", "bigint"},
}

func legacyEnhanced(ctx context.Context, tx *sql.Tx, w EnhancedStats) (int64, error) {
	if len(w.Rows) == 0 {
		return 0, nil
	}
	s, err := legacyStage(ctx, tx, "match_summaries", legacyEnhancedCols, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		v := make([]any, 0, len(legacyEnhancedCols))
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
	set := ""
	for _, c := range legacyEnhancedCols[1:] {
		set += fmt.Sprintf("%s = COALESCE(s.%s, ms.%s), ", c.name, c.name, c.name)
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`
		UPDATE match_summaries ms SET %s updated_at = NOW()
		FROM %s s
		WHERE ms.match_id = $1 AND ms.player_name = s.player_name`, set, s.name), w.MatchID)
	if err != nil {
		return 0, fmt.Errorf("update match_summaries from staging: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := s.drop(ctx, tx); err != nil {
		return 0, err
	}
	return n, nil
}

var legacyCircleCols = []stageCol{
	{"player_name", "text"}, {"elapsed_time", "bigint"},
	{"player_x", "float8"}, {"player_y", "float8"},
	{"safe_zone_center_x", "float8"}, {"safe_zone_center_y", "float8"}, {"safe_zone_radius", "float8"},
	{"distance_from_center", "float8"}, {"distance_from_edge", "float8"}, {"is_in_safe_zone", "boolean"},
}

func legacyCircle(ctx context.Context, tx *sql.Tx, w CirclePositions) (int64, error) {
	if len(w.Rows) == 0 {
		return 0, nil
	}
	s, err := legacyStage(ctx, tx, "circle_positions", legacyCircleCols, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{r.PlayerName, r.ElapsedTime, r.PlayerX, r.PlayerY, r.ZoneX, r.ZoneY, r.ZoneRadius,
			r.DistanceFromCenter, r.DistanceFromEdge, r.InSafeZone}
	})
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`
		INSERT INTO player_circle_positions (match_id, %s)
		SELECT $1::text, %s FROM %s s
		WHERE NOT EXISTS (SELECT 1 FROM player_circle_positions p WHERE p.match_id = $1::text AND p.player_name = s.player_name)
		ON CONFLICT DO NOTHING`, s.columns(""), s.columns("s"), s.name), w.MatchID)
	if err != nil {
		return 0, fmt.Errorf("insert player_circle_positions from staging: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := s.drop(ctx, tx); err != nil {
		return 0, err
	}
	return n, nil
}

var legacyWeaponDistCols = []stageCol{
	{"player_name", "text"}, {"weapon_category", "text"},
	{"total_damage", "float8"}, {"total_kills", "bigint"}, {"knock_downs", "bigint"},
}

func legacyWeaponDist(ctx context.Context, tx *sql.Tx, w WeaponDistribution) (int64, error) {
	if len(w.Rows) == 0 {
		return 0, nil
	}
	s, err := legacyStage(ctx, tx, "weapon_distribution", legacyWeaponDistCols, len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{r.PlayerName, r.Category, r.TotalDamage, r.TotalKills, r.KnockDowns}
	})
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`
		INSERT INTO player_match_weapon_distribution (match_id, %s)
		SELECT $1, %s FROM %s
		ON CONFLICT (match_id, player_name, weapon_category) DO UPDATE SET
			total_damage = EXCLUDED.total_damage,
			total_kills = EXCLUDED.total_kills,
			knock_downs = EXCLUDED.knock_downs`, s.columns(""), s.columns(""), s.name), w.MatchID)
	if err != nil {
		return 0, fmt.Errorf("upsert player_match_weapon_distribution from staging: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := s.drop(ctx, tx); err != nil {
		return 0, err
	}
	return n, nil
}
