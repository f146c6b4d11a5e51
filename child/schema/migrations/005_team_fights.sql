-- Fight tracking: team_fights (one row per detected fight, inserted one at a
-- time with RETURNING id) and fight_participants (one row per player per
-- fight, carrying that id).
--
-- Shapes: docs/FIGHT_TRACKING_COMPLETE.md for both tables, with the four v2
-- columns of migrations/004 (total_damage, team_outcomes, loser_team_id,
-- fight_reason) and its indexes. The reference issues ON CONFLICT DO NOTHING
-- without a target on both tables; with no unique key besides the primary
-- key that never fires, and neither does it here (see docs/SCHEMA.md).

CREATE TABLE IF NOT EXISTS team_fights (
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
    total_damage        NUMERIC(10,2) DEFAULT 0,
    total_damage_events INTEGER DEFAULT 0,
    total_attack_events INTEGER DEFAULT 0,
    outcome             VARCHAR(50),
    winning_team_id     INTEGER,
    loser_team_id       INTEGER,
    team_outcomes       JSONB,
    fight_reason        TEXT,
    fight_center_x      NUMERIC(10,2),
    fight_center_y      NUMERIC(10,2),
    fight_spread_radius NUMERIC(10,2),
    map_name            VARCHAR(50),
    game_mode           VARCHAR(50),
    game_type           VARCHAR(50),
    match_datetime      TIMESTAMP,
    created_at          TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- Upgrades a v1 table in place (the first four are the v2 additions).
ALTER TABLE team_fights
    ADD COLUMN IF NOT EXISTS total_damage        NUMERIC(10,2) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS team_outcomes       JSONB,
    ADD COLUMN IF NOT EXISTS loser_team_id       INTEGER,
    ADD COLUMN IF NOT EXISTS fight_reason        TEXT,
    ADD COLUMN IF NOT EXISTS duration_seconds    NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS team_ids            INTEGER[],
    ADD COLUMN IF NOT EXISTS primary_team_1      INTEGER,
    ADD COLUMN IF NOT EXISTS primary_team_2      INTEGER,
    ADD COLUMN IF NOT EXISTS third_party_teams   INTEGER[],
    ADD COLUMN IF NOT EXISTS total_knocks        INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_kills         INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_damage_events INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_attack_events INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS outcome             VARCHAR(50),
    ADD COLUMN IF NOT EXISTS winning_team_id     INTEGER,
    ADD COLUMN IF NOT EXISTS fight_center_x      NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS fight_center_y      NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS fight_spread_radius NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS map_name            VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_mode           VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_type           VARCHAR(50),
    ADD COLUMN IF NOT EXISTS match_datetime      TIMESTAMP,
    ADD COLUMN IF NOT EXISTS created_at          TIMESTAMP DEFAULT CURRENT_TIMESTAMP;

CREATE INDEX IF NOT EXISTS idx_team_fights_match         ON team_fights (match_id);
CREATE INDEX IF NOT EXISTS idx_team_fights_teams         ON team_fights USING GIN (team_ids);
CREATE INDEX IF NOT EXISTS idx_team_fights_time          ON team_fights (fight_start_time);
CREATE INDEX IF NOT EXISTS idx_team_fights_total_damage  ON team_fights (total_damage);
CREATE INDEX IF NOT EXISTS idx_team_fights_loser         ON team_fights (loser_team_id);
CREATE INDEX IF NOT EXISTS idx_team_fights_team_outcomes ON team_fights USING GIN (team_outcomes);

CREATE TABLE IF NOT EXISTS fight_participants (
    id                SERIAL PRIMARY KEY,
    fight_id          INTEGER NOT NULL REFERENCES team_fights (id),
    match_id          VARCHAR(255) NOT NULL,
    player_name       VARCHAR(100) NOT NULL,
    player_account_id VARCHAR(255),
    team_id           INTEGER NOT NULL,
    knocks_dealt      INTEGER DEFAULT 0,
    kills_dealt       INTEGER DEFAULT 0,
    damage_dealt      NUMERIC(10,2) DEFAULT 0,
    damage_taken      NUMERIC(10,2) DEFAULT 0,
    attacks_made      INTEGER DEFAULT 0,
    position_center_x NUMERIC(10,2),
    position_center_y NUMERIC(10,2),
    was_knocked       BOOLEAN DEFAULT false,
    was_killed        BOOLEAN DEFAULT false,
    survived          BOOLEAN DEFAULT true,
    knocked_at        TIMESTAMP,
    killed_at         TIMESTAMP,
    match_datetime    TIMESTAMP,
    created_at        TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

ALTER TABLE fight_participants
    ADD COLUMN IF NOT EXISTS player_account_id VARCHAR(255),
    ADD COLUMN IF NOT EXISTS knocks_dealt      INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS kills_dealt       INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS damage_dealt      NUMERIC(10,2) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS damage_taken      NUMERIC(10,2) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS attacks_made      INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS position_center_x NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS position_center_y NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS was_knocked       BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS was_killed        BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS survived          BOOLEAN DEFAULT true,
    ADD COLUMN IF NOT EXISTS knocked_at        TIMESTAMP,
    ADD COLUMN IF NOT EXISTS killed_at         TIMESTAMP,
    ADD COLUMN IF NOT EXISTS match_datetime    TIMESTAMP,
    ADD COLUMN IF NOT EXISTS created_at        TIMESTAMP DEFAULT CURRENT_TIMESTAMP;

CREATE INDEX IF NOT EXISTS idx_fight_participants_fight  ON fight_participants (fight_id);
CREATE INDEX IF NOT EXISTS idx_fight_participants_player ON fight_participants (player_name);
CREATE INDEX IF NOT EXISTS idx_fight_participants_match  ON fight_participants (match_id);
