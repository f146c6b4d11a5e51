-- player_circle_positions: sampled positions of tracked players relative to
-- the safe zone, inserted with ON CONFLICT DO NOTHING (no target; only the
-- primary key can conflict, so nothing is ever skipped).
--
-- Shape: migrations/010 of the reference (table and its six indexes; its
-- views and helper functions are reporting concerns and are left out).

CREATE TABLE IF NOT EXISTS player_circle_positions (
    id                   SERIAL PRIMARY KEY,
    match_id             VARCHAR(255) NOT NULL REFERENCES matches (match_id) ON DELETE CASCADE,
    player_name          VARCHAR(100) NOT NULL,
    elapsed_time         INTEGER NOT NULL,
    player_x             NUMERIC(10,2),
    player_y             NUMERIC(10,2),
    safe_zone_center_x   NUMERIC(10,2),
    safe_zone_center_y   NUMERIC(10,2),
    safe_zone_radius     NUMERIC(10,2),
    distance_from_center NUMERIC(10,2),
    distance_from_edge   NUMERIC(10,2),
    is_in_safe_zone      BOOLEAN,
    created_at           TIMESTAMP DEFAULT NOW()
);

ALTER TABLE player_circle_positions
    ADD COLUMN IF NOT EXISTS player_x             NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS player_y             NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS safe_zone_center_x   NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS safe_zone_center_y   NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS safe_zone_radius     NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS distance_from_center NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS distance_from_edge   NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS is_in_safe_zone      BOOLEAN,
    ADD COLUMN IF NOT EXISTS created_at           TIMESTAMP DEFAULT NOW();

CREATE INDEX IF NOT EXISTS idx_circle_pos_match_id          ON player_circle_positions (match_id);
CREATE INDEX IF NOT EXISTS idx_circle_pos_player_name       ON player_circle_positions (player_name);
CREATE INDEX IF NOT EXISTS idx_circle_pos_elapsed_time      ON player_circle_positions (elapsed_time);
CREATE INDEX IF NOT EXISTS idx_circle_pos_player_match_time ON player_circle_positions (player_name, match_id, elapsed_time);
CREATE INDEX IF NOT EXISTS idx_circle_pos_match_time        ON player_circle_positions (match_id, elapsed_time);
CREATE INDEX IF NOT EXISTS idx_circle_pos_outside_zone
    ON player_circle_positions (match_id, player_name, elapsed_time) WHERE is_in_safe_zone = false;
