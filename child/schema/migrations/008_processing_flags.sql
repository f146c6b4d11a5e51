-- Processing flags for the three extraction steps the reference ran on every
-- delivery ("always run for now - can add flags later"): the enhanced-stat
-- update of match_summaries and the weapon distribution upsert. Circle
-- positions use the reference schema's circles_processed (001), which the
-- reference worker never set.
--
-- Every step owns one flag; the match transaction writes a step's tables only
-- while its flag is false, so two deliveries of one match never write a row
-- twice (docs/SCHEMA.md, "Exactly once").
--
-- Constant defaults: PostgreSQL 11+ adds these without rewriting the table.
-- No index: nothing selects matches by these flags.

ALTER TABLE matches
    ADD COLUMN IF NOT EXISTS enhanced_stats_processed      BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS weapon_distribution_processed BOOLEAN DEFAULT false;
