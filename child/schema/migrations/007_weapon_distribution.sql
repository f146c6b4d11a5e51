-- player_match_weapon_distribution: damage, kills and knocks per player per
-- weapon category per match, upserted with
-- ON CONFLICT (match_id, player_name, weapon_category) DO UPDATE.
--
-- Shape: migrations/009 of the reference (table, unique key and its five
-- indexes; views and helper functions left out).

CREATE TABLE IF NOT EXISTS player_match_weapon_distribution (
    id              SERIAL PRIMARY KEY,
    match_id        VARCHAR(255) NOT NULL REFERENCES matches (match_id) ON DELETE CASCADE,
    player_name     VARCHAR(100) NOT NULL,
    weapon_category VARCHAR(50) NOT NULL,
    total_damage    NUMERIC(10,2) DEFAULT 0,
    total_kills     INTEGER DEFAULT 0,
    knock_downs     INTEGER DEFAULT 0,
    created_at      TIMESTAMP DEFAULT NOW(),
    CONSTRAINT unique_match_player_category UNIQUE (match_id, player_name, weapon_category)
);

ALTER TABLE player_match_weapon_distribution
    ADD COLUMN IF NOT EXISTS total_damage NUMERIC(10,2) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_kills  INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS knock_downs  INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS created_at   TIMESTAMP DEFAULT NOW();

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM pg_index ix
        WHERE ix.indrelid = 'player_match_weapon_distribution'::regclass
          AND ix.indisunique AND ix.indisvalid AND ix.indimmediate
          AND ix.indpred IS NULL AND ix.indexprs IS NULL
          AND ARRAY(
                SELECT att.attname::text COLLATE "C"
                FROM unnest((ix.indkey::int2[])[0:ix.indnkeyatts - 1]) AS k(attnum)
                JOIN pg_attribute att ON att.attrelid = ix.indrelid AND att.attnum = k.attnum
                ORDER BY 1
              ) = ARRAY['match_id', 'player_name', 'weapon_category']
    ) THEN
        ALTER TABLE player_match_weapon_distribution
            ADD CONSTRAINT unique_match_player_category UNIQUE (match_id, player_name, weapon_category);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_weapon_dist_match_id        ON player_match_weapon_distribution (match_id);
CREATE INDEX IF NOT EXISTS idx_weapon_dist_player_name     ON player_match_weapon_distribution (player_name);
CREATE INDEX IF NOT EXISTS idx_weapon_dist_category        ON player_match_weapon_distribution (weapon_category);
CREATE INDEX IF NOT EXISTS idx_weapon_dist_player_category ON player_match_weapon_distribution (player_name, weapon_category);
CREATE INDEX IF NOT EXISTS idx_weapon_dist_damage
    ON player_match_weapon_distribution (total_damage DESC) WHERE total_damage > 0;
