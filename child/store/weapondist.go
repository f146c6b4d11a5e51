package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pewstats/collector/child/extract"
)

// WeaponDistribution upserts player_match_weapon_distribution (reference:
// insert_weapon_distribution): ON CONFLICT (match_id, player_name,
// weapon_category) DO UPDATE overwrites total_damage, total_kills and
// knock_downs, so reprocessing replaces rather than adds.
type WeaponDistribution struct {
	MatchID string
	Rows    []extract.WeaponUse
}

func (w WeaponDistribution) Table() string { return "player_match_weapon_distribution" }
func (w WeaponDistribution) Len() int      { return len(w.Rows) }

var weaponDistCols = []stageCol{
	{"player_name", "text"}, {"weapon_category", "text"},
	{"total_damage", "numeric"}, {"total_kills", "bigint"}, {"knock_downs", "bigint"},
}

// weaponDistUpsertSQL is the reference's upsert; $1 is the match id, the
// columns follow as arrays.
var weaponDistUpsertSQL = prepared(fmt.Sprintf(`
	INSERT INTO player_match_weapon_distribution (match_id, %s)
	SELECT $1, %s FROM %s
	ON CONFLICT (match_id, player_name, weapon_category) DO UPDATE SET
		total_damage = EXCLUDED.total_damage,
		total_kills = EXCLUDED.total_kills,
		knock_downs = EXCLUDED.knock_downs`, columnNames(weaponDistCols), unnestColumns(weaponDistCols, "s"), unnestSource(weaponDistCols, 2, "s", false)))

func (w WeaponDistribution) Write(ctx context.Context, tx *sql.Tx) (int64, error) {
	if len(w.Rows) == 0 {
		return 0, nil
	}
	arrays, err := columnArrays(len(weaponDistCols), len(w.Rows), func(i int) []any {
		r := &w.Rows[i]
		return []any{r.PlayerName, r.Category, NumericValue(r.TotalDamage), r.TotalKills, r.KnockDowns}
	})
	if err != nil {
		return 0, err
	}
	res, err := execTx(ctx, tx, weaponDistUpsertSQL, append([]any{w.MatchID}, arrays...)...)
	if err != nil {
		return 0, fmt.Errorf("upsert player_match_weapon_distribution: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
