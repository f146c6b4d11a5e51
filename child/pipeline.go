package child

import (
	"fmt"

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

	circle     *extract.CircleResult // shared by enhanced stats and circle positions
	circleErr  error
	circleDone bool
}

// circleTracking runs extract_circle_tracking once for the two steps that
// store its outputs. The tracked-player set is loaded only if some player
// has a position sample to filter.
func (in *stepInput) circleTracking() (*extract.CircleResult, error) {
	if in.circleDone {
		return in.circle, in.circleErr
	}
	in.circleDone = true
	var (
		tracked map[string]struct{}
		loaded  bool
	)
	res := extract.CircleTracking(in.events, func(name string) bool {
		if !loaded {
			tracked, in.circleErr = in.tracked()
			loaded = true
		}
		_, ok := tracked[name]
		return ok
	})
	if in.circleErr != nil {
		in.circleErr = fmt.Errorf("load tracked players: %w", in.circleErr)
		return nil, in.circleErr
	}
	in.circle = &res
	return in.circle, nil
}

// stepOutput collects what the steps produce for the match transaction.
// Each step's writers go into its own store.Step, under the flag the step
// owns; a step cannot add a writer to another step's flag.
type stepOutput struct {
	steps     []store.Step
	extracted map[string]int64 // reference label event_type -> count
}

// begin opens the store.Step the following add calls fill.
func (o *stepOutput) begin(f store.Flag) { o.steps = append(o.steps, store.Step{Flag: f}) }

func (o *stepOutput) add(w store.TableWriter) {
	cur := &o.steps[len(o.steps)-1]
	cur.Writers = append(cur.Writers, w)
}

func (o *stepOutput) count(label string, n int) {
	if n > 0 {
		o.extracted[label] += int64(n)
	}
}

// writers lists every writer of every step, in order.
func (o *stepOutput) writers() []store.TableWriter {
	var ws []store.TableWriter
	for _, st := range o.steps {
		ws = append(ws, st.Writers...)
	}
	return ws
}

// step is one extraction of the reference's process_message and the flag
// it owns: it runs only while its flag is false, and its rows are written
// only if the flag is still false under the match lock (store.CommitMatch).
type step struct {
	name string
	flag store.Flag
	run  func(in *stepInput, out *stepOutput) error
}

// steps run in the reference's order. The reference ran the last three on
// every delivery ("always run for now - can add flags later"); here they own
// a flag like the others (docs/PARITY.md).
var steps = []step{
	{name: "landings", flag: store.FlagLandings, run: runLandings},
	{name: "kills", flag: store.FlagKills, run: runKills},
	{name: "weapons", flag: store.FlagWeapons, run: runWeaponKills},
	{name: "damage", flag: store.FlagDamage, run: runDamage},
	{name: "finishing", flag: store.FlagFinishing, run: runFinishing},
	{name: "fights", flag: store.FlagFights, run: runFights},
	{name: "enhanced_stats", flag: store.FlagEnhancedStats, run: runEnhancedStats},
	{name: "circle_positions", flag: store.FlagCircles, run: runCirclePositions},
	{name: "weapon_distribution", flag: store.FlagWeaponDistribution, run: runWeaponDistribution},
}

func runLandings(in *stepInput, out *stepOutput) error {
	rows, err := extract.Landings(in.events)
	if err != nil {
		return err
	}
	out.count("landings", len(rows))
	if len(rows) > 0 {
		out.add(store.Landings{Info: in.info, Rows: rows})
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
	}
	return nil
}

// runFinishing writes knock events before summaries, the reference's order;
// its flag is set when either stored rows (bool(knock_events or
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
	return nil
}
