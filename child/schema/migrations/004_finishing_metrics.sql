-- Finishing metrics: player_knock_events (one row per knock, plain INSERT)
-- and player_finishing_summary (one row per player per match, upserted with
-- ON CONFLICT (match_id, player_name) DO UPDATE).
--
-- Shapes: docs/finishing-metrics-migration.sql. The reference worker also
-- writes eight victim_* teammate-proximity columns to player_knock_events
-- that the migration file lacks (they were added later by hand, see the
-- fight-tracking notes); they are included here, typed like their
-- attacker-side twins.

CREATE TABLE IF NOT EXISTS player_knock_events (
    id                               SERIAL PRIMARY KEY,
    match_id                         VARCHAR(255) NOT NULL REFERENCES matches (match_id) ON DELETE CASCADE,
    dbno_id                          BIGINT NOT NULL,
    attack_id                        BIGINT,
    attacker_name                    VARCHAR(100) NOT NULL,
    attacker_team_id                 INTEGER NOT NULL,
    attacker_account_id              VARCHAR(255),
    attacker_location_x              NUMERIC(10,2),
    attacker_location_y              NUMERIC(10,2),
    attacker_location_z              NUMERIC(10,2),
    attacker_health                  NUMERIC(5,2),
    victim_name                      VARCHAR(100) NOT NULL,
    victim_team_id                   INTEGER NOT NULL,
    victim_account_id                VARCHAR(255),
    victim_location_x                NUMERIC(10,2),
    victim_location_y                NUMERIC(10,2),
    victim_location_z                NUMERIC(10,2),
    damage_reason                    VARCHAR(50),
    damage_type_category             VARCHAR(50),
    knock_weapon                     VARCHAR(100),
    knock_weapon_attachments         JSONB,
    victim_weapon                    VARCHAR(100),
    victim_weapon_attachments        JSONB,
    knock_distance                   NUMERIC(10,2),
    is_attacker_in_vehicle           BOOLEAN DEFAULT false,
    is_through_penetrable_wall       BOOLEAN DEFAULT false,
    is_blue_zone                     BOOLEAN DEFAULT false,
    is_red_zone                      BOOLEAN DEFAULT false,
    zone_name                        VARCHAR(100),
    nearest_teammate_distance        NUMERIC(10,2),
    avg_teammate_distance            NUMERIC(10,2),
    teammates_within_50m             INTEGER DEFAULT 0,
    teammates_within_100m            INTEGER DEFAULT 0,
    teammates_within_200m            INTEGER DEFAULT 0,
    team_spread_variance             NUMERIC(10,2),
    total_teammates_alive            INTEGER DEFAULT 0,
    teammate_positions               JSONB,
    victim_nearest_teammate_distance NUMERIC(10,2),
    victim_avg_teammate_distance     NUMERIC(10,2),
    victim_teammates_within_50m      INTEGER DEFAULT 0,
    victim_teammates_within_100m     INTEGER DEFAULT 0,
    victim_teammates_within_200m     INTEGER DEFAULT 0,
    victim_team_spread_variance      NUMERIC(10,2),
    victim_total_teammates_alive     INTEGER DEFAULT 0,
    victim_teammate_positions        JSONB,
    outcome                          VARCHAR(20),
    finisher_name                    VARCHAR(100),
    finisher_is_self                 BOOLEAN,
    finisher_is_teammate             BOOLEAN,
    time_to_finish                   NUMERIC(8,2),
    map_name                         VARCHAR(50),
    game_mode                        VARCHAR(50),
    game_type                        VARCHAR(50),
    match_datetime                   TIMESTAMP,
    event_timestamp                  TIMESTAMP NOT NULL,
    created_at                       TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- Nullable / defaulted columns an older table might lack; the NOT NULL
-- identity columns (dbno_id, attacker_name/team_id, victim_name/team_id,
-- event_timestamp) are assumed present. The foreign key is only created
-- with a new table: validating it against an existing one could fail on
-- orphans and would scan the whole table.
ALTER TABLE player_knock_events
    ADD COLUMN IF NOT EXISTS attack_id                        BIGINT,
    ADD COLUMN IF NOT EXISTS attacker_account_id              VARCHAR(255),
    ADD COLUMN IF NOT EXISTS attacker_location_x              NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS attacker_location_y              NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS attacker_location_z              NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS attacker_health                  NUMERIC(5,2),
    ADD COLUMN IF NOT EXISTS victim_account_id                VARCHAR(255),
    ADD COLUMN IF NOT EXISTS victim_location_x                NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_location_y                NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_location_z                NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS damage_reason                    VARCHAR(50),
    ADD COLUMN IF NOT EXISTS damage_type_category             VARCHAR(50),
    ADD COLUMN IF NOT EXISTS knock_weapon                     VARCHAR(100),
    ADD COLUMN IF NOT EXISTS knock_weapon_attachments         JSONB,
    ADD COLUMN IF NOT EXISTS victim_weapon                    VARCHAR(100),
    ADD COLUMN IF NOT EXISTS victim_weapon_attachments        JSONB,
    ADD COLUMN IF NOT EXISTS knock_distance                   NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS is_attacker_in_vehicle           BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS is_through_penetrable_wall       BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS is_blue_zone                     BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS is_red_zone                      BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS zone_name                        VARCHAR(100),
    ADD COLUMN IF NOT EXISTS nearest_teammate_distance        NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS avg_teammate_distance            NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS teammates_within_50m             INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS teammates_within_100m            INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS teammates_within_200m            INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS team_spread_variance             NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS total_teammates_alive            INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS teammate_positions               JSONB,
    ADD COLUMN IF NOT EXISTS victim_nearest_teammate_distance NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_avg_teammate_distance     NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_teammates_within_50m      INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS victim_teammates_within_100m     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS victim_teammates_within_200m     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS victim_team_spread_variance      NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_total_teammates_alive     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS victim_teammate_positions        JSONB,
    ADD COLUMN IF NOT EXISTS outcome                          VARCHAR(20),
    ADD COLUMN IF NOT EXISTS finisher_name                    VARCHAR(100),
    ADD COLUMN IF NOT EXISTS finisher_is_self                 BOOLEAN,
    ADD COLUMN IF NOT EXISTS finisher_is_teammate             BOOLEAN,
    ADD COLUMN IF NOT EXISTS time_to_finish                   NUMERIC(8,2),
    ADD COLUMN IF NOT EXISTS map_name                         VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_mode                        VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_type                        VARCHAR(50),
    ADD COLUMN IF NOT EXISTS match_datetime                   TIMESTAMP,
    ADD COLUMN IF NOT EXISTS created_at                       TIMESTAMP DEFAULT CURRENT_TIMESTAMP;

CREATE INDEX IF NOT EXISTS idx_knock_events_match          ON player_knock_events (match_id);
CREATE INDEX IF NOT EXISTS idx_knock_events_attacker       ON player_knock_events (attacker_name);
CREATE INDEX IF NOT EXISTS idx_knock_events_victim         ON player_knock_events (victim_name);
CREATE INDEX IF NOT EXISTS idx_knock_events_dbno           ON player_knock_events (dbno_id);
CREATE INDEX IF NOT EXISTS idx_knock_events_datetime       ON player_knock_events (match_datetime);
CREATE INDEX IF NOT EXISTS idx_knock_events_outcome        ON player_knock_events (outcome);
CREATE INDEX IF NOT EXISTS idx_knock_events_finisher_type  ON player_knock_events (finisher_is_self, finisher_is_teammate);
CREATE INDEX IF NOT EXISTS idx_knock_events_distance       ON player_knock_events (knock_distance);
CREATE INDEX IF NOT EXISTS idx_knock_events_team_proximity ON player_knock_events (nearest_teammate_distance);

CREATE TABLE IF NOT EXISTS player_finishing_summary (
    id                               SERIAL PRIMARY KEY,
    match_id                         VARCHAR(255) NOT NULL REFERENCES matches (match_id) ON DELETE CASCADE,
    player_name                      VARCHAR(100) NOT NULL,
    player_account_id                VARCHAR(255),
    team_id                          INTEGER NOT NULL,
    team_rank                        INTEGER,
    total_knocks                     INTEGER DEFAULT 0,
    knocks_converted_self            INTEGER DEFAULT 0,
    knocks_finished_by_teammates     INTEGER DEFAULT 0,
    knocks_revived_by_enemy          INTEGER DEFAULT 0,
    instant_kills                    INTEGER DEFAULT 0,
    finishing_rate                   NUMERIC(5,2),
    avg_time_to_finish_self          NUMERIC(8,2),
    avg_time_to_finish_teammate      NUMERIC(8,2),
    avg_knock_distance               NUMERIC(10,2),
    min_knock_distance               NUMERIC(10,2),
    max_knock_distance               NUMERIC(10,2),
    knocks_cqc_0_10m                 INTEGER DEFAULT 0,
    knocks_close_10_50m              INTEGER DEFAULT 0,
    knocks_medium_50_100m            INTEGER DEFAULT 0,
    knocks_long_100_200m             INTEGER DEFAULT 0,
    knocks_very_long_200m_plus       INTEGER DEFAULT 0,
    avg_nearest_teammate_distance    NUMERIC(10,2),
    avg_team_spread                  NUMERIC(10,2),
    knocks_with_teammate_within_50m  INTEGER DEFAULT 0,
    knocks_with_teammate_within_100m INTEGER DEFAULT 0,
    knocks_isolated_200m_plus        INTEGER DEFAULT 0,
    headshot_knock_count             INTEGER DEFAULT 0,
    wallbang_knock_count             INTEGER DEFAULT 0,
    vehicle_knock_count              INTEGER DEFAULT 0,
    map_name                         VARCHAR(50),
    game_mode                        VARCHAR(50),
    game_type                        VARCHAR(50),
    match_datetime                   TIMESTAMP,
    created_at                       TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT player_finishing_summary_match_id_player_name_key UNIQUE (match_id, player_name)
);

ALTER TABLE player_finishing_summary
    ADD COLUMN IF NOT EXISTS player_account_id                VARCHAR(255),
    ADD COLUMN IF NOT EXISTS team_rank                        INTEGER,
    ADD COLUMN IF NOT EXISTS total_knocks                     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_converted_self            INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_finished_by_teammates     INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_revived_by_enemy          INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS instant_kills                    INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS finishing_rate                   NUMERIC(5,2),
    ADD COLUMN IF NOT EXISTS avg_time_to_finish_self          NUMERIC(8,2),
    ADD COLUMN IF NOT EXISTS avg_time_to_finish_teammate      NUMERIC(8,2),
    ADD COLUMN IF NOT EXISTS avg_knock_distance               NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS min_knock_distance               NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS max_knock_distance               NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS knocks_cqc_0_10m                 INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_close_10_50m              INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_medium_50_100m            INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_long_100_200m             INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_very_long_200m_plus       INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS avg_nearest_teammate_distance    NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS avg_team_spread                  NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS knocks_with_teammate_within_50m  INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_with_teammate_within_100m INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knocks_isolated_200m_plus        INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS headshot_knock_count             INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS wallbang_knock_count             INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS vehicle_knock_count              INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS map_name                         VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_mode                        VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_type                        VARCHAR(50),
    ADD COLUMN IF NOT EXISTS match_datetime                   TIMESTAMP,
    ADD COLUMN IF NOT EXISTS created_at                       TIMESTAMP DEFAULT CURRENT_TIMESTAMP;

-- The worker's upsert names (match_id, player_name) as its conflict target.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM pg_index ix
        WHERE ix.indrelid = 'player_finishing_summary'::regclass
          AND ix.indisunique AND ix.indisvalid AND ix.indimmediate
          AND ix.indpred IS NULL AND ix.indexprs IS NULL
          AND ARRAY(
                SELECT att.attname::text COLLATE "C"
                FROM unnest((ix.indkey::int2[])[0:ix.indnkeyatts - 1]) AS k(attnum)
                JOIN pg_attribute att ON att.attrelid = ix.indrelid AND att.attnum = k.attnum
                ORDER BY 1
              ) = ARRAY['match_id', 'player_name']
    ) THEN
        ALTER TABLE player_finishing_summary
            ADD CONSTRAINT player_finishing_summary_match_id_player_name_key UNIQUE (match_id, player_name);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_finishing_summary_match        ON player_finishing_summary (match_id);
CREATE INDEX IF NOT EXISTS idx_finishing_summary_player       ON player_finishing_summary (player_name);
CREATE INDEX IF NOT EXISTS idx_finishing_summary_datetime     ON player_finishing_summary (match_datetime);
CREATE INDEX IF NOT EXISTS idx_finishing_summary_rate         ON player_finishing_summary (finishing_rate);
CREATE INDEX IF NOT EXISTS idx_finishing_summary_distance     ON player_finishing_summary (avg_knock_distance);
CREATE INDEX IF NOT EXISTS idx_finishing_summary_team_support ON player_finishing_summary (avg_nearest_teammate_distance);
