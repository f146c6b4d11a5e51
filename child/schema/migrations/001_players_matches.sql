-- players and matches: the two tables other services own but the telemetry
-- worker depends on. players is read for the tracked-name set; matches is
-- read for game_type and the *_processed flags, and updated with status,
-- error_message, the flags and updated_at.
--
-- Shapes: docs/database-schemas.md (players, matches), plus
-- finishing_processed (docs/finishing-metrics-migration.sql) and
-- fights_processed (migrations/005) in the reference.

CREATE TABLE IF NOT EXISTS players (
    player_id        VARCHAR(255) PRIMARY KEY,
    player_name      VARCHAR(100) NOT NULL,
    platform         VARCHAR(50) DEFAULT 'steam',
    tracking_enabled BOOLEAN NOT NULL DEFAULT true,
    discord_id       VARCHAR(255) UNIQUE,
    created_at       TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- Columns an older players table might lack. Added without UNIQUE or
-- NOT NULL-without-default so the statement can never fail on existing rows.
ALTER TABLE players
    ADD COLUMN IF NOT EXISTS platform         VARCHAR(50) DEFAULT 'steam',
    ADD COLUMN IF NOT EXISTS tracking_enabled BOOLEAN NOT NULL DEFAULT true,
    ADD COLUMN IF NOT EXISTS discord_id       VARCHAR(255),
    ADD COLUMN IF NOT EXISTS created_at       TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ADD COLUMN IF NOT EXISTS updated_at       TIMESTAMP DEFAULT CURRENT_TIMESTAMP;

CREATE INDEX IF NOT EXISTS idx_players_player_name ON players (player_name);
CREATE INDEX IF NOT EXISTS idx_players_discord_id  ON players (discord_id);
CREATE INDEX IF NOT EXISTS idx_players_created_at  ON players (created_at);

CREATE TABLE IF NOT EXISTS matches (
    match_id            VARCHAR(255) PRIMARY KEY,
    map_name            VARCHAR(100) NOT NULL,
    game_mode           VARCHAR(100) NOT NULL,
    match_datetime      TIMESTAMP NOT NULL,
    start_time          TIMESTAMP,
    telemetry_url       TEXT,
    game_type           VARCHAR(100) DEFAULT 'unknown',
    status              VARCHAR(50) DEFAULT 'discovered',
    error_message       TEXT,
    landings_processed  BOOLEAN DEFAULT false,
    kills_processed     BOOLEAN DEFAULT false,
    circles_processed   BOOLEAN DEFAULT false,
    weapons_processed   BOOLEAN DEFAULT false,
    damage_processed    BOOLEAN DEFAULT false,
    finishing_processed BOOLEAN DEFAULT false,
    fights_processed    BOOLEAN DEFAULT false,
    created_at          TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at          TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- An older matches table predates some processing flags (finishing and
-- fights were added later in the reference). A constant DEFAULT makes the
-- new column read false on existing rows without rewriting the table.
ALTER TABLE matches
    ADD COLUMN IF NOT EXISTS map_name            VARCHAR(100),
    ADD COLUMN IF NOT EXISTS game_mode           VARCHAR(100),
    ADD COLUMN IF NOT EXISTS match_datetime      TIMESTAMP,
    ADD COLUMN IF NOT EXISTS start_time          TIMESTAMP,
    ADD COLUMN IF NOT EXISTS telemetry_url       TEXT,
    ADD COLUMN IF NOT EXISTS game_type           VARCHAR(100) DEFAULT 'unknown',
    ADD COLUMN IF NOT EXISTS status              VARCHAR(50) DEFAULT 'discovered',
    ADD COLUMN IF NOT EXISTS error_message       TEXT,
    ADD COLUMN IF NOT EXISTS landings_processed  BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS kills_processed     BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS circles_processed   BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS weapons_processed   BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS damage_processed    BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS finishing_processed BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS fights_processed    BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS created_at          TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ADD COLUMN IF NOT EXISTS updated_at          TIMESTAMP DEFAULT CURRENT_TIMESTAMP;

CREATE INDEX IF NOT EXISTS idx_matches_match_datetime ON matches (match_datetime);
CREATE INDEX IF NOT EXISTS idx_matches_status         ON matches (status);
CREATE INDEX IF NOT EXISTS idx_matches_map_name       ON matches (map_name);
CREATE INDEX IF NOT EXISTS idx_matches_game_mode      ON matches (game_mode);
CREATE INDEX IF NOT EXISTS idx_matches_start_time     ON matches (start_time);
CREATE INDEX IF NOT EXISTS idx_matches_created_at     ON matches (created_at);

-- Partial indexes that find the matches a stage has not processed yet.
CREATE INDEX IF NOT EXISTS idx_matches_landings_processed
    ON matches (landings_processed, match_datetime) WHERE landings_processed = false;
CREATE INDEX IF NOT EXISTS idx_matches_kills_processed
    ON matches (kills_processed, match_datetime) WHERE kills_processed = false;
CREATE INDEX IF NOT EXISTS idx_matches_circles_processed
    ON matches (circles_processed, match_datetime) WHERE circles_processed = false;
CREATE INDEX IF NOT EXISTS idx_matches_finishing_processed
    ON matches (finishing_processed, match_datetime) WHERE finishing_processed = false;
CREATE INDEX IF NOT EXISTS idx_matches_fights_processed
    ON matches (fights_processed, match_datetime) WHERE fights_processed = false;
