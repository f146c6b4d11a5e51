package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDeterminism(t *testing.T) {
	tests := []struct {
		name string
		a, b Options
		same bool
	}{
		{"small same seed", Options{Profile: ProfileSmall, Seed: 1}, Options{Profile: ProfileSmall, Seed: 1}, true},
		{"small same seed duo", Options{Profile: ProfileSmall, Seed: 9, GameMode: "duo"}, Options{Profile: ProfileSmall, Seed: 9, GameMode: "duo"}, true},
		{"modern same seed", Options{Profile: ProfileModern, Seed: 1}, Options{Profile: ProfileModern, Seed: 1}, true},
		{"small other seed", Options{Profile: ProfileSmall, Seed: 1}, Options{Profile: ProfileSmall, Seed: 2}, false},
		{"small other mode", Options{Profile: ProfileSmall, Seed: 1, GameMode: "squad"}, Options{Profile: ProfileSmall, Seed: 1, GameMode: "solo"}, false},
		{"profile is part of the seed", Options{Profile: ProfileSmall, Seed: 1}, Options{Profile: ProfileModern, Seed: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ma := cachedMatch(t, tt.a)
			mb, err := Generate(tt.b) // always a fresh run
			if err != nil {
				t.Fatal(err)
			}
			ha, hb := sha256.Sum256(plainJSON(t, ma)), sha256.Sum256(plainJSON(t, mb))
			if (ha == hb) != tt.same {
				t.Fatalf("same bytes = %v, want %v", ha == hb, tt.same)
			}
			if tt.same && (ma.ID != mb.ID || len(ma.Players) != len(mb.Players)) {
				t.Fatalf("same seed, different metadata: %s/%d vs %s/%d", ma.ID, len(ma.Players), mb.ID, len(mb.Players))
			}
			if !tt.same && ma.ID == mb.ID {
				t.Fatalf("different matches share the id %s", ma.ID)
			}
		})
	}
}

func TestProfileRanges(t *testing.T) {
	tests := []struct {
		prof           Profile
		seed           uint64
		mode           string
		minMB, maxMB   float64
		minPl, maxPl   int
		minDur, maxDur int // seconds
	}{
		{ProfileModern, 1, "", 35, 40, 80, 100, 1200, 2400},
		{ProfileModern, 2, "solo-fpp", 35, 40, 80, 100, 1200, 2400},
		{ProfileSmall, 1, "", 2, 5, 12, 18, 300, 1200},
		{ProfileSmall, 2, "", 2, 5, 12, 18, 300, 1200},
		{ProfileSmall, 3, "duo-fpp", 2, 5, 12, 18, 300, 1200},
		{ProfileSmall, 4, "solo", 2, 5, 12, 18, 300, 1200},
		{ProfileSmall, 5, "squad", 2, 5, 12, 18, 300, 1200},
	}
	for _, tt := range tests {
		t.Run(tt.prof.Name+"/"+tt.mode, func(t *testing.T) {
			m := cachedMatch(t, Options{Profile: tt.prof, Seed: tt.seed, GameMode: tt.mode})
			if n := m.Events(); n < tt.prof.MinEvents || n > tt.prof.MaxEvents {
				t.Errorf("%d events, want %d..%d", n, tt.prof.MinEvents, tt.prof.MaxEvents)
			}
			if mb := float64(m.Size()) / 1e6; mb < tt.minMB || mb > tt.maxMB {
				t.Errorf("%.2f MB of JSON, want %.0f..%.0f", mb, tt.minMB, tt.maxMB)
			}
			if n := len(m.Players); n < tt.minPl || n > tt.maxPl {
				t.Errorf("%d players, want %d..%d", n, tt.minPl, tt.maxPl)
			}
			if m.Duration < tt.minDur || m.Duration > tt.maxDur {
				t.Errorf("duration %d s, want %d..%d", m.Duration, tt.minDur, tt.maxDur)
			}
			if tt.mode != "" && m.GameMode != tt.mode {
				t.Errorf("game mode %q, want %q", m.GameMode, tt.mode)
			}
		})
	}
}

var (
	reD3 = regexp.MustCompile(`"_D":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`)
	reD7 = regexp.MustCompile(`"_D":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z"`)
)

func TestWellFormed(t *testing.T) {
	for _, opts := range []Options{{Profile: ProfileSmall, Seed: 1}, {Profile: ProfileModern, Seed: 1}} {
		t.Run(opts.Profile.Name, func(t *testing.T) {
			m := cachedMatch(t, opts)
			data := plainJSON(t, m)
			if bytes.ContainsAny(data, "\n\r\t") {
				t.Error("the file is not a single line")
			}
			var raw []map[string]json.RawMessage
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatalf("not a JSON array of objects: %v", err)
			}
			if len(raw) != m.Events() {
				t.Fatalf("%d elements, Events() %d", len(raw), m.Events())
			}
			for i, ev := range raw {
				var typ, d string
				if err := json.Unmarshal(ev["_T"], &typ); err != nil || !strings.HasPrefix(typ, "Log") {
					t.Fatalf("event %d: bad _T %s", i, ev["_T"])
				}
				if err := json.Unmarshal(ev["_D"], &d); err != nil {
					t.Fatalf("event %d (%s): bad _D %s", i, typ, ev["_D"])
				}
				if _, err := time.Parse(time.RFC3339Nano, d); err != nil {
					t.Fatalf("event %d (%s): _D %q: %v", i, typ, d, err)
				}
				_, hasCommon := ev["common"]
				if hasCommon == (typ == "LogMatchDefinition") {
					t.Fatalf("event %d (%s): common present = %v", i, typ, hasCommon)
				}
				if hasCommon {
					var c struct{ IsGame *float64 }
					if err := json.Unmarshal(ev["common"], &c); err != nil || c.IsGame == nil {
						t.Fatalf("event %d (%s): bad common %s", i, typ, ev["common"])
					}
				}
			}
		})
	}
}

func TestFormatTraps(t *testing.T) {
	for _, opts := range []Options{{Profile: ProfileSmall, Seed: 1}, {Profile: ProfileModern, Seed: 1}} {
		t.Run(opts.Profile.Name, func(t *testing.T) {
			m := cachedMatch(t, opts)
			data := plainJSON(t, m)
			evs := parseMatch(t, m)
			full := m.Profile == "modern" // the small match is too short for some
			checks := []struct {
				name string
				ok   bool
			}{
				{"3-digit _D fractions", reD3.Match(data)},
				{"7-digit _D fractions", reD7.Match(data)},
				{"_T first in some events", bytes.Contains(data, []byte(`{"_T":"Log`))},
				{"_T last in some events", regexp.MustCompile(`,"_T":"Log[A-Za-z0-9]+"\}`).Match(data)},
				{"isGame 0.10000000149011612", bytes.Contains(data, []byte(`"isGame":0.10000000149011612`))},
				{"isGame 0 before lift-off", bytes.Contains(data, []byte(`"isGame":0}`))},
				{"isGame half steps", bytes.Contains(data, []byte(`"isGame":1.5}`))},
				{"LogMatchDefinition first", evs[0].T == "LogMatchDefinition"},
				{"LogMatchDefinition stamped later than the next event", evs[0].D > evs[1].D},
				{"LogMatchEnd is not last", evs[len(evs)-1].T != "LogMatchEnd"},
				{"bots", bytes.Contains(data, []byte(`"accountId":"ai.`))},
				{"KillV2 vehicle sentinel", bytes.Contains(data, []byte(`"victimVehicle":{"vehicleType":"","vehicleId":"","seatIndex":-1`))},
				{"heal item garbage", bytes.Contains(data, []byte(`"item":{"itemId":"","stackCount":`))},
				{"blue-zone attacker null", !full || bytes.Contains(data, []byte(`"attacker":null,"victim"`))},
				{"blue-zone attacker sentinel", !full || bytes.Contains(data, []byte(`"attacker":{"name":"","teamId":0,`))},
				{"Damage_BlueZone", !full || bytes.Contains(data, []byte(`"damageTypeCategory":"Damage_BlueZone"`))},
				{"attackId -1", !full || bytes.Contains(data, []byte(`"attackId":-1,`))},
				{"LootBox with a capital B", !full || bytes.Contains(data, []byte(`"LogItemPickupFromLootBox"`))},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("missing: %s", c.name)
				}
			}
			// accounts look real, coordinates lie on the map
			reAcct := regexp.MustCompile(`^(account\.[0-9a-f]{32}|ai\.\d+)$`)
			for i, e := range evs {
				for _, c := range []*tChar{e.Character, e.Attacker, e.Victim, e.Killer, e.Finisher, e.DBNOMaker, e.Reviver} {
					if c == nil || c.AccountID == "" {
						continue
					}
					if !reAcct.MatchString(c.AccountID) {
						t.Fatalf("event %d: account id %q", i, c.AccountID)
					}
					if l := c.Location; l.X < 0 || l.X > 816000 || l.Y < 0 || l.Y > 816000 {
						t.Fatalf("event %d: location %+v off the map", i, l)
					}
				}
			}
		})
	}
}

// TestTimeline: events are in time order after the first, isGame only grows
// and moves through the documented phases.
func TestTimeline(t *testing.T) {
	m := cachedMatch(t, Options{Profile: ProfileModern, Seed: 1})
	evs := parseMatch(t, m)
	prevIsGame := 0.0
	var prev time.Time
	var sawPlane, sawMatchStart bool
	for i, e := range evs[1:] {
		ts, err := time.Parse(time.RFC3339Nano, e.D)
		if err != nil {
			t.Fatal(err)
		}
		// 3-digit stamps truncate: allow a millisecond of disorder
		if ts.Before(prev.Add(-time.Millisecond)) {
			t.Fatalf("event %d (%s) at %s is before the previous one at %s", i+1, e.T, e.D, prev.Format(time.RFC3339Nano))
		}
		if ts.After(prev) {
			prev = ts
		}
		g := *e.Common.IsGame
		if g < prevIsGame {
			t.Fatalf("event %d (%s): isGame %v after %v", i+1, e.T, g, prevIsGame)
		}
		prevIsGame = g
		if g == float64(float32(0.1)) {
			sawPlane = true
		}
		if e.T == "LogMatchStart" {
			sawMatchStart = true
			if g != 0 && g != float64(float32(0.1)) {
				t.Errorf("LogMatchStart at isGame %v", g)
			}
		}
		if r := 2 * g; g >= 1 && r != math.Trunc(r) {
			t.Fatalf("isGame %v is not a half step", g)
		}
	}
	if !sawPlane || !sawMatchStart || prevIsGame < 3 {
		t.Errorf("plane %v, match start %v, last isGame %v", sawPlane, sawMatchStart, prevIsGame)
	}
}

func TestConsistency(t *testing.T) {
	tests := []Options{
		{Profile: ProfileSmall, Seed: 1, GameMode: "squad-fpp"},
		{Profile: ProfileSmall, Seed: 2, GameMode: "squad"},
		{Profile: ProfileSmall, Seed: 3, GameMode: "duo-fpp"},
		{Profile: ProfileSmall, Seed: 4, GameMode: "solo"},
		{Profile: ProfileSmall, Seed: 5},
		{Profile: ProfileModern, Seed: 1},
		{Profile: ProfileModern, Seed: 2, GameMode: "solo-fpp"},
	}
	for _, opts := range tests {
		t.Run(opts.Profile.Name+"/"+opts.GameMode, func(t *testing.T) {
			m := cachedMatch(t, opts)
			evs := parseMatch(t, m)
			checkConsistency(t, m, evs)
		})
	}
}

func checkConsistency(t *testing.T, m *Match, evs []tEvent) {
	t.Helper()
	// rosters: one LogPlayerCreate per participant, full teams of the mode
	teams := map[int]int{}
	created := map[string]bool{}
	for _, e := range evs {
		if e.T == "LogPlayerCreate" {
			created[e.Character.AccountID] = true
			teams[e.Character.TeamID]++
		}
		if e.T == "LogMatchStart" && e.TeamSize != m.TeamSize {
			t.Errorf("LogMatchStart.teamSize %d, mode %s", e.TeamSize, m.GameMode)
		}
	}
	if len(created) != len(m.Players) {
		t.Fatalf("%d players created, %d in the match", len(created), len(m.Players))
	}
	if want := map[string]int{"squad": 4, "duo": 2, "solo": 1}[strings.TrimSuffix(m.GameMode, "-fpp")]; want != m.TeamSize {
		t.Fatalf("team size %d for %s", m.TeamSize, m.GameMode)
	}
	for id, n := range teams {
		if n != m.TeamSize {
			t.Errorf("team %d has %d players, mode %s", id, n, m.GameMode)
		}
	}

	// knocks, revives and kills
	groggy := map[int64]string{} // dBNOId → victim
	revived := map[int64]bool{}
	dead := map[string]int{}
	deadAt := map[string]int{}
	credited := map[string]int{}
	teamOf := map[string]int{}
	for _, p := range m.Players {
		teamOf[p.AccountID] = p.TeamID
	}
	var teammateFinish, steal int
	lastAlive := math.MaxInt
	for i, e := range evs {
		switch e.T {
		case "LogPlayerMakeGroggy":
			if m.TeamSize == 1 {
				t.Fatalf("event %d: a knock in %s", i, m.GameMode)
			}
			id := *e.DBNOID
			if _, dup := groggy[id]; dup || id <= 0 {
				t.Fatalf("event %d: dBNOId %d reused or not positive", i, id)
			}
			groggy[id] = e.Victim.AccountID
			if e.Victim.Health != 0 || !e.Victim.IsDBNO {
				t.Errorf("event %d: knocked victim health %v isDBNO %v", i, e.Victim.Health, e.Victim.IsDBNO)
			}
		case "LogPlayerRevive":
			v, ok := groggy[*e.DBNOID]
			if !ok || v != e.Victim.AccountID || revived[*e.DBNOID] {
				t.Fatalf("event %d: revive of dBNOId %d that was not this victim's knock", i, *e.DBNOID)
			}
			if e.Reviver.TeamID != e.Victim.TeamID {
				t.Fatalf("event %d: revived by another team", i)
			}
			revived[*e.DBNOID] = true
		case "LogPlayerKillV2":
			v := e.Victim.AccountID
			dead[v]++
			deadAt[v] = i
			id := *e.DBNOID
			if id != -1 {
				if who, ok := groggy[id]; !ok || who != v || revived[id] {
					t.Fatalf("event %d: kill with dBNOId %d not produced by this victim's standing knock", i, id)
				}
			} else if e.DBNOMaker != nil {
				t.Fatalf("event %d: instant kill with a dBNOMaker", i)
			}
			if e.Killer != nil && e.Killer.TeamID != e.Victim.TeamID {
				credited[e.Killer.AccountID]++
			}
			if e.Finisher != nil && e.DBNOMaker != nil && e.Finisher.AccountID != e.DBNOMaker.AccountID {
				if e.Finisher.TeamID == e.DBNOMaker.TeamID {
					teammateFinish++
				} else {
					steal++
				}
			}
			if e.FinishDamageInfo == nil || e.FinishDamageInfo.DamageTypeCategory == "" {
				t.Fatalf("event %d: kill without finishDamageInfo", i)
			}
		case "LogPlayerPosition":
			if e.NumAlivePlayers > lastAlive {
				t.Fatalf("event %d: numAlivePlayers went up to %d from %d", i, e.NumAlivePlayers, lastAlive)
			}
			lastAlive = e.NumAlivePlayers
		}
		// nobody acts after dying (the attacker of bleeding-out or of a late
		// grenade blast may be dead by then, as in real files)
		if e.T != "LogPlayerKillV2" && e.T != "LogMatchEnd" {
			actors := []*tChar{e.Character, e.Reviver}
			if e.T == "LogPlayerAttack" || e.T == "LogPlayerUseThrowable" {
				actors = append(actors, e.Attacker)
			}
			for _, c := range actors {
				if c != nil && dead[c.AccountID] > 0 {
					t.Fatalf("event %d (%s): %s acts after dying at event %d", i, e.T, c.Name, deadAt[c.AccountID])
				}
			}
			if e.Victim != nil && dead[e.Victim.AccountID] > 0 {
				t.Fatalf("event %d (%s): %s is hit after dying", i, e.T, e.Victim.Name)
			}
		}
	}
	survivors := map[int]bool{}
	for _, p := range m.Players {
		switch n := dead[p.AccountID]; {
		case n > 1:
			t.Errorf("%s died %d times", p.Name, n)
		case n == 0:
			if p.Died {
				t.Errorf("%s died without a kill event", p.Name)
			}
			survivors[p.TeamID] = true
		case !p.Died:
			t.Errorf("%s has a kill event but is not marked dead", p.Name)
		}
		if credited[p.AccountID] != p.Kills {
			t.Errorf("%s: %d kills credited in events, %d in the summary", p.Name, credited[p.AccountID], p.Kills)
		}
	}
	if len(survivors) != 1 {
		t.Errorf("%d teams survive, want 1", len(survivors))
	}
	winners := 0
	for _, p := range m.Players {
		if p.Won != survivors[p.TeamID] || (p.Won != (p.TeamRank == 1)) {
			t.Errorf("%s: won %v, rank %d, survived %v", p.Name, p.Won, p.TeamRank, survivors[p.TeamID])
		}
		if p.Won {
			winners++
		}
	}
	if winners != m.TeamSize {
		t.Errorf("%d winners, team size %d", winners, m.TeamSize)
	}
	if m.TeamSize > 1 && m.Profile == "modern" {
		if len(groggy) == 0 || len(revived) == 0 || teammateFinish == 0 || steal == 0 {
			t.Errorf("team fights: %d knocks, %d revives, %d teammate finishes, %d steals", len(groggy), len(revived), teammateFinish, steal)
		}
	}
}

// TestItemsAndThrowables: heals, boosts, throwables (novelty ones too) and
// vehicles show up in a full match.
func TestItemsAndThrowables(t *testing.T) {
	m := cachedMatch(t, Options{Profile: ProfileModern, Seed: 1})
	seen := map[string]int{}
	for _, e := range parseMatch(t, m) {
		switch e.T {
		case "LogItemUse":
			seen[e.Item.ItemID]++
		case "LogPlayerAttack":
			if e.Weapon != nil && e.Weapon.SubCategory == "Throwable" {
				seen[e.Weapon.ItemID]++
			}
		case "LogVehicleRide", "LogVehicleLeave", "LogParachuteLanding", "LogGameStatePeriodic", "LogPlayerRevive", "LogItemPickup", "LogItemEquip", "LogItemDrop", "LogItemAttach", "LogHeal":
			seen[e.T]++
		}
	}
	for _, want := range []string{
		"Item_Heal_FirstAid_C", "Item_Heal_Bandage_C", "Item_Boost_EnergyDrink_C", "Item_Boost_PainKiller_C",
		"Item_Weapon_Grenade_C", "Item_Weapon_SmokeBomb_C",
		"LogVehicleRide", "LogVehicleLeave", "LogParachuteLanding", "LogGameStatePeriodic", "LogItemPickup",
		"LogItemEquip", "LogItemDrop", "LogItemAttach", "LogHeal",
	} {
		if seen[want] == 0 {
			t.Errorf("no %s", want)
		}
	}
	if seen["Item_Weapon_Snowball_C"]+seen["Item_Weapon_Apple_C"] == 0 {
		t.Error("no snowball or apple thrown")
	}
}

func TestMatchMetadata(t *testing.T) {
	group := TrackedGroup(42, 4)
	m := cachedMatch(t, Options{Profile: ProfileSmall, Seed: 7, Include: group, TrackedFraction: 0.2, MapName: "Tiger_Main"})
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(m.ID) {
		t.Errorf("match id %q is not a UUID", m.ID)
	}
	if !strings.HasPrefix(m.TelemetryID, "match.bro.competitive.pc-2018-") || !strings.HasSuffix(m.TelemetryID, "."+m.ID) {
		t.Errorf("telemetry id %q", m.TelemetryID)
	}
	if m.MapName != "Tiger_Main" || m.MapDisplayName() != "Taego" {
		t.Errorf("map %s / %s", m.MapName, m.MapDisplayName())
	}
	if m.CreatedAt.Nanosecond() != 0 || m.MatchDatetime() != m.CreatedAt.Format("2006-01-02T15:04:05Z") {
		t.Errorf("createdAt %v / %s", m.CreatedAt, m.MatchDatetime())
	}
	found, tracked := 0, 0
	for _, p := range m.Players {
		for _, g := range group {
			if p.AccountID == g.AccountID && p.Name == g.Name {
				found++
				if !p.Tracked || p.Bot {
					t.Errorf("included %s: tracked %v bot %v", p.Name, p.Tracked, p.Bot)
				}
			}
		}
		if p.Tracked {
			tracked++
		}
	}
	if found != len(group) {
		t.Errorf("%d of %d included players in the match", found, len(group))
	}
	if tracked < len(group) {
		t.Errorf("%d tracked players", tracked)
	}
	// the group is stable
	if g2 := TrackedGroup(42, 4); g2[3] != group[3] {
		t.Error("TrackedGroup is not deterministic")
	}
	if SeriesSeed(5, 0) != 5 || SeriesSeed(5, 1) == SeriesSeed(5, 2) {
		t.Error("SeriesSeed")
	}
}

func TestOptionErrors(t *testing.T) {
	for _, opts := range []Options{
		{GameMode: "squad-tpp-extreme"},
		{MapName: "Atlantis_Main"},
		{TrackedFraction: 1.5},
		{Include: []Identity{{AccountID: "account.x"}}},
		{Profile: Profile{Name: "broken", MinPlayers: 10, MaxPlayers: 5}},
	} {
		if _, err := Generate(opts); err == nil {
			t.Errorf("Generate(%+v) succeeded", opts)
		}
	}
	if _, err := ProfileByName("huge"); err == nil {
		t.Error("ProfileByName(huge) succeeded")
	}
	if p, err := ProfileByName("SMALL"); err != nil || p.Name != "small" {
		t.Errorf("ProfileByName(SMALL) = %v, %v", p.Name, err)
	}
}

func BenchmarkGenerateModern(b *testing.B) {
	var events, size float64
	for i := 0; i < b.N; i++ {
		m, err := Generate(Options{Profile: ProfileModern, Seed: uint64(i) + 1})
		if err != nil {
			b.Fatal(err)
		}
		events += float64(m.Events())
		size += float64(m.Size())
	}
	b.ReportMetric(events/float64(b.N), "events/match")
	b.ReportMetric(size/float64(b.N)/1e6, "MB/match")
}

func BenchmarkGenerateSmall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Generate(Options{Profile: ProfileSmall, Seed: uint64(i) + 1}); err != nil {
			b.Fatal(err)
		}
	}
}
