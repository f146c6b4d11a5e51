package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
)

// TestTablesAgainstReference runs generated matches through both these
// extractors and the reference's own (testdata/reference_tables.py, under
// CPython 3.12) and requires identical rows in every column the port does
// not deliberately fix (docs/PARITY.md). Events are shuffled locally so
// timestamps go backwards and ties occur. It runs only when PEWSTATS_REF
// points at the reference checkout:
//
//	PEWSTATS_REF=/work/ref/pewstats PEWSTATS_PYTHON=python3.12 go test ./child/extract -run TablesAgainstReference
//
// PEWSTATS_ORACLE_MATCHES sets how many seeds to try (default 4; each seed
// is two matches); see refenv_test.go.
func TestTablesAgainstReference(t *testing.T) {
	o := requireReference(t)
	ref, py := o.ref, o.py
	n := oracleMatches(t, 4)
	type input struct {
		name    string
		js      []byte
		tracked []string
	}
	var inputs []input
	for seed := 1; seed <= n; seed++ {
		// A small match with NPC-named bots and Options.Oddities (damaged
		// characters, team 0, zero and same-team damage), shuffled.
		om, err := synth.Generate(synth.Options{Profile: synth.ProfileSmall, Seed: uint64(100 + seed), NPCs: true, Oddities: true, TrackedFraction: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{fmt.Sprintf("synth oddities %d %s", seed, om.GameMode),
			shuffled(t, om.Bytes(synth.EncodingPlain), uint64(seed)), trackedNames(om)})
		// child/synth: real files' key order and traps, in several modes.
		sm, err := synth.Generate(synth.Options{Seed: uint64(seed), TrackedFraction: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := sm.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{fmt.Sprintf("synth %d %s", seed, sm.GameMode), b.Bytes(), trackedNames(sm)})
	}
	for _, in := range inputs {
		js, tracked := in.js, in.tracked
		want := runTablesReference(t, py, ref, js, tracked)
		m, err := telemetry.Read(context.Background(), bytes.NewReader(js), "oracle", 0)
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]struct{}{}
		for _, n := range tracked {
			set[n] = struct{}{}
		}
		got := map[string][]map[string]any{}
		landings, _ := Landings(m.Events)
		for _, r := range landings {
			row := map[string]any{"player_id": r.PlayerID, "player_name": jv(r.PlayerName), "team_id": jv(r.TeamID), "is_game": r.IsGame}
			locCols(row, "%s_coordinate", r.Location)
			got["landings"] = append(got["landings"], row)
		}
		kills, _ := KillPositions(m.Events)
		for _, r := range kills {
			row := map[string]any{"attack_id": jv(r.AttackID), "victim_name": jv(r.VictimName), "victim_team_id": jv(r.VictimTeamID),
				"victim_in_blue_zone": r.VictimInBlueZone, "victim_in_vehicle": r.VictimInVehicle,
				"finisher_name": jv(r.FinisherName), "finisher_team_id": jv(r.FinisherTeamID), "is_game": r.IsGame}
			locCols(row, "victim_%s_location", r.Victim)
			locCols(row, "finisher_%s_location", r.Finisher)
			got["kills"] = append(got["kills"], row)
		}
		weapons, _ := WeaponKills(m.Events)
		for _, r := range weapons {
			row := map[string]any{"event_timestamp": jv(r.EventTimestamp), "killer_name": r.KillerName, "killer_team_id": jv(r.KillerTeamID),
				"victim_name": r.VictimName, "victim_team_id": jv(r.VictimTeamID), "is_blue_zone": r.IsBlueZone, "is_red_zone": r.IsRedZone,
				"killer_in_vehicle": r.KillerInVehicle, "victim_in_vehicle": r.VictimInVehicle}
			locCols(row, "killer_%s", r.Killer)
			locCols(row, "victim_%s", r.Victim)
			got["weapons"] = append(got["weapons"], row)
		}
		damage, _ := DamageEvents(m.Events, set)
		for _, r := range damage {
			row := map[string]any{"attacker_name": jv(r.AttackerName), "attacker_team_id": jv(r.AttackerTeamID), "attacker_health": jv(r.AttackerHealth),
				"victim_name": r.VictimName, "victim_team_id": jv(r.VictimTeamID), "victim_health": jv(r.VictimHealth),
				"damage_type_category": jv(r.DamageTypeCategory), "damage_reason": jv(r.DamageReason), "damage": jv(r.Damage),
				"weapon_id": jv(r.WeaponID), "event_timestamp": jv(r.EventTimestamp)}
			locCols(row, "attacker_location_%s", r.Attacker)
			locCols(row, "victim_location_%s", r.Victim)
			got["damage"] = append(got["damage"], row)
		}
		knocks, sums, err := Finishing(m.Events)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range knocks {
			got["knocks"] = append(got["knocks"], knockView(r))
		}
		for _, s := range sums {
			got["summaries"] = append(got["summaries"], summaryView(s))
		}
		for _, table := range []string{"landings", "kills", "weapons", "damage", "knocks", "summaries"} {
			compareTable(t, in.name+" "+table, got[table], want[table])
		}
	}
}

func knockView(r KnockEvent) map[string]any {
	row := map[string]any{"dbno_id": float64(r.DBNOID), "attack_id": jv(r.AttackID), "attacker_name": r.AttackerName,
		"attacker_team_id": jv(r.AttackerTeamID), "attacker_account_id": jv(r.AttackerAccountID), "attacker_health": jv(r.AttackerHealth),
		"victim_name": jv(r.VictimName), "victim_team_id": jv(r.VictimTeamID), "victim_account_id": jv(r.VictimAccountID),
		"damage_reason": jv(r.DamageReason), "damage_type_category": jv(r.DamageTypeCategory), "knock_weapon": jv(r.KnockWeapon),
		"knock_weapon_attachments": r.KnockWeaponAttachments, "victim_weapon": jv(r.VictimWeapon),
		"victim_weapon_attachments": r.VictimWeaponAttachments, "knock_distance": r.KnockDistance,
		"is_attacker_in_vehicle": r.IsAttackerInVehicle, "is_through_penetrable_wall": r.IsThroughPenetrableWall,
		"is_blue_zone": r.IsBlueZone, "is_red_zone": r.IsRedZone, "zone_name": jv(r.ZoneName), "outcome": r.Outcome,
		"finisher_name": jv(r.FinisherName), "finisher_is_self": r.FinisherIsSelf, "finisher_is_teammate": r.FinisherIsTeammate,
		"time_to_finish": jv(r.TimeToFinish), "event_timestamp": jv(r.EventTimestamp)}
	locCols(row, "attacker_location_%s", r.Attacker)
	locCols(row, "victim_location_%s", r.Victim)
	for pre, m := range map[string]TeamMetrics{"": r.Team, "victim_": r.VictimTeam} {
		row[pre+"nearest_teammate_distance"] = jv(m.Nearest)
		row[pre+"avg_teammate_distance"] = jv(m.Avg)
		row[pre+"teammates_within_50m"] = float64(m.Within50)
		row[pre+"teammates_within_100m"] = float64(m.Within100)
		row[pre+"teammates_within_200m"] = float64(m.Within200)
		row[pre+"team_spread_variance"] = jv(m.Variance)
		row[pre+"total_teammates_alive"] = float64(m.Alive)
		row[pre+"teammate_positions"] = m.PositionsJSON
	}
	return row
}

func summaryView(s FinishingSummary) map[string]any {
	return map[string]any{"player_name": s.PlayerName, "player_account_id": jv(s.PlayerAccountID), "team_id": float64(s.TeamID),
		"total_knocks": float64(s.TotalKnocks), "knocks_converted_self": float64(s.KnocksConvertedSelf),
		"knocks_finished_by_teammates": float64(s.KnocksFinishedByTeammates), "knocks_revived_by_enemy": float64(s.KnocksRevivedByEnemy),
		"instant_kills": float64(s.InstantKills), "finishing_rate": jv(s.FinishingRate), "avg_time_to_finish_self": jv(s.AvgTimeToFinishSelf),
		"avg_time_to_finish_teammate": jv(s.AvgTimeToFinishTeammate), "avg_knock_distance": jv(s.AvgKnockDistance),
		"min_knock_distance": jv(s.MinKnockDistance), "max_knock_distance": jv(s.MaxKnockDistance),
		"knocks_cqc_0_10m": float64(s.KnocksCQC), "knocks_close_10_50m": float64(s.KnocksClose), "knocks_medium_50_100m": float64(s.KnocksMedium),
		"knocks_long_100_200m": float64(s.KnocksLong), "knocks_very_long_200m_plus": float64(s.KnocksVeryLong),
		"avg_nearest_teammate_distance": jv(s.AvgNearestTeammate), "avg_team_spread": jv(s.AvgTeamSpread),
		"knocks_with_teammate_within_50m": float64(s.KnocksWithTeammate50), "knocks_with_teammate_within_100m": float64(s.KnocksWithTeammate100),
		"knocks_isolated_200m_plus": float64(s.KnocksIsolated200), "headshot_knock_count": float64(s.HeadshotKnocks),
		"wallbang_knock_count": float64(s.WallbangKnocks), "vehicle_knock_count": float64(s.VehicleKnocks)}
}

// jv turns an optional into what json.Unmarshal gives for the reference's
// value: nil for None, float64 for numbers.
func jv(v any) any {
	switch o := v.(type) {
	case Opt[string]:
		return optAny(o.V, o.Valid)
	case Opt[float64]:
		return optAny(o.V, o.Valid)
	case Opt[int64]:
		return optAny(float64(o.V), o.Valid)
	case Opt[time.Time]:
		return optAny(o.V, o.Valid)
	}
	return v
}

func optAny(v any, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

func locCols(row map[string]any, pattern string, l Loc) {
	row[fmt.Sprintf(pattern, "x")], row[fmt.Sprintf(pattern, "y")], row[fmt.Sprintf(pattern, "z")] = jv(l.X), jv(l.Y), jv(l.Z)
}

// compareTable checks every column the Go view has against the reference
// row; columns only the reference has are the fixed or constant ones.
func compareTable(t *testing.T, what string, got []map[string]any, want []map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, reference %d", what, len(got), len(want))
		return
	}
	bad := 0
	for i := range want {
		for col, g := range got[i] {
			w := want[i][col]
			if tm, ok := g.(time.Time); ok {
				s, _ := w.(string)
				wt, err := time.Parse(time.RFC3339Nano, s)
				if err != nil || !wt.Equal(tm) {
					t.Errorf("%s row %d %s: %v, reference %v", what, i, col, tm, w)
					bad++
				}
				continue
			}
			if g != w && !(powColumns[col] && withinULPs(g, w, 4)) {
				t.Errorf("%s row %d %s: %#v, reference %#v", what, i, col, g, w)
				bad++
			}
			if bad > 20 {
				t.Fatalf("%s: too many differences", what)
			}
		}
	}
}

// powColumns are computed from `(x - mean) ** 2` of arbitrary doubles.
// CPython squares with libm's pow(), which glibc does not always round
// correctly (about 1 square in 1,200 differs from x*x by one ulp), so these
// may differ in the last bits; NUMERIC(10,2) hides that unless the value
// lies within ~1e-13 of a rounding boundary. Distances square differences
// of single-precision coordinates, which are exact, and must match exactly.
var powColumns = map[string]bool{"team_spread_variance": true, "victim_team_spread_variance": true}

func withinULPs(a, b any, n uint64) bool {
	x, ok1 := a.(float64)
	y, ok2 := b.(float64)
	if !ok1 || !ok2 || math.Signbit(x) != math.Signbit(y) {
		return false
	}
	d := int64(math.Float64bits(x)) - int64(math.Float64bits(y))
	if d < 0 {
		d = -d
	}
	return uint64(d) <= n
}

func runTablesReference(t *testing.T, py, ref string, events []byte, tracked []string) map[string][]map[string]any {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"events": json.RawMessage(events), "tracked": tracked})
	cmd := exec.Command(py, filepath.Join("testdata", "reference_tables.py"))
	cmd.Env = append(os.Environ(), "PEWSTATS_REF="+ref)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference: %v\n%s", err, stderr.String())
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	tables := map[string][]map[string]any{}
	for k, v := range res {
		var rows []map[string]any
		if err := json.Unmarshal(v, &rows); err != nil {
			t.Fatalf("reference %s: %s (%v)", k, v, err)
		}
		tables[k] = rows
	}
	return tables
}

// shuffled moves each event up to 20 places, so timestamps go backwards
// and the timeline's insertion order differs from time order.
func shuffled(t *testing.T, js []byte, seed uint64) []byte {
	var evs []json.RawMessage
	if err := json.Unmarshal(js, &evs); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 9))
	for i := range evs {
		j := i + r.IntN(min(20, len(evs)-i))
		evs[i], evs[j] = evs[j], evs[i]
	}
	out, _ := json.Marshal(evs)
	return out
}

// trackedNames are the names of a generated match's tracked players.
func trackedNames(m *synth.Match) []string {
	var out []string
	for _, p := range m.Players {
		if p.Tracked {
			out = append(out, p.Name)
		}
	}
	return out
}
