package schema

import (
	"database/sql"
	"testing"
)

// oldProductionDDL builds a database as an older PewStats production server
// would have it, before the later reference migrations ran and before this
// package existed (so no schema_migrations):
//
//   - players without tracking_enabled, discord_id, updated_at;
//   - matches with only the first five *_processed flags (no
//     finishing_processed, fights_processed);
//   - match_summaries without the migration-008 columns, its unique key
//     created as a separately named unique index instead of the inline
//     constraint;
//   - landings with is_game as NUMERIC instead of DOUBLE PRECISION (a type
//     the migration must leave alone);
//   - team_fights in its v1 shape (no total_damage, team_outcomes,
//     loser_team_id, fight_reason) and fight_participants;
//   - player_knock_events without the eight victim_* proximity columns;
//   - player_finishing_summary without its (match_id, player_name) unique
//     key;
//   - no kill_positions, weapon_kill_events, player_damage_events,
//     player_circle_positions or player_match_weapon_distribution at all.
const oldProductionDDL = `
CREATE TABLE players (
    player_id   VARCHAR(255) PRIMARY KEY,
    player_name VARCHAR(100) NOT NULL,
    platform    VARCHAR(50) DEFAULT 'steam',
    created_at  TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE matches (
    match_id           VARCHAR(255) PRIMARY KEY,
    map_name           VARCHAR(100) NOT NULL,
    game_mode          VARCHAR(100) NOT NULL,
    match_datetime     TIMESTAMP NOT NULL,
    telemetry_url      TEXT,
    game_type          VARCHAR(100) DEFAULT 'unknown',
    status             VARCHAR(50) DEFAULT 'discovered',
    error_message      TEXT,
    landings_processed BOOLEAN DEFAULT false,
    kills_processed    BOOLEAN DEFAULT false,
    circles_processed  BOOLEAN DEFAULT false,
    weapons_processed  BOOLEAN DEFAULT false,
    damage_processed   BOOLEAN DEFAULT false,
    created_at         TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at         TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_matches_status ON matches (status);

CREATE TABLE match_summaries (
    id             SERIAL PRIMARY KEY,
    match_id       VARCHAR(255) NOT NULL,
    participant_id VARCHAR(255) NOT NULL,
    player_id      VARCHAR(255) NOT NULL,
    player_name    VARCHAR(100) NOT NULL,
    team_id        INTEGER,
    kills          INTEGER DEFAULT 0,
    damage_dealt   NUMERIC(10,4) DEFAULT 0,
    created_at     TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX ux_summaries_participant ON match_summaries (participant_id, match_id);

CREATE TABLE landings (
    match_id       TEXT,
    player_id      TEXT,
    player_name    TEXT,
    team_id        INTEGER,
    x_coordinate   DOUBLE PRECISION,
    y_coordinate   DOUBLE PRECISION,
    z_coordinate   DOUBLE PRECISION,
    is_game        NUMERIC,
    map_name       TEXT,
    match_datetime TIMESTAMP WITH TIME ZONE
);

CREATE TABLE team_fights (
    id                  SERIAL PRIMARY KEY,
    match_id            VARCHAR(255) NOT NULL,
    fight_start_time    TIMESTAMP NOT NULL,
    fight_end_time      TIMESTAMP NOT NULL,
    duration_seconds    NUMERIC(10,2),
    team_ids            INTEGER[],
    primary_team_1      INTEGER,
    primary_team_2      INTEGER,
    third_party_teams   INTEGER[],
    total_knocks        INTEGER DEFAULT 0,
    total_kills         INTEGER DEFAULT 0,
    total_damage_events INTEGER DEFAULT 0,
    total_attack_events INTEGER DEFAULT 0,
    outcome             VARCHAR(50),
    winning_team_id     INTEGER,
    fight_center_x      NUMERIC(10,2),
    fight_center_y      NUMERIC(10,2),
    fight_spread_radius NUMERIC(10,2),
    map_name            VARCHAR(50),
    game_mode           VARCHAR(50),
    game_type           VARCHAR(50),
    match_datetime      TIMESTAMP,
    created_at          TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE fight_participants (
    id           SERIAL PRIMARY KEY,
    fight_id     INTEGER NOT NULL REFERENCES team_fights (id),
    match_id     VARCHAR(255) NOT NULL,
    player_name  VARCHAR(100) NOT NULL,
    team_id      INTEGER NOT NULL,
    knocks_dealt INTEGER DEFAULT 0,
    damage_dealt NUMERIC(10,2) DEFAULT 0,
    survived     BOOLEAN DEFAULT true
);

CREATE TABLE player_knock_events (
    id                        SERIAL PRIMARY KEY,
    match_id                  VARCHAR(255) NOT NULL REFERENCES matches (match_id) ON DELETE CASCADE,
    dbno_id                   BIGINT NOT NULL,
    attack_id                 BIGINT,
    attacker_name             VARCHAR(100) NOT NULL,
    attacker_team_id          INTEGER NOT NULL,
    victim_name               VARCHAR(100) NOT NULL,
    victim_team_id            INTEGER NOT NULL,
    knock_distance            NUMERIC(10,2),
    nearest_teammate_distance NUMERIC(10,2),
    teammates_within_50m      INTEGER DEFAULT 0,
    outcome                   VARCHAR(20),
    event_timestamp           TIMESTAMP NOT NULL,
    created_at                TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE player_finishing_summary (
    id           SERIAL PRIMARY KEY,
    match_id     VARCHAR(255) NOT NULL REFERENCES matches (match_id) ON DELETE CASCADE,
    player_name  VARCHAR(100) NOT NULL,
    team_id      INTEGER NOT NULL,
    total_knocks INTEGER DEFAULT 0,
    created_at   TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
`

// oldProductionRows fills the old shapes with a little data.
const oldProductionRows = `
INSERT INTO players (player_id, player_name) VALUES ('account.a', 'Alpha'), ('account.b', 'Bravo');
INSERT INTO matches (match_id, map_name, game_mode, match_datetime, status, game_type,
                     landings_processed, kills_processed)
VALUES ('old-1', 'Erangel_Main', 'squad-fpp', '2025-06-01 20:00:00', 'completed', 'official', true, true),
       ('old-2', 'Desert_Main', 'duo-fpp', '2025-06-02 21:00:00', 'failed', 'competitive', false, false);
UPDATE matches SET error_message = 'telemetry 404' WHERE match_id = 'old-2';
INSERT INTO match_summaries (match_id, participant_id, player_id, player_name, team_id, kills, damage_dealt)
VALUES ('old-1', 'p-1', 'account.a', 'Alpha', 4, 3, 301.5),
       ('old-1', 'p-2', 'account.b', 'Bravo', 4, 0, 12.25);
INSERT INTO landings (match_id, player_id, player_name, team_id, x_coordinate, y_coordinate, z_coordinate, is_game, map_name, match_datetime)
VALUES ('old-1', 'account.a', 'Alpha', 4, 1.5, 2.5, 3.5, 0.1, 'Erangel_Main', '2025-06-01 20:00:00+00');
INSERT INTO team_fights (match_id, fight_start_time, fight_end_time, team_ids, total_knocks, outcome)
VALUES ('old-1', '2025-06-01 20:10:00', '2025-06-01 20:11:00', '{4,9}', 3, 'team_wipe');
INSERT INTO fight_participants (fight_id, match_id, player_name, team_id, knocks_dealt)
SELECT id, 'old-1', 'Alpha', 4, 2 FROM team_fights;
INSERT INTO player_knock_events (match_id, dbno_id, attacker_name, attacker_team_id, victim_name, victim_team_id,
                                 knock_distance, outcome, event_timestamp)
VALUES ('old-1', 77, 'Alpha', 4, 'Enemy', 9, 42.5, 'killed', '2025-06-01 20:10:30');
INSERT INTO player_finishing_summary (match_id, player_name, team_id, total_knocks)
VALUES ('old-1', 'Alpha', 4, 1);
`

// oldColumnsSnapshot reads every pre-existing column of the old tables, so
// the test can prove the upgrade left their values untouched.
var oldColumnsSnapshot = map[string]string{
	"players":                  `SELECT player_id, player_name, platform, created_at FROM players ORDER BY player_id`,
	"matches":                  `SELECT match_id, map_name, game_mode, match_datetime, telemetry_url, game_type, status, error_message, landings_processed, kills_processed, circles_processed, weapons_processed, damage_processed, created_at, updated_at FROM matches ORDER BY match_id`,
	"match_summaries":          `SELECT id, match_id, participant_id, player_id, player_name, team_id, kills, damage_dealt, created_at, updated_at FROM match_summaries ORDER BY id`,
	"landings":                 `SELECT match_id, player_id, player_name, team_id, x_coordinate, y_coordinate, z_coordinate, is_game, map_name, match_datetime FROM landings ORDER BY player_id`,
	"team_fights":              `SELECT id, match_id, fight_start_time, fight_end_time, team_ids, total_knocks, outcome, created_at FROM team_fights ORDER BY id`,
	"fight_participants":       `SELECT id, fight_id, match_id, player_name, team_id, knocks_dealt, damage_dealt, survived FROM fight_participants ORDER BY id`,
	"player_knock_events":      `SELECT id, match_id, dbno_id, attacker_name, victim_name, knock_distance, outcome, event_timestamp, created_at FROM player_knock_events ORDER BY id`,
	"player_finishing_summary": `SELECT id, match_id, player_name, team_id, total_knocks, created_at FROM player_finishing_summary ORDER BY id`,
}

func snapshotOldColumns(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for table, q := range oldColumnsSnapshot {
		var s sql.NullString
		if err := db.QueryRow(`SELECT string_agg(r::text, '|') FROM (` + q + `) r`).Scan(&s); err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		out[table] = s.String
	}
	return out
}

// oldProductionDB returns a database in the old production shape, with rows.
func oldProductionDB(t *testing.T) *sql.DB {
	t.Helper()
	db := freshDB(t)
	mustExec(t, db, oldProductionDDL)
	mustExec(t, db, oldProductionRows)
	return db
}
