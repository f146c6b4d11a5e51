-- Event tables the telemetry worker appends to with plain INSERTs (no
-- ON CONFLICT): landings, kill_positions, player_damage_events and
-- weapon_kill_events. None has a natural unique key in the reference;
-- re-processing a match is guarded by the matches.*_processed flags instead.
--
-- Shapes: docs/database-schemas.md; column lists checked against
-- insert_landings, insert_kill_positions, insert_damage_events and
-- insert_weapon_kill_events in the reference database manager.

CREATE TABLE IF NOT EXISTS landings (
    match_id       TEXT,
    player_id      TEXT,
    player_name    TEXT,
    team_id        INTEGER,
    x_coordinate   DOUBLE PRECISION,
    y_coordinate   DOUBLE PRECISION,
    z_coordinate   DOUBLE PRECISION,
    is_game        DOUBLE PRECISION,
    map_name       TEXT,
    game_type      TEXT,
    game_mode      TEXT,
    match_datetime TIMESTAMP WITH TIME ZONE
);

ALTER TABLE landings
    ADD COLUMN IF NOT EXISTS match_id       TEXT,
    ADD COLUMN IF NOT EXISTS player_id      TEXT,
    ADD COLUMN IF NOT EXISTS player_name    TEXT,
    ADD COLUMN IF NOT EXISTS team_id        INTEGER,
    ADD COLUMN IF NOT EXISTS x_coordinate   DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS y_coordinate   DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS z_coordinate   DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS is_game        DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS map_name       TEXT,
    ADD COLUMN IF NOT EXISTS game_type      TEXT,
    ADD COLUMN IF NOT EXISTS game_mode      TEXT,
    ADD COLUMN IF NOT EXISTS match_datetime TIMESTAMP WITH TIME ZONE;

CREATE INDEX IF NOT EXISTS idx_landings_match_id       ON landings (match_id);
CREATE INDEX IF NOT EXISTS idx_landings_player_name    ON landings (player_name);
CREATE INDEX IF NOT EXISTS idx_landings_map_name       ON landings (map_name);
CREATE INDEX IF NOT EXISTS idx_landings_match_datetime ON landings (match_datetime);

CREATE TABLE IF NOT EXISTS kill_positions (
    match_id                        VARCHAR(255) NOT NULL,
    attack_id                       VARCHAR(255),
    dbno_id                         VARCHAR(255),
    victim_name                     VARCHAR(255),
    victim_team_id                  INTEGER,
    victim_x_location               NUMERIC,
    victim_y_location               NUMERIC,
    victim_z_location               NUMERIC,
    victim_in_blue_zone             BOOLEAN,
    victim_in_vehicle               BOOLEAN,
    killed_in_zone                  JSONB,
    dbno_maker_name                 VARCHAR(255),
    dbno_maker_team_id              INTEGER,
    dbno_maker_x_location           NUMERIC,
    dbno_maker_y_location           NUMERIC,
    dbno_maker_z_location           NUMERIC,
    dbno_maker_zone                 JSONB,
    dbno_damage_reason              VARCHAR(255),
    dbno_damage_category            VARCHAR(255),
    dbno_damage_causer_name         VARCHAR(255),
    dbno_damage_causer_distance     NUMERIC,
    finisher_name                   VARCHAR(255),
    finisher_team_id                INTEGER,
    finisher_x_location             NUMERIC,
    finisher_y_location             NUMERIC,
    finisher_z_location             NUMERIC,
    finisher_zone                   JSONB,
    finisher_damage_reason          VARCHAR(255),
    finisher_damage_category        VARCHAR(255),
    finisher_damage_causer_name     VARCHAR(255),
    finisher_damage_causer_distance NUMERIC,
    is_game                         NUMERIC,
    map_name                        VARCHAR(255),
    game_type                       VARCHAR(255),
    game_mode                       VARCHAR(255),
    match_datetime                  TIMESTAMP WITH TIME ZONE
);

ALTER TABLE kill_positions
    ADD COLUMN IF NOT EXISTS attack_id                       VARCHAR(255),
    ADD COLUMN IF NOT EXISTS dbno_id                         VARCHAR(255),
    ADD COLUMN IF NOT EXISTS victim_name                     VARCHAR(255),
    ADD COLUMN IF NOT EXISTS victim_team_id                  INTEGER,
    ADD COLUMN IF NOT EXISTS victim_x_location               NUMERIC,
    ADD COLUMN IF NOT EXISTS victim_y_location               NUMERIC,
    ADD COLUMN IF NOT EXISTS victim_z_location               NUMERIC,
    ADD COLUMN IF NOT EXISTS victim_in_blue_zone             BOOLEAN,
    ADD COLUMN IF NOT EXISTS victim_in_vehicle               BOOLEAN,
    ADD COLUMN IF NOT EXISTS killed_in_zone                  JSONB,
    ADD COLUMN IF NOT EXISTS dbno_maker_name                 VARCHAR(255),
    ADD COLUMN IF NOT EXISTS dbno_maker_team_id              INTEGER,
    ADD COLUMN IF NOT EXISTS dbno_maker_x_location           NUMERIC,
    ADD COLUMN IF NOT EXISTS dbno_maker_y_location           NUMERIC,
    ADD COLUMN IF NOT EXISTS dbno_maker_z_location           NUMERIC,
    ADD COLUMN IF NOT EXISTS dbno_maker_zone                 JSONB,
    ADD COLUMN IF NOT EXISTS dbno_damage_reason              VARCHAR(255),
    ADD COLUMN IF NOT EXISTS dbno_damage_category            VARCHAR(255),
    ADD COLUMN IF NOT EXISTS dbno_damage_causer_name         VARCHAR(255),
    ADD COLUMN IF NOT EXISTS dbno_damage_causer_distance     NUMERIC,
    ADD COLUMN IF NOT EXISTS finisher_name                   VARCHAR(255),
    ADD COLUMN IF NOT EXISTS finisher_team_id                INTEGER,
    ADD COLUMN IF NOT EXISTS finisher_x_location             NUMERIC,
    ADD COLUMN IF NOT EXISTS finisher_y_location             NUMERIC,
    ADD COLUMN IF NOT EXISTS finisher_z_location             NUMERIC,
    ADD COLUMN IF NOT EXISTS finisher_zone                   JSONB,
    ADD COLUMN IF NOT EXISTS finisher_damage_reason          VARCHAR(255),
    ADD COLUMN IF NOT EXISTS finisher_damage_category        VARCHAR(255),
    ADD COLUMN IF NOT EXISTS finisher_damage_causer_name     VARCHAR(255),
    ADD COLUMN IF NOT EXISTS finisher_damage_causer_distance NUMERIC,
    ADD COLUMN IF NOT EXISTS is_game                         NUMERIC,
    ADD COLUMN IF NOT EXISTS map_name                        VARCHAR(255),
    ADD COLUMN IF NOT EXISTS game_type                       VARCHAR(255),
    ADD COLUMN IF NOT EXISTS game_mode                       VARCHAR(255),
    ADD COLUMN IF NOT EXISTS match_datetime                  TIMESTAMP WITH TIME ZONE;

CREATE INDEX IF NOT EXISTS idx_kill_positions_match_id        ON kill_positions (match_id);
CREATE INDEX IF NOT EXISTS idx_kill_positions_victim_name     ON kill_positions (victim_name);
CREATE INDEX IF NOT EXISTS idx_kill_positions_dbno_maker_name ON kill_positions (dbno_maker_name);
CREATE INDEX IF NOT EXISTS idx_kill_positions_finisher_name   ON kill_positions (finisher_name);
CREATE INDEX IF NOT EXISTS idx_kill_positions_match_datetime  ON kill_positions (match_datetime);
CREATE INDEX IF NOT EXISTS idx_kill_positions_map_name        ON kill_positions (map_name);
CREATE INDEX IF NOT EXISTS idx_kill_positions_game_mode       ON kill_positions (game_mode);
CREATE INDEX IF NOT EXISTS idx_kill_positions_game_type       ON kill_positions (game_type);
CREATE INDEX IF NOT EXISTS idx_kill_positions_match_team      ON kill_positions (match_id, victim_team_id);

CREATE TABLE IF NOT EXISTS player_damage_events (
    id                   SERIAL PRIMARY KEY,
    match_id             VARCHAR(255) NOT NULL,
    attacker_name        VARCHAR(255),
    attacker_team_id     INTEGER,
    attacker_health      INTEGER,
    attacker_location_x  REAL,
    attacker_location_y  REAL,
    attacker_location_z  REAL,
    victim_name          VARCHAR(255),
    victim_team_id       INTEGER,
    victim_health        INTEGER,
    victim_location_x    REAL,
    victim_location_y    REAL,
    victim_location_z    REAL,
    damage_type_category VARCHAR(255),
    damage_reason        VARCHAR(255),
    damage               REAL,
    weapon_id            VARCHAR(255),
    event_timestamp      TIMESTAMP WITH TIME ZONE
);

ALTER TABLE player_damage_events
    ADD COLUMN IF NOT EXISTS attacker_name        VARCHAR(255),
    ADD COLUMN IF NOT EXISTS attacker_team_id     INTEGER,
    ADD COLUMN IF NOT EXISTS attacker_health      INTEGER,
    ADD COLUMN IF NOT EXISTS attacker_location_x  REAL,
    ADD COLUMN IF NOT EXISTS attacker_location_y  REAL,
    ADD COLUMN IF NOT EXISTS attacker_location_z  REAL,
    ADD COLUMN IF NOT EXISTS victim_name          VARCHAR(255),
    ADD COLUMN IF NOT EXISTS victim_team_id       INTEGER,
    ADD COLUMN IF NOT EXISTS victim_health        INTEGER,
    ADD COLUMN IF NOT EXISTS victim_location_x    REAL,
    ADD COLUMN IF NOT EXISTS victim_location_y    REAL,
    ADD COLUMN IF NOT EXISTS victim_location_z    REAL,
    ADD COLUMN IF NOT EXISTS damage_type_category VARCHAR(255),
    ADD COLUMN IF NOT EXISTS damage_reason        VARCHAR(255),
    ADD COLUMN IF NOT EXISTS damage               REAL,
    ADD COLUMN IF NOT EXISTS weapon_id            VARCHAR(255),
    ADD COLUMN IF NOT EXISTS event_timestamp      TIMESTAMP WITH TIME ZONE;

CREATE INDEX IF NOT EXISTS idx_damage_events_match_id      ON player_damage_events (match_id);
CREATE INDEX IF NOT EXISTS idx_damage_events_attacker_name ON player_damage_events (attacker_name);
CREATE INDEX IF NOT EXISTS idx_damage_events_victim_name   ON player_damage_events (victim_name);
CREATE INDEX IF NOT EXISTS idx_damage_events_weapon        ON player_damage_events (weapon_id);

CREATE TABLE IF NOT EXISTS weapon_kill_events (
    match_id          VARCHAR(255) NOT NULL,
    event_timestamp   TIMESTAMP WITH TIME ZONE NOT NULL,
    killer_name       VARCHAR(100) NOT NULL,
    killer_team_id    INTEGER,
    killer_x          NUMERIC(10,2),
    killer_y          NUMERIC(10,2),
    killer_z          NUMERIC(10,2),
    killer_in_vehicle BOOLEAN DEFAULT false,
    victim_name       VARCHAR(100) NOT NULL,
    victim_team_id    INTEGER,
    victim_x          NUMERIC(10,2),
    victim_y          NUMERIC(10,2),
    victim_z          NUMERIC(10,2),
    victim_in_vehicle BOOLEAN DEFAULT false,
    weapon_id         VARCHAR(100) NOT NULL,
    damage_type       VARCHAR(50),
    damage_reason     VARCHAR(50),
    distance          NUMERIC(10,2),
    is_knock_down     BOOLEAN DEFAULT false,
    is_kill           BOOLEAN DEFAULT false,
    map_name          VARCHAR(50),
    game_mode         VARCHAR(50),
    match_type        VARCHAR(50),
    zone_phase        INTEGER,
    time_survived     INTEGER,
    is_blue_zone      BOOLEAN DEFAULT false,
    is_red_zone       BOOLEAN DEFAULT false,
    created_at        TIMESTAMP WITH TIME ZONE DEFAULT now()
);

-- event_timestamp, killer_name, victim_name and weapon_id are NOT NULL in
-- the reference and have no default, so an existing table is assumed to
-- have them; the rest may be added.
ALTER TABLE weapon_kill_events
    ADD COLUMN IF NOT EXISTS killer_team_id    INTEGER,
    ADD COLUMN IF NOT EXISTS killer_x          NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS killer_y          NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS killer_z          NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS killer_in_vehicle BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS victim_team_id    INTEGER,
    ADD COLUMN IF NOT EXISTS victim_x          NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_y          NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_z          NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS victim_in_vehicle BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS damage_type       VARCHAR(50),
    ADD COLUMN IF NOT EXISTS damage_reason     VARCHAR(50),
    ADD COLUMN IF NOT EXISTS distance          NUMERIC(10,2),
    ADD COLUMN IF NOT EXISTS is_knock_down     BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS is_kill           BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS map_name          VARCHAR(50),
    ADD COLUMN IF NOT EXISTS game_mode         VARCHAR(50),
    ADD COLUMN IF NOT EXISTS match_type        VARCHAR(50),
    ADD COLUMN IF NOT EXISTS zone_phase        INTEGER,
    ADD COLUMN IF NOT EXISTS time_survived     INTEGER,
    ADD COLUMN IF NOT EXISTS is_blue_zone      BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS is_red_zone       BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS created_at        TIMESTAMP WITH TIME ZONE DEFAULT now();

CREATE INDEX IF NOT EXISTS idx_weapon_kill_events_match      ON weapon_kill_events (match_id);
CREATE INDEX IF NOT EXISTS idx_weapon_kill_events_killer     ON weapon_kill_events (killer_name);
CREATE INDEX IF NOT EXISTS idx_weapon_kill_events_victim     ON weapon_kill_events (victim_name);
CREATE INDEX IF NOT EXISTS idx_weapon_kill_events_weapon     ON weapon_kill_events (weapon_id);
CREATE INDEX IF NOT EXISTS idx_weapon_kill_events_timestamp  ON weapon_kill_events (event_timestamp);
CREATE INDEX IF NOT EXISTS idx_weapon_kill_events_map        ON weapon_kill_events (map_name);
CREATE INDEX IF NOT EXISTS idx_weapon_kill_events_match_type ON weapon_kill_events (match_type);
