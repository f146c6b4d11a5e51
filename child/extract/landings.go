package extract

import (
	"strings"

	"github.com/pewstats/collector/child/telemetry"
)

// Landing is a row of the landings table.
// The match columns (match_id, map_name, game_mode, match_datetime) come
// from MatchInfo when the rows are written; game_type is always "unknown", as
// in the reference ("Not in match data").
type Landing struct {
	PlayerID   string
	PlayerName Opt[string]
	TeamID     Opt[int64]
	Location   Loc
	IsGame     float64
}

// Landings mirrors the reference extract_landings: the first
// LogParachuteLanding (or legacy LandParachute) per account whose accountId
// starts with "account" and whose common.isGame is at least 1. A
// wrong-typed isGame on an event that reaches that test fails the match,
// as the reference's TypeError does.
func Landings(events []telemetry.Event) ([]Landing, error) {
	var out []Landing
	seen := make(map[string]struct{}, 128)
	for i := range events {
		ev := &events[i]
		if ev.Kind != telemetry.KindParachuteLanding {
			continue
		}
		c := ev.Character
		if c == nil || !strings.HasPrefix(c.AccountID, "account") {
			continue
		}
		ok, err := isGameOK(ev)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if _, dup := seen[c.AccountID]; dup {
			continue
		}
		seen[c.AccountID] = struct{}{}
		out = append(out, Landing{
			PlayerID:   c.AccountID,
			PlayerName: optName(c),
			TeamID:     optTeam(c),
			Location:   charLoc(c),
			IsGame:     ev.IsGame,
		})
	}
	return out, nil
}

// IsGameAtLeastOne is the reference's recurring filter
// `is_game is None or is_game < 1: skip`. Because the reference reads
// `isGame or is_game`, an isGame of exactly 0 falls through to the missing
// is_game key and is treated as absent, which the same test also skips.
// It is written `!(x < 1)` so a NaN passes, as it does in Python. A
// wrong-typed isGame counts as absent here; isGameOK reports it instead.
func IsGameAtLeastOne(ev *telemetry.Event) bool {
	return ev.Has&telemetry.HasIsGame != 0 && !(ev.IsGame < 1)
}
