package child

import (
	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/telemetry"
)

// stepInput is what every extraction step sees.
type stepInput struct {
	events []telemetry.Event
	info   extract.MatchInfo
	// tracked returns the tracked-player names (players table), loaded on
	// first use so matches that need no filtering never query it.
	tracked func() (map[string]struct{}, error)
}

// stepOutput collects what the steps produce for the match transaction.
type stepOutput struct {
	writers   []store.TableWriter
	flags     store.Flags
	extracted map[string]int64 // reference label event_type -> count
}

func (o *stepOutput) add(w store.TableWriter) { o.writers = append(o.writers, w) }

func (o *stepOutput) count(label string, n int) {
	if n > 0 {
		o.extracted[label] += int64(n)
	}
}

// step is one extraction of the reference's process_message. done reports
// whether the match's flags say it already ran; nil means it always runs (the
// reference's enhanced stats have no flag).
type step struct {
	name string
	done func(store.Flags) bool
	run  func(in *stepInput, out *stepOutput) error
}

// steps run in the reference's order. Each sets its flag only when it
// produced rows, as the reference's bool(rows) did.
var steps = []step{
	{name: "landings", done: func(f store.Flags) bool { return f.Landings }, run: runLandings},
	{name: "kills", done: func(f store.Flags) bool { return f.Kills }, run: runKills},
	{name: "weapons", done: func(f store.Flags) bool { return f.Weapons }, run: runWeaponKills},
	{name: "damage", done: func(f store.Flags) bool { return f.Damage }, run: runDamage},
	{name: "finishing", done: func(f store.Flags) bool { return f.Finishing }, run: runFinishing},
	{name: "fights", done: func(f store.Flags) bool { return f.Fights }, run: runFights},
	{name: "enhanced_stats", run: runEnhancedStats},
	{name: "weapon_distribution", run: runWeaponDistribution},
}

func runLandings(in *stepInput, out *stepOutput) error {
	rows, err := extract.Landings(in.events)
	if err != nil {
		return err
	}
	out.count("landings", len(rows))
	if len(rows) > 0 {
		out.add(store.Landings{Info: in.info, Rows: rows})
		out.flags.Landings = true
	}
	return nil
}

func runKills(in *stepInput, out *stepOutput) error {
	rows, err := extract.KillPositions(in.events)
	if err != nil {
		return err
	}
	out.count("kills", len(rows))
	if len(rows) > 0 {
		out.add(store.KillPositions{Info: in.info, Rows: rows})
		out.flags.Kills = true
	}
	return nil
}

func runWeaponKills(in *stepInput, out *stepOutput) error {
	rows, err := extract.WeaponKills(in.events)
	if err != nil {
		return err
	}
	out.count("weapon_kills", len(rows))
	if len(rows) > 0 {
		out.add(store.WeaponKills{Info: in.info, Rows: rows})
		out.flags.Weapons = true
	}
	return nil
}

// runDamage needs the tracked-player set; it is the only step here that
// reads the database (through in.tracked, cached by the store).
func runDamage(in *stepInput, out *stepOutput) error {
	tracked, err := in.tracked()
	if err != nil {
		return err
	}
	rows, err := extract.DamageEvents(in.events, tracked)
	if err != nil {
		return err
	}
	out.count("damage", len(rows))
	if len(rows) > 0 {
		out.add(store.DamageEvents{Info: in.info, Rows: rows})
		out.flags.Damage = true
	}
	return nil
}

// runFinishing writes knock events before summaries, the reference's order;
// its flag is set when either produced rows (bool(knock_events or
// finishing_summaries)).
func runFinishing(in *stepInput, out *stepOutput) error {
	knocks, sums, err := extract.Finishing(in.events)
	if err != nil {
		return err
	}
	out.count("knock_events", len(knocks))
	out.count("finishing_summaries", len(sums))
	if len(knocks) > 0 {
		out.add(store.KnockEvents{Info: in.info, Rows: knocks})
	}
	if len(sums) > 0 {
		out.add(store.FinishingSummaries{Info: in.info, Rows: sums})
	}
	out.flags.Finishing = len(knocks) > 0 || len(sums) > 0
	return nil
}
