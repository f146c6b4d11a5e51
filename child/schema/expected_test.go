package schema

// The contract the rest of the collector codes against: for each table, the
// columns the reference worker writes (its INSERT / UPDATE column lists in
// database_manager.py) or reads (game_type, the *_processed flags, players'
// names, team_fights.id from RETURNING), with the SQL type the reference
// gives them. Types are spelled the way colType normalises
// information_schema: varchar(n), numeric(p,s), numeric, integer, bigint,
// real, double precision, boolean, text, jsonb, integer[], timestamp
// (without time zone) and timestamptz.
//
// Written by hand from the reference, not generated from the migrations, so
// a typo or omission in a migration file fails the test.

type expectedTable struct {
	name    string
	columns []string // "column type"
}

var expectedTables = []expectedTable{
	{"players", []string{
		// read: SELECT player_name FROM players; written by register/update_player
		"player_id varchar(255)", "player_name varchar(100)", "platform varchar(50)",
		"created_at timestamp", "updated_at timestamp",
	}},
	{"matches", []string{
		// insert_match
		"match_id varchar(255)", "map_name varchar(100)", "game_mode varchar(100)",
		"match_datetime timestamp", "telemetry_url text", "status varchar(50)", "game_type varchar(100)",
		// update_match_status
		"error_message text", "updated_at timestamp",
		// update_match_processing_flags and _get_processing_status
		"landings_processed boolean", "kills_processed boolean", "circles_processed boolean",
		"weapons_processed boolean", "damage_processed boolean",
		"finishing_processed boolean", "fights_processed boolean",
		// ours (migration 008): the flags of the reference's always-run steps
		"enhanced_stats_processed boolean", "weapon_distribution_processed boolean",
	}},
	{"match_summaries", []string{
		// base row written by the summary service (create_match_summaries_table)
		"id integer", "match_id varchar(255)", "participant_id varchar(255)", "player_id varchar(255)",
		"player_name varchar(100)", "team_id integer", "team_rank integer", "won boolean",
		"map_name varchar(50)", "game_mode varchar(50)", "match_duration integer", "match_datetime timestamp",
		"shard_id varchar(20)", "is_custom_match boolean", "match_type varchar(50)", "season_state varchar(50)",
		"title_id varchar(50)", "dbnos integer", "assists integer", "kills integer", "headshot_kills integer",
		"kill_place integer", "kill_streaks integer", "longest_kill numeric(10,4)", "road_kills integer",
		"team_kills integer", "damage_dealt numeric(10,4)", "death_type varchar(50)", "time_survived integer",
		"win_place integer", "boosts integer", "heals integer", "revives integer",
		"ride_distance numeric(10,4)", "swim_distance numeric(10,4)", "walk_distance numeric(10,4)",
		"weapons_acquired integer", "vehicle_destroys integer", "created_at timestamp", "updated_at timestamp",
		// update_match_summaries_enhanced_stats (migration 008 columns)
		"heals_used integer", "boosts_used integer", "throwables_used integer", "smokes_thrown integer",
		"killsteals integer", "throwable_damage numeric(10,2)", "damage_received numeric(10,2)",
		"avg_distance_from_center numeric(10,2)", "avg_distance_from_edge numeric(10,2)",
		"max_distance_from_center numeric(10,2)", "min_distance_from_edge numeric(10,2)",
		"time_outside_zone_seconds integer",
	}},
	{"landings", []string{
		"match_id text", "player_id text", "player_name text", "team_id integer",
		"x_coordinate double precision", "y_coordinate double precision", "z_coordinate double precision",
		"is_game double precision", "map_name text", "game_type text", "game_mode text",
		"match_datetime timestamptz",
	}},
	{"kill_positions", []string{
		"match_id varchar(255)", "attack_id varchar(255)", "dbno_id varchar(255)",
		"victim_name varchar(255)", "victim_team_id integer",
		"victim_x_location numeric", "victim_y_location numeric", "victim_z_location numeric",
		"victim_in_blue_zone boolean", "victim_in_vehicle boolean", "killed_in_zone jsonb",
		"dbno_maker_name varchar(255)", "dbno_maker_team_id integer",
		"dbno_maker_x_location numeric", "dbno_maker_y_location numeric", "dbno_maker_z_location numeric",
		"dbno_maker_zone jsonb", "dbno_damage_reason varchar(255)", "dbno_damage_category varchar(255)",
		"dbno_damage_causer_name varchar(255)", "dbno_damage_causer_distance numeric",
		"finisher_name varchar(255)", "finisher_team_id integer",
		"finisher_x_location numeric", "finisher_y_location numeric", "finisher_z_location numeric",
		"finisher_zone jsonb", "finisher_damage_reason varchar(255)", "finisher_damage_category varchar(255)",
		"finisher_damage_causer_name varchar(255)", "finisher_damage_causer_distance numeric",
		"is_game numeric", "map_name varchar(255)", "game_type varchar(255)", "game_mode varchar(255)",
		"match_datetime timestamptz",
	}},
	{"weapon_kill_events", []string{
		"match_id varchar(255)", "event_timestamp timestamptz", "killer_name varchar(100)", "killer_team_id integer",
		"killer_x numeric(10,2)", "killer_y numeric(10,2)", "killer_z numeric(10,2)",
		"victim_name varchar(100)", "victim_team_id integer",
		"victim_x numeric(10,2)", "victim_y numeric(10,2)", "victim_z numeric(10,2)",
		"weapon_id varchar(100)", "damage_type varchar(50)", "damage_reason varchar(50)", "distance numeric(10,2)",
		"is_knock_down boolean", "is_kill boolean", "map_name varchar(50)", "game_mode varchar(50)",
		"match_type varchar(50)", "zone_phase integer", "time_survived integer",
		"is_blue_zone boolean", "is_red_zone boolean", "killer_in_vehicle boolean", "victim_in_vehicle boolean",
	}},
	{"player_damage_events", []string{
		"match_id varchar(255)", "attacker_name varchar(255)", "attacker_team_id integer", "attacker_health integer",
		"attacker_location_x real", "attacker_location_y real", "attacker_location_z real",
		"victim_name varchar(255)", "victim_team_id integer", "victim_health integer",
		"victim_location_x real", "victim_location_y real", "victim_location_z real",
		"damage_type_category varchar(255)", "damage_reason varchar(255)", "damage real",
		"weapon_id varchar(255)", "event_timestamp timestamptz",
	}},
	{"player_knock_events", []string{
		"match_id varchar(255)", "dbno_id bigint", "attack_id bigint",
		"attacker_name varchar(100)", "attacker_team_id integer", "attacker_account_id varchar(255)",
		"attacker_location_x numeric(10,2)", "attacker_location_y numeric(10,2)", "attacker_location_z numeric(10,2)",
		"attacker_health numeric(5,2)",
		"victim_name varchar(100)", "victim_team_id integer", "victim_account_id varchar(255)",
		"victim_location_x numeric(10,2)", "victim_location_y numeric(10,2)", "victim_location_z numeric(10,2)",
		"damage_reason varchar(50)", "damage_type_category varchar(50)",
		"knock_weapon varchar(100)", "knock_weapon_attachments jsonb",
		"victim_weapon varchar(100)", "victim_weapon_attachments jsonb",
		"knock_distance numeric(10,2)",
		"is_attacker_in_vehicle boolean", "is_through_penetrable_wall boolean",
		"is_blue_zone boolean", "is_red_zone boolean", "zone_name varchar(100)",
		"nearest_teammate_distance numeric(10,2)", "avg_teammate_distance numeric(10,2)",
		"teammates_within_50m integer", "teammates_within_100m integer", "teammates_within_200m integer",
		"team_spread_variance numeric(10,2)", "total_teammates_alive integer", "teammate_positions jsonb",
		"victim_nearest_teammate_distance numeric(10,2)", "victim_avg_teammate_distance numeric(10,2)",
		"victim_teammates_within_50m integer", "victim_teammates_within_100m integer",
		"victim_teammates_within_200m integer", "victim_team_spread_variance numeric(10,2)",
		"victim_total_teammates_alive integer", "victim_teammate_positions jsonb",
		"outcome varchar(20)", "finisher_name varchar(100)", "finisher_is_self boolean",
		"finisher_is_teammate boolean", "time_to_finish numeric(8,2)",
		"map_name varchar(50)", "game_mode varchar(50)", "game_type varchar(50)",
		"match_datetime timestamp", "event_timestamp timestamp",
	}},
	{"player_finishing_summary", []string{
		"match_id varchar(255)", "player_name varchar(100)", "player_account_id varchar(255)",
		"team_id integer", "team_rank integer",
		"total_knocks integer", "knocks_converted_self integer", "knocks_finished_by_teammates integer",
		"knocks_revived_by_enemy integer", "instant_kills integer",
		"finishing_rate numeric(5,2)", "avg_time_to_finish_self numeric(8,2)", "avg_time_to_finish_teammate numeric(8,2)",
		"avg_knock_distance numeric(10,2)", "min_knock_distance numeric(10,2)", "max_knock_distance numeric(10,2)",
		"knocks_cqc_0_10m integer", "knocks_close_10_50m integer", "knocks_medium_50_100m integer",
		"knocks_long_100_200m integer", "knocks_very_long_200m_plus integer",
		"avg_nearest_teammate_distance numeric(10,2)", "avg_team_spread numeric(10,2)",
		"knocks_with_teammate_within_50m integer", "knocks_with_teammate_within_100m integer",
		"knocks_isolated_200m_plus integer",
		"headshot_knock_count integer", "wallbang_knock_count integer", "vehicle_knock_count integer",
		"map_name varchar(50)", "game_mode varchar(50)", "game_type varchar(50)", "match_datetime timestamp",
	}},
	{"team_fights", []string{
		"id integer",
		"match_id varchar(255)", "fight_start_time timestamp", "fight_end_time timestamp",
		"duration_seconds numeric(10,2)",
		"team_ids integer[]", "primary_team_1 integer", "primary_team_2 integer", "third_party_teams integer[]",
		"total_knocks integer", "total_kills integer", "total_damage numeric(10,2)",
		"total_damage_events integer", "total_attack_events integer",
		"outcome varchar(50)", "winning_team_id integer", "loser_team_id integer",
		"team_outcomes jsonb", "fight_reason text",
		"fight_center_x numeric(10,2)", "fight_center_y numeric(10,2)", "fight_spread_radius numeric(10,2)",
		"map_name varchar(50)", "game_mode varchar(50)", "game_type varchar(50)", "match_datetime timestamp",
	}},
	{"fight_participants", []string{
		"fight_id integer", "match_id varchar(255)", "player_name varchar(100)",
		"player_account_id varchar(255)", "team_id integer",
		"knocks_dealt integer", "kills_dealt integer", "damage_dealt numeric(10,2)",
		"damage_taken numeric(10,2)", "attacks_made integer",
		"position_center_x numeric(10,2)", "position_center_y numeric(10,2)",
		"was_knocked boolean", "was_killed boolean", "survived boolean",
		"knocked_at timestamp", "killed_at timestamp", "match_datetime timestamp",
	}},
	{"player_circle_positions", []string{
		"match_id varchar(255)", "player_name varchar(100)", "elapsed_time integer",
		"player_x numeric(10,2)", "player_y numeric(10,2)",
		"safe_zone_center_x numeric(10,2)", "safe_zone_center_y numeric(10,2)", "safe_zone_radius numeric(10,2)",
		"distance_from_center numeric(10,2)", "distance_from_edge numeric(10,2)", "is_in_safe_zone boolean",
	}},
	{"player_match_weapon_distribution", []string{
		"match_id varchar(255)", "player_name varchar(100)", "weapon_category varchar(50)",
		"total_damage numeric(10,2)", "total_kills integer", "knock_downs integer",
	}},
	{"reprocess_log", []string{
		// ours (migration 009): what `collector reprocess` did, written in
		// the match transaction (store.CommitReprocess)
		"run_id text", "match_id varchar(255)", "tables text[]", "rows_deleted jsonb", "rows_written jsonb",
		"commits integer", "reprocessed_at timestamptz",
	}},
}

// expectedUniqueKeys lists, per table, every non-partial unique index (the
// primary key included) as its sorted column list joined with ",". The set
// must match exactly: a missing entry breaks an ON CONFLICT target, an extra
// one would reject rows the reference accepts.
var expectedUniqueKeys = map[string][]string{
	"players":                          {"discord_id", "player_id"},
	"matches":                          {"match_id"},
	"match_summaries":                  {"id", "match_id,participant_id"},
	"landings":                         nil,
	"kill_positions":                   nil,
	"weapon_kill_events":               nil,
	"player_damage_events":             {"id"},
	"player_knock_events":              {"id"},
	"player_finishing_summary":         {"id", "match_id,player_name"},
	"team_fights":                      {"id"},
	"fight_participants":               {"id"},
	"player_circle_positions":          {"id"},
	"player_match_weapon_distribution": {"id", "match_id,player_name,weapon_category"},
	"schema_migrations":                {"version"},
	"reprocess_log":                    {"match_id,run_id"},
}

// expectedForeignKeys: "table.column -> table.column", as in the reference.
var expectedForeignKeys = []string{
	"fight_participants.fight_id -> team_fights.id",
	"player_circle_positions.match_id -> matches.match_id",
	"player_finishing_summary.match_id -> matches.match_id",
	"player_knock_events.match_id -> matches.match_id",
	"player_match_weapon_distribution.match_id -> matches.match_id",
}

// expectedIndexes are the reference's secondary index names per table.
var expectedIndexes = map[string][]string{
	"players": {"idx_players_player_name", "idx_players_discord_id", "idx_players_created_at"},
	"matches": {"idx_matches_match_datetime", "idx_matches_status", "idx_matches_map_name",
		"idx_matches_game_mode", "idx_matches_start_time", "idx_matches_created_at",
		"idx_matches_landings_processed", "idx_matches_kills_processed", "idx_matches_circles_processed",
		"idx_matches_finishing_processed", "idx_matches_fights_processed"},
	"match_summaries": {"idx_summaries_match_id", "idx_summaries_player_id", "idx_summaries_player_name",
		"idx_summaries_match_datetime", "idx_match_summaries_killsteals", "idx_match_summaries_throwable_damage",
		"idx_match_summaries_damage_received", "idx_match_summaries_avg_distance_center"},
	"landings": {"idx_landings_match_id", "idx_landings_player_name", "idx_landings_map_name",
		"idx_landings_match_datetime"},
	"kill_positions": {"idx_kill_positions_match_id", "idx_kill_positions_victim_name",
		"idx_kill_positions_dbno_maker_name", "idx_kill_positions_finisher_name",
		"idx_kill_positions_match_datetime", "idx_kill_positions_map_name", "idx_kill_positions_game_mode",
		"idx_kill_positions_game_type", "idx_kill_positions_match_team"},
	"player_damage_events": {"idx_damage_events_match_id", "idx_damage_events_attacker_name",
		"idx_damage_events_victim_name", "idx_damage_events_weapon"},
	"weapon_kill_events": {"idx_weapon_kill_events_match", "idx_weapon_kill_events_killer",
		"idx_weapon_kill_events_victim", "idx_weapon_kill_events_weapon", "idx_weapon_kill_events_timestamp",
		"idx_weapon_kill_events_map", "idx_weapon_kill_events_match_type"},
	"player_knock_events": {"idx_knock_events_match", "idx_knock_events_attacker", "idx_knock_events_victim",
		"idx_knock_events_dbno", "idx_knock_events_datetime", "idx_knock_events_outcome",
		"idx_knock_events_finisher_type", "idx_knock_events_distance", "idx_knock_events_team_proximity"},
	"player_finishing_summary": {"idx_finishing_summary_match", "idx_finishing_summary_player",
		"idx_finishing_summary_datetime", "idx_finishing_summary_rate", "idx_finishing_summary_distance",
		"idx_finishing_summary_team_support"},
	"team_fights": {"idx_team_fights_match", "idx_team_fights_teams", "idx_team_fights_time",
		"idx_team_fights_total_damage", "idx_team_fights_loser", "idx_team_fights_team_outcomes"},
	"fight_participants": {"idx_fight_participants_fight", "idx_fight_participants_player",
		"idx_fight_participants_match"},
	"player_circle_positions": {"idx_circle_pos_match_id", "idx_circle_pos_player_name",
		"idx_circle_pos_elapsed_time", "idx_circle_pos_player_match_time", "idx_circle_pos_match_time",
		"idx_circle_pos_outside_zone"},
	"player_match_weapon_distribution": {"idx_weapon_dist_match_id", "idx_weapon_dist_player_name",
		"idx_weapon_dist_category", "idx_weapon_dist_player_category", "idx_weapon_dist_damage"},
	"reprocess_log": {"idx_reprocess_log_match_id", "idx_reprocess_log_reprocessed_at"},
}
