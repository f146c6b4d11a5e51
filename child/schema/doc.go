// Package schema owns the PostgreSQL tables the telemetry processing child
// reads and writes, and brings a database up to the shape that code expects.
//
// The shape is the one the reference PewStats worker runs against in
// production: players, matches (with every *_processed flag),
// match_summaries (base and enhanced-stat columns), landings,
// kill_positions, player_damage_events, weapon_kill_events,
// player_knock_events, player_finishing_summary, team_fights (v2),
// fight_participants, player_circle_positions and
// player_match_weapon_distribution. docs/SCHEMA.md describes each table, its
// keys, and where this package deliberately differs from the reference docs.
//
// Migrations are the numbered SQL files under migrations/, embedded in the
// binary. Every statement in them is written to be additive and idempotent
// (IF NOT EXISTS everywhere, unique keys added only when no equivalent one
// exists), because the target may be a production database that already has
// these tables in an older shape and no ledger. Nothing is ever dropped,
// no existing column changes type, and no existing row is rewritten.
//
// Migrate records each applied file in schema_migrations and serialises
// concurrent callers with a session-level advisory lock. Because it runs
// against tables that writers are using, it runs each file in one
// transaction except the index builds on tables that already exist, which
// it runs afterwards with CREATE INDEX CONCURRENTLY, and it bounds every
// statement with lock_timeout and statement_timeout, retrying lock timeouts
// (MigrateWith, Options). It does not know about AMQP, telemetry files or
// the row types that fill the tables.
package schema
