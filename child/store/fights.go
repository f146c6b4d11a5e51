package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/failure"
)

// Fights writes a match's team_fights rows and their fight_participants.
// Participants carry their fight's generated id, so the two tables are two
// TableWriters sharing this value: TeamFights runs first (CommitMatch keeps
// the order) and records each fight's id for Participants.
//
// The reference inserted fight by fight with
// INSERT … ON CONFLICT DO NOTHING RETURNING id; when no id came back (a
// conflict) it looked the fight up by (match_id, fight_start_time,
// fight_end_time) and failed the match if none was found. Here the ids are
// drawn from the table's sequence up front, all fights go in with one
// INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING id, and fights that
// returned nothing get the same lookup (first id, if several) — or fail the
// match, permanently, as the reference did. On the reference schema nothing
// but the primary key is unique, so the conflict path never runs; it only
// matters on a database where someone added a unique key.
type Fights struct {
	Info extract.MatchInfo
	Rows []extract.Fight
	ids  []int64 // per fight, set by the team_fights writer
}

// TeamFights is the team_fights writer.
func (f *Fights) TeamFights() TableWriter { return fightsWriter{f} }

// Participants is the fight_participants writer; it must follow TeamFights.
func (f *Fights) Participants() TableWriter { return participantsWriter{f} }

type fightsWriter struct{ f *Fights }
type participantsWriter struct{ f *Fights }

func (w fightsWriter) Table() string       { return "team_fights" }
func (w participantsWriter) Table() string { return "fight_participants" }

func (w fightsWriter) Len() int { return len(w.f.Rows) }
func (w participantsWriter) Len() int {
	n := 0
	for i := range w.f.Rows {
		n += len(w.f.Rows[i].Participants)
	}
	return n
}

func (w fightsWriter) MarshalJSON() ([]byte, error)       { return json.Marshal(w.f.Rows) }
func (w participantsWriter) MarshalJSON() ([]byte, error) { return []byte(`"with team_fights"`), nil }

var fightCols = []stageCol{
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

func (w fightsWriter) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	f := w.f
	if len(f.Rows) == 0 {
		return 0, nil
	}
	ids, err := allocateFightIDs(ctx, tx, len(f.Rows))
	if err != nil {
		return 0, err
	}
	s, err := stage(ctx, tx, "team_fights", fightCols, len(f.Rows), func(i int) []any {
		r := &f.Rows[i]
		var third any
		if r.ThirdPartyTeams != nil {
			third = pq.Int64Array(r.ThirdPartyTeams)
		}
		return []any{
			ids[i], r.StartTime, r.EndTime, r.DurationSeconds,
			pq.Int64Array(r.TeamIDs), r.PrimaryTeam1, r.PrimaryTeam2, third,
			r.TotalKnocks, r.TotalKills, r.TotalDamage, r.TotalDamageEvents, 0, // total_attack_events: "not currently tracked"
			r.Outcome, nullIf(r.WinningTeamID, r.HasWinner), nullIf(r.LoserTeamID, r.HasLoser),
			teamOutcomesJSON(r.TeamOutcomes), r.Reason,
			nullIf(r.CenterX, r.HasCenter), nullIf(r.CenterY, r.HasCenter), nullIf(r.SpreadRadius, r.HasCenter),
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
		f.Info.MatchID, NullString(f.Info.MapName, f.Info.MapName != ""), NullString(f.Info.GameMode, f.Info.GameMode != ""),
		NullString(f.Info.GameType, f.Info.GameType != ""), MatchDatetime(f.Info))
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

// allocateFightIDs draws n ids from team_fights.id's sequence, so each
// fight's id is known before the set-based insert.
func allocateFightIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
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

// teamOutcomesJSON is json.dumps({team_id: outcome}): integer keys become
// strings. (JSONB normalises key order and spacing.)
func teamOutcomesJSON(o []extract.TeamOutcome) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, t := range o {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + strconv.FormatInt(t.TeamID, 10) + `": `)
		v, _ := json.Marshal(t.Outcome)
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

var participantCols = []stageCol{
	{"fight_id", "bigint"}, {"player_name", "text"}, {"player_account_id", "text"}, {"team_id", "bigint"},
	{"knocks_dealt", "bigint"}, {"kills_dealt", "bigint"}, {"damage_dealt", "float8"}, {"damage_taken", "float8"},
	{"attacks_made", "bigint"}, {"position_center_x", "float8"}, {"position_center_y", "float8"},
	{"was_knocked", "boolean"}, {"was_killed", "boolean"}, {"survived", "boolean"},
	{"knocked_at", "timestamp"}, {"killed_at", "timestamp"},
}

func (w participantsWriter) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
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
	s, err := stage(ctx, tx, "fight_participants", participantCols, len(refs), func(i int) []any {
		p := &f.Rows[refs[i].fight].Participants[refs[i].p]
		return []any{
			f.ids[refs[i].fight], p.PlayerName, NullString(p.AccountID, p.HasAccountID), p.TeamID,
			p.KnocksDealt, p.KillsDealt, p.DamageDealt, p.DamageTaken,
			0, // attacks_made: never counted by the reference
			nullIf(p.CenterX, p.HasCenter), nullIf(p.CenterY, p.HasCenter),
			p.WasKnocked, p.WasKilled, !p.WasKilled,
			NullTime(p.KnockedAt), NullTime(p.KilledAt),
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
