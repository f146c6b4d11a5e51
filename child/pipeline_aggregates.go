package child

import (
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
	}
	return nil
}

// runEnhancedStats is the reference's always-run item usage, advanced stats
// and circle aggregates: one match_summaries update for all three.
func runEnhancedStats(in *stepInput, out *stepOutput) error {
	items := extract.ItemUsageStats(in.events)
	adv := extract.AdvancedCombatStats(in.events)
	circle, err := in.circleTracking()
	if err != nil {
		return err
	}
	if rows := extract.MergeEnhancedStats(items, adv, circle.Aggregates); len(rows) > 0 {
		out.add(store.EnhancedStats{MatchID: in.info.MatchID, Rows: rows})
	}
	return nil
}

// runCirclePositions stores the tracked players' circle samples.
func runCirclePositions(in *stepInput, out *stepOutput) error {
	circle, err := in.circleTracking()
	if err != nil {
		return err
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
