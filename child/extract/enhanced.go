package extract

// PlayerEnhancedStats is what the match_summaries update writes for one
// player. A nil group means the player had no entry in that extractor's
// output: the reference then passed None for those columns and its
// COALESCE(None, column) kept the stored values. A present group
// overwrites all its columns, zeros included.
type PlayerEnhancedStats struct {
	PlayerName string
	Items      *ItemUsage
	Advanced   *AdvancedStats
	Circle     *CircleAggregate
}

// MergeEnhancedStats combines the three per-player outputs as _store_events
// does (a dict keyed by player name, filled from item usage, then advanced
// stats, then circle aggregates).
func MergeEnhancedStats(items []ItemUsage, adv []AdvancedStats, circle []CircleAggregate) []PlayerEnhancedStats {
	var out []PlayerEnhancedStats
	at := map[string]int{}
	get := func(name string) *PlayerEnhancedStats {
		i, ok := at[name]
		if !ok {
			i = len(out)
			at[name] = i
			out = append(out, PlayerEnhancedStats{PlayerName: name})
		}
		return &out[i]
	}
	for i := range items {
		get(items[i].PlayerName).Items = &items[i]
	}
	for i := range adv {
		get(adv[i].PlayerName).Advanced = &adv[i]
	}
	for i := range circle {
		get(circle[i].PlayerName).Circle = &circle[i]
	}
	return out
}
