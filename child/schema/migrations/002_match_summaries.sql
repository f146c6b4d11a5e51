-- match_summaries: one row per participant per match, inserted by the
-- match-summary service (ON CONFLICT (match_id, participant_id) DO NOTHING)
-- and later updated by the telemetry worker with the enhanced-stat columns,
-- matched on (match_id, player_name).
--
-- Shapes: create_match_summaries_table in the reference database manager
-- (same as docs/database-schemas.md) plus migrations/008 for the
-- enhanced-stat columns and their indexes.

CREATE TABLE IF NOT EXISTS match_summaries (
    id                        SERIAL PRIMARY KEY,
    match_id                  VARCHAR(255) NOT NULL,
    participant_id            VARCHAR(255) NOT NULL,
    player_id                 VARCHAR(255) NOT NULL,
    player_name               VARCHAR(100) NOT NULL,
    team_id                   INTEGER,
    team_rank                 INTEGER,
    won                       BOOLEAN DEFAULT false,
    map_name                  VARCHAR(50),
    game_mode                 VARCHAR(50),
    match_duration            INTEGER,
    match_datetime            TIMESTAMP,
    shard_id                  VARCHAR(20),
    is_custom_match           BOOLEAN DEFAULT false,
    match_type                VARCHAR(50),
    season_state              VARCHAR(50),
    title_id                  VARCHAR(50),
    dbnos                     INTEGER DEFAULT 0,
    assists                   INTEGER DEFAULT 0,
    kills                     INTEGER DEFAULT 0,
    headshot_kills            INTEGER DEFAULT 0,
    kill_place                INTEGER,
    kill_streaks              INTEGER DEFAULT 0,
    longest_kill              NUMERIC(10,4) DEFAULT 0,
    road_kills                INTEGER DEFAULT 0,
    team_kills                INTEGER DEFAULT 0,
    damage_dealt              NUMERIC(10,4) DEFAULT 0,
    death_type                VARCHAR(50),
    time_survived             INTEGER DEFAULT 0,
    win_place                 INTEGER,
    boosts                    INTEGER DEFAULT 0,
    heals                     INTEGER DEFAULT 0,
    revives                   INTEGER DEFAULT 0,
    ride_distance             NUMERIC(10,4) DEFAULT 0,
    swim_distance             NUMERIC(10,4) DEFAULT 0,
    walk_distance             NUMERIC(10,4) DEFAULT 0,
    weapons_acquired          INTEGER DEFAULT 0,
    vehicle_destroys          INTEGER DEFAULT 0,
    created_at                TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at                TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    killsteals                INTEGER DEFAULT 0,
    heals_used                INTEGER DEFAULT 0,
    boosts_used               INTEGER DEFAULT 0,
    throwables_used           INTEGER DEFAULT 0,
    smokes_thrown             INTEGER DEFAULT 0,
    throwable_damage          NUMERIC(10,2) DEFAULT 0,
    damage_received           NUMERIC(10,2) DEFAULT 0,
    avg_distance_from_center  NUMERIC(10,2),
    avg_distance_from_edge    NUMERIC(10,2),
    max_distance_from_center  NUMERIC(10,2),
    min_distance_from_edge    NUMERIC(10,2),
    time_outside_zone_seconds INTEGER,
    CONSTRAINT match_summaries_match_id_participant_id_key UNIQUE (match_id, participant_id)
);

-- Base columns an older table might lack (the identity columns match_id,
-- participant_id, player_id and player_name are assumed present; adding them
-- NOT NULL to a populated table is impossible), then the enhanced-stat
-- columns of reference migration 008. Constant defaults mean existing rows
-- read 0 for the counters without an UPDATE.
ALTER TABLE match_summaries
    ADD COLUMN IF NOT EXISTS team_id                   INTEGER,
    ADD COLUMN IF NOT EXISTS team_rank                 INTEGER,
    ADD COLUMN IF NOT EXISTS won                       BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS map_name                  VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_mode                 VARCHAR(50),
    ADD COLUMN IF NOT EXISTS match_duration            INTEGER,
    ADD COLUMN IF NOT EXISTS match_datetime            TIMESTAMP,
    ADD COLUMN IF NOT EXISTS shard_id                  VARCHAR(20),
    ADD COLUMN IF NOT EXISTS is_custom_match           BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS match_type                VARCHAR(50),
    ADD COLUMN IF NOT EXISTS season_state              VARCHAR(50),
    ADD COLUMN IF NOT EXISTS title_id                  VARCHAR(50),
    ADD COLUMN IF NOT EXISTS dbnos                     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS assists                   INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS kills                     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS headshot_kills            INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS kill_place                INTEGER,
    ADD COLUMN IF NOT EXISTS kill_streaks              INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS longest_kill              NUMERIC(10,4) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS road_kills                INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS team_kills                INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS damage_dealt              NUMERIC(10,4) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS death_type                VARCHAR(50),
    ADD COLUMN IF NOT EXISTS time_survived             INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS win_place                 INTEGER,
    ADD COLUMN IF NOT EXISTS boosts                    INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS heals                     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS revives                   INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS ride_distance             NUMERIC(10,4) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS swim_distance             NUMERIC(10,4) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS walk_distance             NUMERIC(10,4) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS weapons_acquired          INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS vehicle_destroys          INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS created_at                TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ADD COLUMN IF NOT EXISTS updated_at                TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ADD COLUMN IF NOT EXISTS killsteals                INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS heals_used                INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS boosts_used               INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS throwables_used           INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS smokes_thrown             INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS throwable_damage          NUMERIC(10,2) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS damage_received           NUMERIC(10,2) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS avg_distance_from_center  NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS avg_distance_from_edge    NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS max_distance_from_center  NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS min_distance_from_edge    NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS time_outside_zone_seconds INTEGER;

-- The summary service's ON CONFLICT (match_id, participant_id) needs a
-- non-partial unique index on exactly those columns. Add one only when no
-- usable index exists under any name; existing duplicates make this fail
-- loudly rather than being deleted.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM pg_index ix
        WHERE ix.indrelid = 'match_summaries'::regclass
          AND ix.indisunique AND ix.indisvalid AND ix.indimmediate
          AND ix.indpred IS NULL AND ix.indexprs IS NULL
          AND ARRAY(
                SELECT att.attname::text COLLATE "C"
                FROM unnest((ix.indkey::int2[])[0:ix.indnkeyatts - 1]) AS k(attnum)
                JOIN pg_attribute att ON att.attrelid = ix.indrelid AND att.attnum = k.attnum
                ORDER BY 1
              ) = ARRAY['match_id', 'participant_id']
    ) THEN
        ALTER TABLE match_summaries
            ADD CONSTRAINT match_summaries_match_id_participant_id_key UNIQUE (match_id, participant_id);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_summaries_match_id       ON match_summaries (match_id);
CREATE INDEX IF NOT EXISTS idx_summaries_player_id      ON match_summaries (player_id);
CREATE INDEX IF NOT EXISTS idx_summaries_player_name    ON match_summaries (player_name);
CREATE INDEX IF NOT EXISTS idx_summaries_match_datetime ON match_summaries (match_datetime);

CREATE INDEX IF NOT EXISTS idx_match_summaries_killsteals
    ON match_summaries (killsteals DESC) WHERE killsteals > 0;
CREATE INDEX IF NOT EXISTS idx_match_summaries_throwable_damage
    ON match_summaries (throwable_damage DESC) WHERE throwable_damage > 0;
CREATE INDEX IF NOT EXISTS idx_match_summaries_damage_received
    ON match_summaries (damage_received DESC) WHERE damage_received > 0;
CREATE INDEX IF NOT EXISTS idx_match_summaries_avg_distance_center
    ON match_summaries (avg_distance_from_center) WHERE avg_distance_from_center IS NOT NULL;
