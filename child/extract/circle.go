package extract

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/pewstats/collector/child/telemetry"
)

// CircleAggregate is a player's safe-zone positioning, written to
// match_summaries. Distances are in metres.
type CircleAggregate struct {
	PlayerName             string
	AvgDistanceFromCenter  float64
	AvgDistanceFromEdge    float64 // negative when outside on average
	MaxDistanceFromCenter  float64
	MinDistanceFromEdge    float64
	TimeOutsideZoneSeconds int64
}

// CirclePosition is one row of player_circle_positions (tracked players only).
// Coordinates and distances are in metres.
type CirclePosition struct {
	PlayerName         string
	ElapsedTime        int64
	PlayerX, PlayerY   float64
	ZoneX, ZoneY       float64
	ZoneRadius         float64
	DistanceFromCenter float64
	DistanceFromEdge   float64
	InSafeZone         bool
}

// CircleResult is extract_circle_tracking's pair of outputs.
type CircleResult struct {
	Aggregates []CircleAggregate // every player with a position sample, first-seen order
	Positions  []CirclePosition  // tracked players' samples, player by player
}

// blueZoneTickSeconds is the reference's empirical blue-zone damage interval.
const blueZoneTickSeconds = 1.03

type circleState struct {
	elapsed, x, y, radius float64
}

// CircleTracking mirrors extract_circle_tracking. Each LogPlayerPosition
// (character.name, character.location x/y, top-level elapsedTime) is matched
// to the first LogGameStatePeriodic state, sorted by gameState.elapsedTime,
// whose time is not earlier than the sample's (the last state after the
// final one); missing numbers read as 0. Distances are 2-D, in metres:
//
//	from centre = sqrt((x-cx)² + (y-cy)²) / 100
//	from edge   = (radius - from_centre*100) / 100   (negative = outside)
//
// The time outside the zone is round(blue-zone damage ticks × 1.03) with
// Python's round (half to even), ticks being LogPlayerTakeDamage events with
// damageTypeCategory "Damage_BlueZone" on that victim. Without any game
// state there is no output at all. tracked is asked once per player with
// samples; only tracked players' samples are returned as positions.
func CircleTracking(events []telemetry.Event, tracked func(name string) bool) CircleResult {
	var states []circleState
	ticks := map[string]int{}
	for i := range events {
		ev := &events[i]
		switch ev.Kind {
		case telemetry.KindGameStatePeriodic:
			gs := &ev.GameState
			states = append(states, circleState{gs.ElapsedTime, gs.SafetyZonePosition.X, gs.SafetyZonePosition.Y, gs.SafetyZoneRadius})
		case telemetry.KindPlayerTakeDamage:
			if ev.DamageTypeCategory == "Damage_BlueZone" {
				if v := charName(ev.Victim); v != "" {
					ticks[v]++
				}
			}
		}
	}
	if len(states) == 0 {
		return CircleResult{}
	}
	slices.SortStableFunc(states, func(a, b circleState) int { return cmp.Compare(a.elapsed, b.elapsed) })

	type samples struct {
		name         string
		tracked      bool
		center, edge []float64
		positions    []CirclePosition
	}
	var players []*samples
	byName := map[string]*samples{}
	for i := range events {
		ev := &events[i]
		if ev.Kind != telemetry.KindPlayerPosition {
			continue
		}
		name := charName(ev.Character)
		if name == "" {
			continue
		}
		px, py := ev.Character.Location.X, ev.Character.Location.Y
		k := sort.Search(len(states), func(k int) bool { return states[k].elapsed >= ev.ElapsedTime })
		if k == len(states) {
			k--
		}
		st := states[k]
		dx, dy := px-st.x, py-st.y
		fromCenter := math.Sqrt(float64(dx*dx)+float64(dy*dy)) / 100
		fromEdge := (st.radius - float64(fromCenter*100)) / 100

		p := byName[name]
		if p == nil {
			p = &samples{name: name, tracked: tracked != nil && tracked(name)}
			byName[name] = p
			players = append(players, p)
		}
		p.center = append(p.center, fromCenter)
		p.edge = append(p.edge, fromEdge)
		if p.tracked {
			p.positions = append(p.positions, CirclePosition{
				PlayerName: name, ElapsedTime: int64(ev.ElapsedTime),
				PlayerX: px / 100, PlayerY: py / 100, ZoneX: st.x / 100, ZoneY: st.y / 100, ZoneRadius: st.radius / 100,
				DistanceFromCenter: fromCenter, DistanceFromEdge: fromEdge, InSafeZone: fromEdge >= 0,
			})
		}
	}
	var res CircleResult
	for _, p := range players {
		n := float64(len(p.center))
		res.Aggregates = append(res.Aggregates, CircleAggregate{
			PlayerName:             p.name,
			AvgDistanceFromCenter:  sumFloats(p.center) / n,
			AvgDistanceFromEdge:    sumFloats(p.edge) / n,
			MaxDistanceFromCenter:  slices.Max(p.center),
			MinDistanceFromEdge:    slices.Min(p.edge),
			TimeOutsideZoneSeconds: pyRound(float64(ticks[p.name]) * blueZoneTickSeconds),
		})
		res.Positions = append(res.Positions, p.positions...)
	}
	return res
}
