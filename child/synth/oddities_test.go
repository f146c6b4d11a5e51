package synth

import (
	"bytes"
	"regexp"
	"testing"
)

// TestOddities: Options.Oddities writes each awkward case it promises, the
// simulation underneath is the one without it, and without it none of the
// cases appears.
func TestOddities(t *testing.T) {
	seen := map[string]int{}
	for _, seed := range []uint64{1, 2, 3} {
		opts := Options{Profile: ProfileSmall, Seed: seed, GameMode: "squad-fpp"}
		plain, err := Generate(opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Oddities, opts.NPCs, opts.KillCauserTopLevel = true, true, true
		odd, err := Generate(opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(odd.Players) != len(plain.Players) {
			t.Fatalf("seed %d: %d players with oddities, %d without", seed, len(odd.Players), len(plain.Players))
		}
		npcs, team0, bigTeam := 0, 0, 0
		for i, p := range odd.Players {
			q := plain.Players[i]
			if p.Kills != q.Kills || p.Died != q.Died || p.TeamRank != q.TeamRank || p.Bot != q.Bot || p.AccountID != q.AccountID {
				t.Errorf("seed %d: player %d went %+v with oddities, %+v without", seed, i, p, q)
			}
			switch p.Name {
			case "Guard", "Commander", "Soldier", "ai_alpha", "AI_bravo", "Pillar", "SkySoldier", "ai_charlie":
				npcs++
				if !p.Bot {
					t.Errorf("seed %d: human %s has an NPC name", seed, p.Name)
				}
			}
			if p.TeamID == 0 {
				team0++
			}
			if p.TeamID > len(odd.Players)/4 {
				bigTeam++
			}
		}
		if npcs == 0 || team0 != 4 || bigTeam == 0 {
			t.Errorf("seed %d: %d NPC-named bots, %d players on team 0, %d on a team id past the team count; want >0, 4, >0", seed, npcs, team0, bigTeam)
		}
		var pb, ob bytes.Buffer
		if _, err := plain.WriteTo(&pb); err != nil {
			t.Fatal(err)
		}
		if _, err := odd.WriteTo(&ob); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			what string
			re   *regexp.Regexp
		}{
			{"empty location", regexp.MustCompile(`"location":\{\}`)},
			{"character without location", regexp.MustCompile(`\{"name":"[^"]*","teamId":\d+,"health":[^,]+,"ranking"`)},
			{"character without teamId", regexp.MustCompile(`\{"name":"[^"]*","health":`)},
			{"character with an empty name", regexp.MustCompile(`\{"name":"","teamId":[1-9]`)},
			{"character without accountId", regexp.MustCompile(`"individualRanking":\d+,"isInBlueZone"`)},
			{"zero damage", regexp.MustCompile(`"damage":0,`)},
			{"same-team damage", regexp.MustCompile(`"attackId":20000000\d\d`)},
			{"top-level causer on a kill", regexp.MustCompile(`"isEngineOn":(true|false),"location":\{[^}]*\}\},"damageCauserName":"[^"]+"`)},
		} {
			seen[c.what] += len(c.re.FindAllIndex(ob.Bytes(), -1))
			if c.what != "zero damage" && c.re.Match(pb.Bytes()) {
				t.Errorf("seed %d: %s without oddities", seed, c.what)
			}
		}
		if back := backwards(odd); back == 0 {
			t.Errorf("seed %d: no event earlier than the one before it", seed)
		}
		if back := backwards(plain); back != 0 {
			t.Errorf("seed %d: %d events out of order without oddities", seed, back)
		}
	}
	t.Logf("over 3 matches: %v", seen)
	for _, what := range []string{"empty location", "character without location", "character without teamId", "character with an empty name",
		"character without accountId", "zero damage", "same-team damage", "top-level causer on a kill"} {
		if seen[what] == 0 {
			t.Errorf("no %s in 3 matches with oddities", what)
		}
	}
}

// backwards counts the events (after the first) whose _D is earlier than the
// previous event's.
func backwards(m *Match) int {
	re := regexp.MustCompile(`"_D":"([^"]+)"`)
	n, prev := 0, ""
	for i := 1; i < m.Events(); i++ {
		d := re.FindSubmatch(m.event(i))
		if d == nil {
			continue
		}
		// 3 and 7 digit fractions: compare on the common prefix length.
		cur := string(d[1][:23])
		if prev != "" && cur < prev {
			n++
		}
		prev = cur
	}
	return n
}
