package child

import (
	"fmt"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/store"
)

// runFights is process_match_fights plus its storage: team_fights rows
// with their participants, fights_processed when there was at least one.
func runFights(in *stepInput, out *stepOutput) error {
	fights := extract.TeamFights(in.events)
	participants := 0
	for i := range fights {
		participants += len(fights[i].Participants)
	}
	out.count("fights", len(fights))
	out.count("fight_participants", participants)
	if len(fights) > 0 {
		w := &store.Fights{Info: in.info, Rows: fights}
		out.add(w.TeamFights())
		out.add(w.Participants())
		out.flags.Fights = true
	}
	return nil
}

// runEnhancedStats is the reference's always-run item usage, advanced stats
// and circle tracking: one match_summaries update for all three, and the
// tracked players' circle positions. The tracked-player set is loaded only
// if some player has a position sample to filter.
func runEnhancedStats(in *stepInput, out *stepOutput) error {
	items := extract.ItemUsageStats(in.events)
	adv := extract.AdvancedCombatStats(in.events)
	var (
		tracked    map[string]struct{}
		trackedErr error
		loaded     bool
	)
	circle := extract.CircleTracking(in.events, func(name string) bool {
		if !loaded {
			tracked, trackedErr = in.tracked()
			loaded = true
		}
		_, ok := tracked[name]
		return ok
	})
	if trackedErr != nil {
		return fmt.Errorf("load tracked players: %w", trackedErr)
	}
	if rows := extract.MergeEnhancedStats(items, adv, circle.Aggregates); len(rows) > 0 {
		out.add(store.EnhancedStats{MatchID: in.info.MatchID, Rows: rows})
	}
	if len(circle.Positions) > 0 {
		out.add(store.CirclePositions{MatchID: in.info.MatchID, Rows: circle.Positions})
	}
	return nil
}

// runWeaponDistribution is extract_weapon_distribution and its upsert.
func runWeaponDistribution(in *stepInput, out *stepOutput) error {
	if rows := extract.WeaponDistribution(in.events); len(rows) > 0 {
		out.add(store.WeaponDistribution{MatchID: in.info.MatchID, Rows: rows})
	}
	return nil
}
