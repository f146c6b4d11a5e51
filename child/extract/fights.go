package extract

import (
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// Fight is one row of team_fights plus its fight_participants rows, the
// output of the reference's FightTrackingProcessor.process_match_fights (v2).
// The match columns (match_id, map_name, game_mode, game_type,
// match_datetime) come from MatchInfo when the rows are written.
type Fight struct {
	StartTime, EndTime time.Time // UTC, truncated to microseconds as Python's datetime is
	DurationSeconds    float64

	TeamIDs         []int64 // sorted ids of the teams with a real (non-NPC) player
	PrimaryTeam1    int64
	PrimaryTeam2    int64
	ThirdPartyTeams []int64 // nil when there are none (stored as NULL)

	TotalKnocks       int
	TotalKills        int
	TotalDamage       float64
	TotalDamageEvents int

	Outcome       string
	WinningTeamID Opt[int64]
	LoserTeamID   Opt[int64]
	TeamOutcomes  []TeamOutcome // in TeamIDs order
	Reason        string

	// All three absent when no participant had a location.
	CenterX, CenterY Opt[float64]
	SpreadRadius     Opt[float64]

	Participants []FightParticipant
}

// TeamOutcome is one entry of team_outcomes: {"<team id>": "WON"|"LOST"|"DRAW"}.
type TeamOutcome struct {
	TeamID  int64
	Outcome string
}

// FightParticipant is one row of fight_participants.
type FightParticipant struct {
	PlayerName       string
	AccountID        Opt[string]
	TeamID           int64
	KnocksDealt      int
	KillsDealt       int
	DamageDealt      float64
	DamageTaken      float64
	CenterX, CenterY Opt[float64] // absent when the player had no location
	WasKnocked       bool
	WasKilled        bool
	KnockedAt        Opt[time.Time] // the `_D` of the last knock in the fight
	KilledAt         Opt[time.Time] // the `_D` of the last death in the fight
}

// Fight outcomes and team outcomes, as the reference spells them.
const (
	OutcomeDecisiveWin = "DECISIVE_WIN"
	OutcomeMarginalWin = "MARGINAL_WIN"
	OutcomeThirdParty  = "THIRD_PARTY"
	OutcomeDraw        = "DRAW"
	TeamWon            = "WON"
	TeamLost           = "LOST"
	TeamDraw           = "DRAW"
)

// The reference's detection constants.
const (
	fightWindowMicros      = 45 * int64(time.Second/time.Microsecond)  // rolling window since the last event
	fightMaxDurationMicros = 240 * int64(time.Second/time.Microsecond) // from the first event
	fightMaxDistanceMetres = 300.0                                     // from the fixed centre
)

// TeamFights mirrors process_match_fights: cluster inter-team combat events
// into engagements, keep those that qualify as fights, and describe each.
//
// The reference rescans every event of the match for every engagement; here
// the combat events are indexed once by time, so the work is proportional to
// the events inside each engagement's time window. The output is the same,
// including the orders that leak from Python into stored values (sum order,
// set iteration order of team ids; see pycompat.go and pyset.go).
func TeamFights(events []telemetry.Event) []Fight {
	idx := newFightIndex(events)
	var fights []Fight
	for _, eng := range idx.engagements() {
		if f, ok := idx.fight(&eng); ok {
			fights = append(fights, f)
		}
	}
	return fights
}

// fightNPCNames are the NPC character names the reference filters out.
var fightNPCNames = map[string]bool{
	"Commander": true, "Guard": true, "Pillar": true, "SkySoldier": true,
	"Soldier": true, "PillarSoldier": true, "ZombieSoldier": true,
}

// isNPCOrBot is _is_npc_or_bot: empty names, the NPC names, and names whose
// lower-cased form starts with "ai_". Only ASCII letters lower-case to "a"
// and "i" under Python's str.lower(), so an ASCII test is exact.
func isNPCOrBot(name string) bool {
	if name == "" || fightNPCNames[name] {
		return true
	}
	return len(name) >= 3 && (name[0] == 'a' || name[0] == 'A') && (name[1] == 'i' || name[1] == 'I') && name[2] == '_'
}

// fightLoc is a character's location as the reference sees it: present when
// the location object is non-empty (Python truthiness), complete when it has
// x, y and z (otherwise _calculate_distance_3d returns None).
type fightLoc struct {
	v        [3]float64
	present  bool
	complete bool
}

func locOf(c *telemetry.Character) fightLoc {
	if c == nil || c.Has&telemetry.CharHasLocation == 0 {
		return fightLoc{}
	}
	all := telemetry.CharHasX | telemetry.CharHasY | telemetry.CharHasZ
	return fightLoc{
		v:        [3]float64{c.Location.X, c.Location.Y, c.Location.Z},
		present:  true,
		complete: c.Has&all == all,
	}
}

// charTeam is character.get("teamId"): ok is false when absent or null.
func charTeam(c *telemetry.Character) (int64, bool) {
	if c == nil || c.Has&telemetry.CharHasTeamID == 0 {
		return 0, false
	}
	return int64(c.TeamID), true
}

// charName is character.get("name") with Python truthiness: "" is falsy.
func charName(c *telemetry.Character) string {
	if c == nil {
		return ""
	}
	return c.Name
}
