-- The tables these tests write, as the reference defines them
-- (docs/database-schemas.md, docs/finishing-metrics-migration.sql and the
-- column lists of core/database_manager.py). Used until the project's own
-- migrations (child/schema) are on main.
CREATE TABLE matches (
    match_id VARCHAR(255) PRIMARY KEY,
    map_name VARCHAR(100) NOT NULL DEFAULT 'Erangel',
    game_mode VARCHAR(100) NOT NULL DEFAULT 'squad-fpp',
    match_datetime TIMESTAMP NOT NULL DEFAULT now(),
    game_type VARCHAR(100) DEFAULT 'unknown',
    status VARCHAR(50) DEFAULT 'discovered',
    error_message TEXT,
    landings_processed BOOLEAN DEFAULT false,
    kills_processed BOOLEAN DEFAULT false,
    circles_processed BOOLEAN DEFAULT false,
    weapons_processed BOOLEAN DEFAULT false,
    damage_processed BOOLEAN DEFAULT false,
    finishing_processed BOOLEAN DEFAULT false,
    fights_processed BOOLEAN DEFAULT false,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE players (
    player_id VARCHAR(255) PRIMARY KEY,
    player_name VARCHAR(100) NOT NULL
);
CREATE TABLE landings (
    match_id TEXT, player_id TEXT, player_name TEXT, team_id INTEGER,
    x_coordinate DOUBLE PRECISION, y_coordinate DOUBLE PRECISION, z_coordinate DOUBLE PRECISION,
    is_game DOUBLE PRECISION, map_name TEXT, game_type TEXT, game_mode TEXT,
    match_datetime TIMESTAMP WITH TIME ZONE
);
CREATE TABLE kill_positions (
    match_id VARCHAR(255) NOT NULL, attack_id VARCHAR(255), dbno_id VARCHAR(255),
    victim_name VARCHAR(255), victim_team_id INTEGER,
    victim_x_location NUMERIC, victim_y_location NUMERIC, victim_z_location NUMERIC,
    victim_in_blue_zone BOOLEAN, victim_in_vehicle BOOLEAN, killed_in_zone JSONB,
    dbno_maker_name VARCHAR(255), dbno_maker_team_id INTEGER,
    dbno_maker_x_location NUMERIC, dbno_maker_y_location NUMERIC, dbno_maker_z_location NUMERIC,
    dbno_maker_zone JSONB, dbno_damage_reason VARCHAR(255), dbno_damage_category VARCHAR(255),
    dbno_damage_causer_name VARCHAR(255), dbno_damage_causer_distance NUMERIC,
    finisher_name VARCHAR(255), finisher_team_id INTEGER,
    finisher_x_location NUMERIC, finisher_y_location NUMERIC, finisher_z_location NUMERIC,
    finisher_zone JSONB, finisher_damage_reason VARCHAR(255), finisher_damage_category VARCHAR(255),
    finisher_damage_causer_name VARCHAR(255), finisher_damage_causer_distance NUMERIC,
    is_game NUMERIC, map_name VARCHAR(255), game_type VARCHAR(255), game_mode VARCHAR(255),
    match_datetime TIMESTAMP WITH TIME ZONE
);
CREATE TABLE player_damage_events (
    id SERIAL PRIMARY KEY, match_id VARCHAR(255) NOT NULL,
    attacker_name VARCHAR(255), attacker_team_id INTEGER, attacker_health INTEGER,
    attacker_location_x REAL, attacker_location_y REAL, attacker_location_z REAL,
    victim_name VARCHAR(255), victim_team_id INTEGER, victim_health INTEGER,
    victim_location_x REAL, victim_location_y REAL, victim_location_z REAL,
    damage_type_category VARCHAR(255), damage_reason VARCHAR(255), damage REAL, weapon_id VARCHAR(255),
    event_timestamp TIMESTAMP WITH TIME ZONE
);
CREATE TABLE weapon_kill_events (
    match_id VARCHAR(255) NOT NULL, event_timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
    killer_name VARCHAR(100) NOT NULL, killer_team_id INTEGER,
    killer_x NUMERIC(10,2), killer_y NUMERIC(10,2), killer_z NUMERIC(10,2), killer_in_vehicle BOOLEAN DEFAULT false,
    victim_name VARCHAR(100) NOT NULL, victim_team_id INTEGER,
    victim_x NUMERIC(10,2), victim_y NUMERIC(10,2), victim_z NUMERIC(10,2), victim_in_vehicle BOOLEAN DEFAULT false,
    weapon_id VARCHAR(100) NOT NULL, damage_type VARCHAR(50), damage_reason VARCHAR(50), distance NUMERIC(10,2),
    is_knock_down BOOLEAN DEFAULT false, is_kill BOOLEAN DEFAULT false,
    map_name VARCHAR(50), game_mode VARCHAR(50), match_type VARCHAR(50), zone_phase INTEGER, time_survived INTEGER,
    is_blue_zone BOOLEAN DEFAULT false, is_red_zone BOOLEAN DEFAULT false,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now()
);
CREATE TABLE player_knock_events (
    id SERIAL PRIMARY KEY,
    match_id VARCHAR(255) NOT NULL REFERENCES matches(match_id) ON DELETE CASCADE,
    dbno_id BIGINT NOT NULL, attack_id BIGINT,
    attacker_name VARCHAR(100) NOT NULL, attacker_team_id INTEGER NOT NULL, attacker_account_id VARCHAR(255),
    attacker_location_x NUMERIC(10,2), attacker_location_y NUMERIC(10,2), attacker_location_z NUMERIC(10,2),
    attacker_health NUMERIC(5,2),
    victim_name VARCHAR(100) NOT NULL, victim_team_id INTEGER NOT NULL, victim_account_id VARCHAR(255),
    victim_location_x NUMERIC(10,2), victim_location_y NUMERIC(10,2), victim_location_z NUMERIC(10,2),
    damage_reason VARCHAR(50), damage_type_category VARCHAR(50),
    knock_weapon VARCHAR(100), knock_weapon_attachments JSONB,
    victim_weapon VARCHAR(100), victim_weapon_attachments JSONB,
    knock_distance NUMERIC(10,2),
    is_attacker_in_vehicle BOOLEAN DEFAULT FALSE, is_through_penetrable_wall BOOLEAN DEFAULT FALSE,
    is_blue_zone BOOLEAN DEFAULT FALSE, is_red_zone BOOLEAN DEFAULT FALSE, zone_name VARCHAR(100),
    nearest_teammate_distance NUMERIC(10,2), avg_teammate_distance NUMERIC(10,2),
    teammates_within_50m INTEGER DEFAULT 0, teammates_within_100m INTEGER DEFAULT 0, teammates_within_200m INTEGER DEFAULT 0,
    team_spread_variance NUMERIC(10,2), total_teammates_alive INTEGER DEFAULT 0, teammate_positions JSONB,
    victim_nearest_teammate_distance NUMERIC(10,2), victim_avg_teammate_distance NUMERIC(10,2),
    victim_teammates_within_50m INTEGER DEFAULT 0, victim_teammates_within_100m INTEGER DEFAULT 0,
    victim_teammates_within_200m INTEGER DEFAULT 0,
    victim_team_spread_variance NUMERIC(10,2), victim_total_teammates_alive INTEGER DEFAULT 0,
    victim_teammate_positions JSONB,
    outcome VARCHAR(20), finisher_name VARCHAR(100), finisher_is_self BOOLEAN, finisher_is_teammate BOOLEAN,
    time_to_finish NUMERIC(8,2),
    map_name VARCHAR(50), game_mode VARCHAR(50), game_type VARCHAR(50), match_datetime TIMESTAMP,
    event_timestamp TIMESTAMP NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE player_finishing_summary (
    id SERIAL PRIMARY KEY,
    match_id VARCHAR(255) NOT NULL REFERENCES matches(match_id) ON DELETE CASCADE,
    player_name VARCHAR(100) NOT NULL, player_account_id VARCHAR(255), team_id INTEGER NOT NULL, team_rank INTEGER,
    total_knocks INTEGER DEFAULT 0, knocks_converted_self INTEGER DEFAULT 0, knocks_finished_by_teammates INTEGER DEFAULT 0,
    knocks_revived_by_enemy INTEGER DEFAULT 0, instant_kills INTEGER DEFAULT 0,
    finishing_rate NUMERIC(5,2), avg_time_to_finish_self NUMERIC(8,2), avg_time_to_finish_teammate NUMERIC(8,2),
    avg_knock_distance NUMERIC(10,2), min_knock_distance NUMERIC(10,2), max_knock_distance NUMERIC(10,2),
    knocks_cqc_0_10m INTEGER DEFAULT 0, knocks_close_10_50m INTEGER DEFAULT 0, knocks_medium_50_100m INTEGER DEFAULT 0,
    knocks_long_100_200m INTEGER DEFAULT 0, knocks_very_long_200m_plus INTEGER DEFAULT 0,
    avg_nearest_teammate_distance NUMERIC(10,2), avg_team_spread NUMERIC(10,2),
    knocks_with_teammate_within_50m INTEGER DEFAULT 0, knocks_with_teammate_within_100m INTEGER DEFAULT 0,
    knocks_isolated_200m_plus INTEGER DEFAULT 0,
    headshot_knock_count INTEGER DEFAULT 0, wallbang_knock_count INTEGER DEFAULT 0, vehicle_knock_count INTEGER DEFAULT 0,
    map_name VARCHAR(50), game_mode VARCHAR(50), game_type VARCHAR(50), match_datetime TIMESTAMP,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (match_id, player_name)
);
