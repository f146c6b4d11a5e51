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
// fight_end_time) and failed the match if none was found. Here one
// statement draws the ids from the table's sequence, inserts all fights
// with ON CONFLICT DO NOTHING and says which went in; a fight that did not
// go in gets the same lookup (first id, if several) — or fails the match,
// permanently, as the reference did. On the reference schema nothing but
// the primary key is unique, so the conflict path never runs; it only
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
	// timestamptz, like psycopg's aware datetimes: the cast to the TIMESTAMP
	// column then uses the session time zone, as it did for the reference.
	{"fight_start_time", "timestamptz"}, {"fight_end_time", "timestamptz"},
	{"duration_seconds", "numeric"},
	{"team_ids", "bigint[]"}, {"primary_team_1", "bigint"}, {"primary_team_2", "bigint"}, {"third_party_teams", "bigint[]"},
	{"total_knocks", "bigint"}, {"total_kills", "bigint"}, {"total_damage", "numeric"},
	{"total_damage_events", "bigint"}, {"total_attack_events", "bigint"},
	{"outcome", "text"}, {"winning_team_id", "bigint"}, {"loser_team_id", "bigint"},
	{"team_outcomes", "jsonb"}, {"fight_reason", "text"},
	{"fight_center_x", "numeric"}, {"fight_center_y", "numeric"}, {"fight_spread_radius", "numeric"},
}

// fightsInsertSQL draws each fight's id from team_fights.id's sequence, in
// the fights' order, inserts them all with the reference's ON CONFLICT DO
// NOTHING, and returns, per fight in order, its id and whether it was
// inserted: one statement where there were four. A NULL id means the
// column has no owned sequence. The columns come as arrays $1…, then the
// match's match_id, map_name, game_mode, game_type and match_datetime.
var fightsInsertSQL = prepared(func() string {
	n := len(fightCols)
	return fmt.Sprintf(`
	WITH src AS (
		SELECT nextval((SELECT pg_get_serial_sequence('team_fights', 'id'))::regclass) AS id, u.*
		FROM %s
	), ins AS (
		INSERT INTO team_fights (id, %s, match_id, map_name, game_mode, game_type, match_datetime)
		SELECT s.id, %s, $%d, $%d, $%d, $%d, $%d FROM src s WHERE s.id IS NOT NULL
		ON CONFLICT DO NOTHING
		RETURNING id
	)
	SELECT s.id, i.id IS NOT NULL FROM src s LEFT JOIN ins i ON i.id = s.id ORDER BY s.ord`,
		unnestSource(fightCols, 1, "u", true), columnNames(fightCols), unnestColumns(fightCols, "s"),
		n+1, n+2, n+3, n+4, n+5)
}())

func (w fightsWriter) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	f := w.f
	if len(f.Rows) == 0 {
		return 0, nil
	}
	arrays, err := columnArrays(len(fightCols), len(f.Rows), func(i int) []any {
		r := &f.Rows[i]
		var third any
		if r.ThirdPartyTeams != nil {
			third = pq.Int64Array(r.ThirdPartyTeams)
		}
		return []any{
			r.StartTime, r.EndTime, NumericValue(r.DurationSeconds),
			pq.Int64Array(r.TeamIDs), r.PrimaryTeam1, r.PrimaryTeam2, third,
			r.TotalKnocks, r.TotalKills, NumericValue(r.TotalDamage), r.TotalDamageEvents, 0, // total_attack_events: "not currently tracked"
			r.Outcome, Int(r.WinningTeamID), Int(r.LoserTeamID),
			teamOutcomesJSON(r.TeamOutcomes), r.Reason,
			Numeric(r.CenterX), Numeric(r.CenterY), Numeric(r.SpreadRadius),
		}
	})
	if err != nil {
		return 0, err
	}
	args := append(arrays, f.Info.MatchID, infoText(f.Info.MapName), infoText(f.Info.GameMode),
		infoText(f.Info.GameType), MatchDatetime(f.Info))
	ids, inserted, err := insertFights(ctx, tx, args, len(f.Rows))
	if err != nil {
		return 0, err
	}
	stored := int64(0)
	for i := range ids {
		if inserted[i] {
			stored++
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
	return stored, nil
}

// insertFights runs fightsInsertSQL and reads back, per fight, its id and
// whether it was inserted.
func insertFights(ctx context.Context, tx *sql.Tx, args []any, n int) (ids []int64, inserted []bool, err error) {
	rows, err := queryTx(ctx, tx, fightsInsertSQL, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("insert team_fights: %w", err)
	}
	defer rows.Close()
	ids, inserted = make([]int64, 0, n), make([]bool, 0, n)
	for rows.Next() {
		var id sql.NullInt64
		var ok bool
		if err := rows.Scan(&id, &ok); err != nil {
			return nil, nil, fmt.Errorf("read inserted fight id: %w", err)
		}
		if !id.Valid {
			return nil, nil, failure.Permanentf("SchemaMismatch", "team_fights.id has no owned sequence (expected SERIAL)")
		}
		ids, inserted = append(ids, id.Int64), append(inserted, ok)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("insert team_fights: %w", err)
	}
	if len(ids) != n {
		return nil, nil, fmt.Errorf("insert team_fights: %d ids for %d fights", len(ids), n)
	}
	return ids, inserted, nil
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
	{"knocks_dealt", "bigint"}, {"kills_dealt", "bigint"}, {"damage_dealt", "numeric"}, {"damage_taken", "numeric"},
	{"attacks_made", "bigint"}, {"position_center_x", "numeric"}, {"position_center_y", "numeric"},
	{"was_knocked", "boolean"}, {"was_killed", "boolean"}, {"survived", "boolean"},
	{"knocked_at", "timestamp"}, {"killed_at", "timestamp"},
}

// participantsInsertSQL inserts every participant of the match's fights:
// the columns as arrays $1…, then match_id and match_datetime.
var participantsInsertSQL = prepared(fmt.Sprintf(`
	INSERT INTO fight_participants (%s, match_id, match_datetime)
	SELECT %s, $%d, $%d FROM %s
	ON CONFLICT DO NOTHING`, columnNames(participantCols), unnestColumns(participantCols, "s"),
	len(participantCols)+1, len(participantCols)+2, unnestSource(participantCols, 1, "s", false)))

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
	arrays, err := columnArrays(len(participantCols), len(refs), func(i int) []any {
		p := &f.Rows[refs[i].fight].Participants[refs[i].p]
		return []any{
			f.ids[refs[i].fight], p.PlayerName, Text(p.AccountID), p.TeamID,
			p.KnocksDealt, p.KillsDealt, NumericValue(p.DamageDealt), NumericValue(p.DamageTaken),
			0, // attacks_made: never counted by the reference
			Numeric(p.CenterX), Numeric(p.CenterY),
			p.WasKnocked, p.WasKilled, !p.WasKilled,
			Time(p.KnockedAt), Time(p.KilledAt),
		}
	})
	if err != nil {
		return 0, err
	}
	res, err := execTx(ctx, tx, participantsInsertSQL, append(arrays, f.Info.MatchID, MatchDatetime(f.Info))...)
	if err != nil {
		return 0, fmt.Errorf("insert fight_participants: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
