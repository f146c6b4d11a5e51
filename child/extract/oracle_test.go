package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

// TestAgainstReference is a differential test: generated matches
// (child/synth, with NPC-named bots and Options.Oddities in turn) go through both the
// port and the reference Python code (run as a black box by
// testdata/reference_oracle.py), and every output value must be identical —
// floats bit for bit, except where CPython's pow(x, 2) rounds a square
// differently (nearFloat, circleDiffs). It needs a checkout of the reference and CPython 3.12
// (the reference's runtime; 3.11's sum() differs):
//
//	PEWSTATS_REF=/work/ref/pewstats PEWSTATS_PYTHON=python3.12 go test ./child/extract -run Reference
//
// PEWSTATS_ORACLE_MATCHES sets how many matches to try (default 20);
// see refenv_test.go.
func TestAgainstReference(t *testing.T) {
	o := requireReference(t)
	ref, py := o.ref, o.py
	n := oracleMatches(t, 20)
	fightsSeen := 0
	reasons := map[string]int{}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		// Every game mode in turn (team sizes 4, 2 and 1); every third
		// match with NPC-named bots, every other with Options.Oddities
		// (team 0, large team ids, damaged characters, zero and same-team
		// damage, events out of order).
		prof := oracleProfile
		if seed%5 == 0 {
			prof = synth.ProfileModern // long fights in a full match
		}
		m, err := synth.Generate(synth.Options{
			Profile: prof, Seed: seed, GameMode: synth.GameModes[seed%uint64(len(synth.GameModes))],
			TrackedFraction: 1.0 / 3, NPCs: seed%3 == 0, Oddities: seed%2 == 0, KillCauserTopLevel: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		var tracked []string
		for _, p := range m.Players {
			if p.Tracked {
				tracked = append(tracked, p.Name)
			}
		}
		js := m.Bytes(synth.EncodingPlain)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			for _, f := range compareWithReference(t, py, ref, js, tracked) {
				fightsSeen++
				reasons[strings.SplitN(f.Reason, " (", 2)[0]]++
			}
		})
	}
	t.Logf("%d fights compared; by rule: %v", fightsSeen, reasons)
	if fightsSeen < n*3 {
		t.Errorf("only %d fights over %d matches: the generator no longer exercises fight detection", fightsSeen, n)
	}
	if n >= 20 {
		for _, rule := range []string{"Multiple casualties", "Sustained reciprocal damage", "Single knock with reciprocal damage"} {
			if reasons[rule] == 0 {
				t.Errorf("no fight by rule %q over %d matches: the generator no longer exercises it", rule, n)
			}
		}
	}
}

// oracleProfile is a short, crowded match: enough teams meet for several
// fights per match while the reference stays quick.
var oracleProfile = synth.Profile{
	Name:       "oracle",
	MinPlayers: 32, MaxPlayers: 56,
	MinEvents: 14000, MaxEvents: 16000,
	MinBotTeams: 1, MaxBotTeams: 2,
	PhaseScale: 0.35, ZoneScale: 0.45, DropArea: 0.3,
}

type refOutput struct {
	Fights      []refFight                               `json:"fights"`
	FightsError string                                   `json:"fights_error"`
	Items       map[string]map[string]int                `json:"items"`
	Advanced    map[string]map[string]float64            `json:"advanced"`
	Circle      map[string]map[string]float64            `json:"circle"`
	Positions   []map[string]any                         `json:"positions"`
	Weapons     map[string]map[string]map[string]float64 `json:"weapons"`
}

type refFight struct {
	Start        string   `json:"fight_start_time"`
	End          string   `json:"fight_end_time"`
	Duration     float64  `json:"duration_seconds"`
	TeamIDs      []int64  `json:"team_ids"`
	P1           int64    `json:"primary_team_1"`
	P2           int64    `json:"primary_team_2"`
	Third        []int64  `json:"third_party_teams"`
	Knocks       int      `json:"total_knocks"`
	Kills        int      `json:"total_kills"`
	Damage       float64  `json:"total_damage"`
	DamageEvents int      `json:"total_damage_events"`
	Outcome      string   `json:"outcome"`
	Winner       *int64   `json:"winning_team_id"`
	Loser        *int64   `json:"loser_team_id"`
	TeamOutcomes string   `json:"team_outcomes"`
	Reason       string   `json:"fight_reason"`
	CX           *float64 `json:"fight_center_x"`
	CY           *float64 `json:"fight_center_y"`
	Spread       *float64 `json:"fight_spread_radius"`
	Participants []struct {
		Name       string   `json:"player_name"`
		Account    *string  `json:"player_account_id"`
		Team       int64    `json:"team_id"`
		Knocks     int      `json:"knocks_dealt"`
		Kills      int      `json:"kills_dealt"`
		Dealt      float64  `json:"damage_dealt"`
		Taken      float64  `json:"damage_taken"`
		Attacks    int      `json:"attacks_made"`
		CX         *float64 `json:"position_center_x"`
		CY         *float64 `json:"position_center_y"`
		WasKnocked bool     `json:"was_knocked"`
		WasKilled  bool     `json:"was_killed"`
		Survived   bool     `json:"survived"`
		KnockedAt  *string  `json:"knocked_at"`
		KilledAt   *string  `json:"killed_at"`
	} `json:"participants"`
}

func runReference(t *testing.T, py, ref string, events []byte, tracked []string) refOutput {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"events": json.RawMessage(events), "tracked": tracked})
	cmd := exec.Command(py, "testdata/reference_oracle.py")
	cmd.Env = append(os.Environ(), "PEWSTATS_REF="+ref)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference oracle: %v\n%s", err, stderr.String())
	}
	var r refOutput
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("reference output: %v", err)
	}
	return r
}

// compareWithReference returns the port's fights.
func compareWithReference(t *testing.T, py, ref string, events []byte, tracked []string) []Fight {
	m, err := telemetry.Read(context.Background(), bytes.NewReader(events), "synthetic", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := runReference(t, py, ref, events, tracked)
	trackedSet := map[string]bool{}
	for _, n := range tracked {
		trackedSet[n] = true
	}

	fights := TeamFights(m.Events)
	if want.FightsError != "" {
		t.Errorf("reference raised %q", want.FightsError)
	} else {
		compareFights(t, fights, want.Fights)
	}

	items := ItemUsageStats(m.Events)
	if len(items) != len(want.Items) {
		t.Errorf("item usage: %d players, reference %d", len(items), len(want.Items))
	}
	for _, u := range items {
		w := want.Items[u.PlayerName]
		got := map[string]int{"heals_used": u.HealsUsed, "boosts_used": u.BoostsUsed, "throwables_used": u.ThrowablesUsed, "smokes_thrown": u.SmokesThrown}
		for k, v := range got {
			if w[k] != v {
				t.Errorf("item usage %s %s = %d, reference %d", u.PlayerName, k, v, w[k])
			}
		}
	}

	adv := AdvancedCombatStats(m.Events)
	if len(adv) != len(want.Advanced) {
		t.Errorf("advanced stats: %d players, reference %d", len(adv), len(want.Advanced))
	}
	for _, a := range adv {
		w := want.Advanced[a.PlayerName]
		if float64(a.Killsteals) != w["killsteals"] || !sameFloat(a.ThrowableDamage, w["throwable_damage"]) || !sameFloat(a.DamageReceived, w["damage_received"]) {
			t.Errorf("advanced %s = %+v, reference %v", a.PlayerName, a, w)
		}
	}

	circ := CircleTracking(m.Events, func(n string) bool { return trackedSet[n] })
	if len(circ.Aggregates) != len(want.Circle) {
		t.Errorf("circle: %d players, reference %d", len(circ.Aggregates), len(want.Circle))
	}
	var cd circleDiffs
	for _, c := range circ.Aggregates {
		w := want.Circle[c.PlayerName]
		scale := math.Abs(c.MaxDistanceFromCenter) + math.Abs(c.MinDistanceFromEdge)
		if !cd.close(c.AvgDistanceFromCenter, w["avg_distance_from_center"], scale) || !cd.close(c.AvgDistanceFromEdge, w["avg_distance_from_edge"], scale) ||
			!cd.close(c.MaxDistanceFromCenter, w["max_distance_from_center"], scale) || !cd.close(c.MinDistanceFromEdge, w["min_distance_from_edge"], scale) ||
			float64(c.TimeOutsideZoneSeconds) != w["time_outside_zone_seconds"] {
			t.Errorf("circle %s = %+v, reference %v", c.PlayerName, c, w)
		}
	}
	comparePositions(t, circ.Positions, want.Positions, &cd)
	cd.check(t)

	wd := WeaponDistribution(m.Events)
	nw := 0
	for _, cats := range want.Weapons {
		nw += len(cats)
	}
	if len(wd) != nw {
		t.Errorf("weapon distribution: %d rows, reference %d", len(wd), nw)
	}
	for _, u := range wd {
		w, ok := want.Weapons[u.PlayerName][u.Category]
		if !ok || !sameFloat(u.TotalDamage, w["total_damage"]) || float64(u.TotalKills) != w["total_kills"] || float64(u.KnockDowns) != w["knock_downs"] {
			t.Errorf("weapon distribution %s/%s = %+v, reference %v", u.PlayerName, u.Category, u, w)
		}
	}
	return fights
}

// circleDiffs compares circle-tracking distances. CPython squares the
// player's offset from the zone centre with pow(x, 2), which glibc does not
// always round correctly (docs/PARITY.md, "Known residual"); the offset of a
// single-precision coordinate from a centre of another magnitude (a player
// at the edge of the map, on the plane) needs more than 26 bits, so its
// square is not exact and the two sides can differ in the last bit. A value
// passes when it is identical, or within 4 ulps of scale (the magnitude of
// the samples it was computed from, so that a distance from the edge, a
// difference of two large numbers, is held to the precision of those
// numbers). Near misses are counted: more than 1 in 50 values fails the
// test, since a pow rounding slip is rare and anything systematic is not one.
type circleDiffs struct{ values, near int }

func (d *circleDiffs) close(a, b, scale float64) bool {
	d.values++
	if sameFloat(a, b) {
		return true
	}
	ulp := math.Nextafter(scale, math.Inf(1)) - scale
	if math.Abs(a-b) <= 4*ulp {
		d.near++
		return true
	}
	return false
}

func (d *circleDiffs) check(t *testing.T) {
	t.Helper()
	if d.near > 0 {
		t.Logf("circle: %d of %d values differ from the reference's in the last bits (pow rounding)", d.near, d.values)
	}
	if d.near*50 > d.values {
		t.Errorf("circle: %d of %d values are not identical to the reference's: more than pow's rounding explains", d.near, d.values)
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// nearFloat allows a few units in the last place. Only the spread radius
// needs it: CPython squares with pow(x, 2), which glibc does not always round
// correctly (about 1 in 1200 random doubles differ from x*x by one ulp), and
// the fight centre is an arbitrary double. Locations are single-precision in
// telemetry, so every other squared difference here is exact either way.
func nearFloat(a, b float64, ulps uint64) bool {
	if a == b {
		return true
	}
	if math.Signbit(a) != math.Signbit(b) {
		return false
	}
	ia, ib := math.Float64bits(a), math.Float64bits(b)
	if ia > ib {
		ia, ib = ib, ia
	}
	return ib-ia <= ulps
}

func sameOptFloat(a Opt[float64], b *float64) bool {
	if !a.Valid || b == nil {
		return !a.Valid && b == nil
	}
	return sameFloat(a.V, *b)
}

func sameTime(a Opt[time.Time], b *string) bool {
	if !a.Valid || b == nil {
		return !a.Valid && b == nil
	}
	bt, err := time.Parse(time.RFC3339Nano, *b)
	return err == nil && bt.Equal(a.V)
}

func compareFights(t *testing.T, got []Fight, want []refFight) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d fights, reference %d", len(got), len(want))
		return
	}
	for i := range got {
		g, w := &got[i], &want[i]
		ws, _ := time.Parse(time.RFC3339Nano, w.Start)
		we, _ := time.Parse(time.RFC3339Nano, w.End)
		var outcomes map[string]string
		_ = json.Unmarshal([]byte(w.TeamOutcomes), &outcomes)
		gotOutcomes := map[string]string{}
		for _, o := range g.TeamOutcomes {
			gotOutcomes[strconv.FormatInt(o.TeamID, 10)] = o.Outcome
		}
		checks := []struct {
			what string
			ok   bool
		}{
			{"start", g.StartTime.Equal(ws)}, {"end", g.EndTime.Equal(we)},
			{"duration", sameFloat(g.DurationSeconds, w.Duration)},
			{"team_ids", fmt.Sprint(g.TeamIDs) == fmt.Sprint(w.TeamIDs)},
			{"primary_team_1", g.PrimaryTeam1 == w.P1}, {"primary_team_2", g.PrimaryTeam2 == w.P2},
			{"third_party_teams", fmt.Sprint(g.ThirdPartyTeams) == fmt.Sprint(w.Third) && (g.ThirdPartyTeams == nil) == (w.Third == nil)},
			{"total_knocks", g.TotalKnocks == w.Knocks}, {"total_kills", g.TotalKills == w.Kills},
			{"total_damage", sameFloat(g.TotalDamage, w.Damage)}, {"total_damage_events", g.TotalDamageEvents == w.DamageEvents},
			{"outcome", g.Outcome == w.Outcome},
			{"winning_team_id", (g.WinningTeamID.Valid == (w.Winner != nil)) && (!g.WinningTeamID.Valid || g.WinningTeamID.V == *w.Winner)},
			{"loser_team_id", (g.LoserTeamID.Valid == (w.Loser != nil)) && (!g.LoserTeamID.Valid || g.LoserTeamID.V == *w.Loser)},
			{"team_outcomes", fmt.Sprint(gotOutcomes) == fmt.Sprint(outcomes)},
			{"fight_reason", g.Reason == w.Reason},
			{"fight_center_x", sameOptFloat(g.CenterX, w.CX)}, {"fight_center_y", sameOptFloat(g.CenterY, w.CY)},
			{"fight_spread_radius", g.SpreadRadius.Valid == (w.Spread != nil) && (!g.SpreadRadius.Valid || nearFloat(g.SpreadRadius.V, *w.Spread, 4))},
			{"participants", len(g.Participants) == len(w.Participants)},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("fight %d (%s): %s differs\n got  %+v\n want %+v", i, w.Start, c.what, *g, *w)
			}
		}
		if len(g.Participants) != len(w.Participants) {
			continue
		}
		for k := range g.Participants {
			p, q := &g.Participants[k], &w.Participants[k]
			ok := p.PlayerName == q.Name && p.AccountID.Valid == (q.Account != nil) && (q.Account == nil || p.AccountID.V == *q.Account) &&
				p.TeamID == q.Team && p.KnocksDealt == q.Knocks && p.KillsDealt == q.Kills &&
				sameFloat(p.DamageDealt, q.Dealt) && sameFloat(p.DamageTaken, q.Taken) && q.Attacks == 0 &&
				sameOptFloat(p.CenterX, q.CX) && sameOptFloat(p.CenterY, q.CY) &&
				p.WasKnocked == q.WasKnocked && p.WasKilled == q.WasKilled && q.Survived == !p.WasKilled &&
				sameTime(p.KnockedAt, q.KnockedAt) && sameTime(p.KilledAt, q.KilledAt)
			if !ok {
				t.Errorf("fight %d participant %d differs\n got  %+v\n want %+v", i, k, *p, *q)
			}
		}
	}
}

func comparePositions(t *testing.T, got []CirclePosition, want []map[string]any, cd *circleDiffs) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d circle positions, reference %d", len(got), len(want))
		return
	}
	// The reference emits tracked players in set order; compare per player.
	key := func(name string, i int) string { return fmt.Sprintf("%s/%06d", name, i) }
	gm, wm := map[string]CirclePosition{}, map[string]map[string]any{}
	gc, wc := map[string]int{}, map[string]int{}
	for _, p := range got {
		gm[key(p.PlayerName, gc[p.PlayerName])] = p
		gc[p.PlayerName]++
	}
	for _, p := range want {
		n := p["player_name"].(string)
		wm[key(n, wc[n])] = p
		wc[n]++
	}
	keys := make([]string, 0, len(gm))
	for k := range gm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, w := gm[k], wm[k]
		f := func(n string) float64 { v, _ := w[n].(float64); return v }
		ok := w != nil && float64(g.ElapsedTime) == f("elapsed_time") && sameFloat(g.PlayerX, f("player_x")) && sameFloat(g.PlayerY, f("player_y")) &&
			sameFloat(g.ZoneX, f("safe_zone_center_x")) && sameFloat(g.ZoneY, f("safe_zone_center_y")) && sameFloat(g.ZoneRadius, f("safe_zone_radius")) &&
			cd.close(g.DistanceFromCenter, f("distance_from_center"), math.Abs(g.DistanceFromCenter)) &&
			cd.close(g.DistanceFromEdge, f("distance_from_edge"), math.Abs(g.DistanceFromCenter)+math.Abs(g.DistanceFromEdge)) &&
			g.InSafeZone == w["is_in_safe_zone"]
		if !ok {
			t.Errorf("circle position %s = %+v, reference %v", k, g, w)
		}
	}
}
