package extract

import (
	"fmt"
	"testing"
	"time"
)

func outcomes(f *Fight) string {
	s := ""
	for _, o := range f.TeamOutcomes {
		s += fmt.Sprintf("%d:%s ", o.TeamID, o.Outcome)
	}
	return s
}

func winnerLoser(f *Fight) string {
	w, l := "-", "-"
	if f.WinningTeamID.Valid {
		w = fmt.Sprint(f.WinningTeamID.V)
	}
	if f.LoserTeamID.Valid {
		l = fmt.Sprint(f.LoserTeamID.V)
	}
	return w + "/" + l
}

func TestFightByCasualtiesDecisiveWin(t *testing.T) {
	a1, a2, b1 := pc("A1", 1, 0, 0), pc("A2", 1, 10, 0), pc("B1", 2, 20, 0)
	var b tele
	b.damage(0, a1, b1, 40, "WeapHK416_C").
		damage(0.5, b1, a2, 30, "WeapAK47_C").
		knock(1, a1, b1, 1, "WeapHK416_C").
		kill(5, a1, b1, 1, "WeapHK416_C")
	fights := TeamFights(b.read(t))
	if len(fights) != 1 {
		t.Fatalf("%d fights, want 1", len(fights))
	}
	f := &fights[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"start", f.StartTime, teleT0},
		{"end", f.EndTime, teleT0.Add(5 * time.Second)},
		{"duration", f.DurationSeconds, 5.0},
		{"teams", fmt.Sprint(f.TeamIDs), "[1 2]"},
		{"primary", fmt.Sprint(f.PrimaryTeam1, f.PrimaryTeam2, f.ThirdPartyTeams == nil), "1 2 true"},
		{"totals", fmt.Sprint(f.TotalKnocks, f.TotalKills, f.TotalDamage, f.TotalDamageEvents), "1 1 70 2"},
		{"outcome", f.Outcome, OutcomeDecisiveWin},
		{"winner/loser", winnerLoser(f), "1/2"},
		{"team outcomes", outcomes(f), "1:WON 2:LOST "},
		{"reason", f.Reason, "Multiple casualties (2 knocks/kills)"},
		// 8 positions: A1 ×3 at 0, B1 ×4 at 2000 cm, A2 at 1000 cm → centre 1125 cm, farthest 11.25 m.
		{"centre", fmt.Sprint(f.CenterX, f.CenterY, f.SpreadRadius), "{1125 true} {0 true} {11.25 true}"},
		{"participants", len(f.Participants), 3},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	// First-touched order: A1, B1 (first damage event), then A2.
	want := []FightParticipant{
		{PlayerName: "A1", AccountID: Some("account.A1"), TeamID: 1, KnocksDealt: 1, KillsDealt: 1, DamageDealt: 40, CenterX: Some(0.0), CenterY: Some(0.0)},
		{PlayerName: "B1", AccountID: Some("account.B1"), TeamID: 2, DamageDealt: 30, DamageTaken: 40, CenterX: Some(2000.0), CenterY: Some(0.0),
			WasKnocked: true, WasKilled: true, KnockedAt: Some(teleT0.Add(time.Second)), KilledAt: Some(teleT0.Add(5 * time.Second))},
		{PlayerName: "A2", AccountID: Some("account.A2"), TeamID: 1, DamageTaken: 30, CenterX: Some(1000.0), CenterY: Some(0.0)},
	}
	for i := range want {
		if fmt.Sprintf("%+v", f.Participants[i]) != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("participant %d\n got  %+v\n want %+v", i, f.Participants[i], want[i])
		}
	}
}

func TestFightQualification(t *testing.T) {
	a, b := pc("A", 1, 0, 0), pc("B", 2, 50, 0)
	tests := []struct {
		name   string
		build  func(*tele)
		reason string // "" = not a fight
	}{
		{"reciprocal damage over 150 with every team at 20%", func(x *tele) {
			x.damage(0, a, b, 60, "WeapHK416_C").damage(10, b, a, 50, "WeapAK47_C").damage(20, a, b, 45, "WeapHK416_C")
		}, "Sustained reciprocal damage (155 total)"},
		{"reciprocal damage under 150", func(x *tele) {
			x.damage(0, a, b, 100, "WeapHK416_C").damage(10, b, a, 40, "WeapAK47_C")
		}, ""},
		{"one-sided damage: a team under 20%", func(x *tele) {
			x.damage(0, a, b, 150, "WeapHK416_C").damage(10, b, a, 20, "WeapAK47_C")
		}, ""},
		{"single knock with both teams at 75+", func(x *tele) {
			x.damage(0, a, b, 80, "WeapHK416_C").damage(5, b, a, 80, "WeapAK47_C").knock(6, a, b, 3, "WeapHK416_C")
		}, "Single knock with reciprocal damage (all teams ≥75 damage)"},
		{"single knock without return fire", func(x *tele) {
			x.damage(0, a, b, 80, "WeapHK416_C").damage(5, b, a, 50, "WeapAK47_C").knock(6, a, b, 3, "WeapHK416_C")
		}, ""},
		{"single instant kill, victim fought back: still not a fight (reference quirk)", func(x *tele) {
			x.damage(0, a, b, 40, "WeapHK416_C").damage(5, b, a, 90, "WeapAK47_C").kill(6, a, b, -1, "WeapHK416_C")
		}, ""},
		{"single instant kill without resistance", func(x *tele) {
			x.damage(0, a, b, 100, "WeapHK416_C").kill(6, a, b, -1, "WeapHK416_C")
		}, ""},
		{"knock and finish: two casualties", func(x *tele) {
			x.knock(0, a, b, 3, "WeapHK416_C").kill(6, a, b, 3, "WeapHK416_C")
		}, "Multiple casualties (2 knocks/kills)"},
		{"same-team damage and zero damage are not combat", func(x *tele) {
			x.damage(0, a, pc("A2", 1, 1, 0), 200, "WeapHK416_C").damage(1, a, b, 0, "WeapHK416_C").damage(2, b, a, 0, "WeapHK416_C")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x tele
			tt.build(&x)
			fights := TeamFights(x.read(t))
			switch {
			case tt.reason == "" && len(fights) != 0:
				t.Errorf("got %d fights (%q), want none", len(fights), fights[0].Reason)
			case tt.reason != "" && len(fights) != 1:
				t.Errorf("got %d fights, want 1", len(fights))
			case tt.reason != "" && fights[0].Reason != tt.reason:
				t.Errorf("reason %q, want %q", fights[0].Reason, tt.reason)
			}
		})
	}
	// The reasons of rejected engagements, as the reference words them.
	var x tele
	x.damage(0, a, b, 100, "WeapHK416_C").kill(6, a, b, -1, "WeapHK416_C")
	idx := newFightIndex(x.read(t))
	engs := idx.engagements()
	tl := idx.tally(&engs[0])
	if ok, reason := idx.isFight(&engs[0], &tl, nil); ok || reason != "Single instant kill with no resistance (0 < 25)" {
		t.Errorf("instant kill verdict = %v %q", ok, reason)
	}
}

func TestFightThreeTeamsPerTeamOutcomes(t *testing.T) {
	a1, b1, c1, c2 := pc("A1", 1, 0, 0), pc("B1", 2, 10, 0), pc("C1", 3, 50, 0), pc("C2", 3, 60, 0)
	var x tele
	x.damage(0, a1, b1, 30, "WeapHK416_C").
		damage(1, b1, a1, 20, "WeapAK47_C").
		damage(2, c1, b1, 40, "WeapM24_C"). // team 3 joins: within 300 m of the centre
		knock(3, c1, b1, 7, "WeapM24_C").
		kill(4, c2, b1, 7, "WeapM24_C"). // team 2 (only B1) is wiped
		damage(5, a1, c1, 25, "WeapHK416_C")
	fights := TeamFights(x.read(t))
	if len(fights) != 1 {
		t.Fatalf("%d fights, want 1", len(fights))
	}
	f := &fights[0]
	// Scores: team 3 = 1 kill*3 + 1 knock*2 + 0.4 = 5.4, team 1 = 0.55, team 2 = 0.2.
	got := fmt.Sprintln(f.TeamIDs, f.PrimaryTeam1, f.PrimaryTeam2, f.ThirdPartyTeams, f.Outcome, winnerLoser(f), outcomes(f),
		f.TotalKnocks, f.TotalKills, f.TotalDamage, f.TotalDamageEvents)
	want := "[1 2 3] 3 1 [2] THIRD_PARTY 3/2 1:DRAW 2:LOST 3:WON  1 1 115 4\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	// No team wiped: a death differential of 2 decides. Teams 1 and 3 both
	// lost nobody; Python's min() picks the first in sorted order, team 1.
	a2, b2, b3 := pc("A2", 1, 5, 0), pc("B2", 2, 15, 0), pc("B3", 2, 20, 0)
	var y tele
	y.damage(0, a1, b1, 30, "WeapHK416_C").
		kill(1, a1, b1, -1, "WeapHK416_C").
		damage(2, c1, b2, 30, "WeapM24_C").
		kill(3, c1, b2, -1, "WeapM24_C").
		damage(4, b3, a2, 10, "WeapAK47_C").
		damage(5, c2, a2, 10, "WeapM24_C")
	fights = TeamFights(y.read(t))
	if len(fights) != 1 {
		t.Fatalf("%d fights, want 1", len(fights))
	}
	f = &fights[0]
	got = fmt.Sprint(f.Outcome, " ", winnerLoser(f), " ", outcomes(f))
	if want := "THIRD_PARTY 1/2 1:WON 2:LOST 3:DRAW "; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestFightNPCs(t *testing.T) {
	a := pc("A1", 1, 0, 0)
	guard, soldier, bot := pc("Guard", 200, 10, 0), pc("Soldier", 201, 20, 0), pc("ai_bot", 202, 30, 0)
	var x tele
	// NPCs fighting each other, with two casualties: no real team takes part.
	// (The reference raises here and fails the whole match.)
	x.knock(0, guard, soldier, 1, "WeapAK47_C").kill(1, guard, soldier, 1, "WeapAK47_C")
	// A player trading 200 damage with a guard: the guard's team dealt
	// damage but is no fight team, so the reciprocal-damage rule fails.
	x.damage(1000, a, guard, 100, "WeapHK416_C").damage(1001, guard, a, 100, "WeapAK47_C")
	if fights := TeamFights(x.read(t)); len(fights) != 0 {
		t.Fatalf("got %d fights from NPC skirmishes, want none: %+v", len(fights), fights)
	}
	// A player knocking and killing a bot is a fight (two casualties); the bot
	// is no participant and its team is not in team_ids, but it still ranks
	// as a primary team, as in the reference.
	var y tele
	y.knock(0, a, bot, 2, "WeapHK416_C").kill(1, a, bot, 2, "WeapHK416_C")
	fights := TeamFights(y.read(t))
	if len(fights) != 1 {
		t.Fatalf("%d fights, want 1", len(fights))
	}
	f := &fights[0]
	got := fmt.Sprintln(f.TeamIDs, f.PrimaryTeam1, f.PrimaryTeam2, f.Outcome, winnerLoser(f), outcomes(f), len(f.Participants), f.Participants[0].PlayerName)
	if want := "[1] 1 202 DRAW -/- 1:DRAW  1 A1\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestFightTimeLimits(t *testing.T) {
	a, b1, b2, b3 := pc("A", 1, 0, 0), pc("B1", 2, 10, 0), pc("B2", 2, 10, 0), pc("B3", 2, 10, 0)
	span := func(f Fight) string {
		return fmt.Sprintf("%v-%v", f.StartTime.Sub(teleT0).Seconds(), f.EndTime.Sub(teleT0).Seconds())
	}
	// 240 s from the first event is still in; 270 s starts a new engagement.
	var x tele
	x.damage(0, a, b1, 10, "WeapHK416_C").knock(40, a, b1, 1, "WeapHK416_C").kill(80, a, b1, 1, "WeapHK416_C").
		damage(120, a, b2, 10, "WeapHK416_C").damage(160, a, b2, 10, "WeapHK416_C").damage(200, a, b2, 10, "WeapHK416_C").
		knock(240, a, b2, 2, "WeapHK416_C").
		kill(270, a, b2, 2, "WeapHK416_C").knock(280, a, b3, 3, "WeapHK416_C")
	fights := TeamFights(x.read(t))
	if len(fights) != 2 || span(fights[0]) != "0-240" || span(fights[1]) != "270-280" || fights[0].DurationSeconds != 240 {
		t.Fatalf("fights %v, want 0-240 and 270-280", fights)
	}
	if fights[0].Reason != "Multiple casualties (3 knocks/kills)" {
		t.Errorf("reason %q", fights[0].Reason)
	}
	// 45 s after the last event is still in; 46 s is not.
	var y tele
	y.knock(0, a, b1, 1, "WeapHK416_C").kill(45, a, b1, 1, "WeapHK416_C").
		knock(91, a, b2, 2, "WeapHK416_C").kill(100, a, b2, 2, "WeapHK416_C")
	fights = TeamFights(y.read(t))
	if len(fights) != 2 || span(fights[0]) != "0-45" || span(fights[1]) != "91-100" {
		t.Fatalf("fights %v, want 0-45 and 91-100", fights)
	}
}

func TestFightRadius(t *testing.T) {
	a, b1, b2 := pc("A", 1, 0, 0), pc("B1", 2, 0, 0), pc("B2", 2, 0, 0)
	far, edge := pc("C", 3, 300.5, 0), pc("D", 4, 300, 0)
	var x tele
	x.knock(0, a, b1, 1, "WeapHK416_C").kill(1, a, b1, 1, "WeapHK416_C").
		damage(2, far, b2, 10, "WeapM24_C"). // a new team 300.5 m from the fixed centre: stays out
		damage(3, edge, b2, 10, "WeapM24_C") // exactly 300 m: joins
	fights := TeamFights(x.read(t))
	if len(fights) != 1 {
		t.Fatalf("%d fights, want 1", len(fights))
	}
	f := &fights[0]
	if fmt.Sprint(f.TeamIDs) != "[1 2 4]" || f.TotalDamageEvents != 1 || f.TotalDamage != 10 {
		t.Errorf("teams %v, damage events %d, damage %v; want [1 2 4], 1, 10", f.TeamIDs, f.TotalDamageEvents, f.TotalDamage)
	}
}

// Team 0 is a valid team id but falsy in Python: the reference never groups
// its players, so it is never "eliminated", and a one-death loss is a draw.
func TestFightTeamZeroNeverEliminated(t *testing.T) {
	for _, tt := range []struct {
		victimTeam int
		want       string
	}{
		{0, "DRAW -/- 0:DRAW 1:DRAW \n"},
		{2, "DECISIVE_WIN 1/2 1:WON 2:LOST \n"},
	} {
		a, v := pc("A", 1, 0, 0), pc("V", tt.victimTeam, 10, 0)
		var x tele
		x.knock(0, a, v, 1, "WeapHK416_C").kill(1, a, v, 1, "WeapHK416_C")
		fights := TeamFights(x.read(t))
		if len(fights) != 1 {
			t.Fatalf("victim team %d: %d fights, want 1", tt.victimTeam, len(fights))
		}
		if got := fmt.Sprintln(fights[0].Outcome, winnerLoser(&fights[0]), outcomes(&fights[0])); got != tt.want {
			t.Errorf("victim team %d: got %q, want %q", tt.victimTeam, got, tt.want)
		}
	}
}
