package telemetry_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

func one(t *testing.T, js string) (*telemetry.Match, *telemetry.Event) {
	t.Helper()
	m, err := read(t, []byte(js), 0)
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	if len(m.Events) == 0 {
		return m, nil
	}
	return m, &m.Events[len(m.Events)-1]
}

// TestRealFormatTraps pins the decoding rules real telemetry exercises.
func TestRealFormatTraps(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	cases := []struct {
		name  string
		js    string
		check func(t *testing.T, m *telemetry.Match, ev *telemetry.Event)
	}{
		{"_T last", `[{"character":{"name":"a","teamId":3},"common":{"isGame":1},"_D":"2025-10-07T12:00:01.123Z","_T":"LogParachuteLanding"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev == nil || ev.Kind != telemetry.KindParachuteLanding || ev.Character.Name != "a" || ev.Character.TeamID != 3 || ev.IsGame != 1 {
					t.Fatalf("%+v", ev)
				}
			}},
		{"_D with 3 fraction digits", `[{"_T":"LogMatchEnd","_D":"2025-10-07T12:00:01.123Z"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Has&telemetry.HasTime == 0 || !ev.Time.Equal(ts("2025-10-07T12:00:01.123Z")) {
					t.Fatalf("%v", ev.Time)
				}
			}},
		{"_D with 7 fraction digits keeps them", `[{"_T":"LogMatchEnd","_D":"2025-10-07T12:00:01.1234567Z"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Time.Nanosecond() != 123456700 {
					t.Fatalf("%v", ev.Time)
				}
			}},
		{"_D with offset", `[{"_T":"LogMatchEnd","_D":"2025-10-07T14:00:01+02:00"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if !ev.Time.Equal(ts("2025-10-07T12:00:01Z")) || ev.Time.Location() != time.UTC {
					t.Fatalf("%v", ev.Time)
				}
			}},
		{"_D without a zone is UTC", `[{"_T":"LogMatchEnd","_D":"2025-10-07T12:00:01.5"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if !ev.Time.Equal(ts("2025-10-07T12:00:01.5Z")) {
					t.Fatalf("%v", ev.Time)
				}
			}},
		{"_D unparsable is absent", `[{"_T":"LogMatchEnd","_D":"yesterday"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Has&telemetry.HasTime != 0 {
					t.Fatal("time set")
				}
			}},
		{"isGame as float32 printed in full", `[{"_T":"LogMatchEnd","common":{"isGame":0.10000000149011612}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.IsGame != float64(float32(0.1)) || ev.Has&telemetry.HasIsGame == 0 {
					t.Fatalf("%v", ev.IsGame)
				}
			}},
		{"isGame 0 falls through to is_game", `[{"_T":"LogMatchEnd","common":{"isGame":0,"is_game":2}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.IsGame != 2 {
					t.Fatalf("%v", ev.IsGame)
				}
			}},
		{"isGame 0 without is_game is absent", `[{"_T":"LogMatchEnd","common":{"isGame":0}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Has&(telemetry.HasIsGame|telemetry.HasIsGameInvalid) != 0 {
					t.Fatalf("%b", ev.Has)
				}
			}},
		{"is_game 0 after a falsy isGame is a value", `[{"_T":"LogMatchEnd","common":{"isGame":null,"is_game":0}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Has&telemetry.HasIsGame == 0 || ev.IsGame != 0 {
					t.Fatalf("%b %v", ev.Has, ev.IsGame)
				}
			}},
		{"string isGame is invalid", `[{"_T":"LogMatchEnd","common":{"isGame":"1"}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Has&telemetry.HasIsGameInvalid == 0 || ev.Has&telemetry.HasIsGame != 0 {
					t.Fatalf("%b", ev.Has)
				}
			}},
		{"empty-string is_game after falsy isGame is invalid", `[{"_T":"LogMatchEnd","common":{"isGame":"","is_game":""}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Has&telemetry.HasIsGameInvalid == 0 {
					t.Fatalf("%b", ev.Has)
				}
			}},
		{"common not an object", `[{"_T":"LogMatchEnd","common":"x"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Has&(telemetry.HasIsGame|telemetry.HasIsGameInvalid) != 0 {
					t.Fatalf("%b", ev.Has)
				}
			}},
		{"teamId 0 and empty accountId sentinel", `[{"_T":"LogPlayerTakeDamage","attacker":{"name":"","teamId":0,"accountId":"","location":{}}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				a := ev.Attacker
				want := telemetry.CharHasName | telemetry.CharHasTeamID | telemetry.CharHasAccountID
				if a == nil || a.Has != want || a.TeamID != 0 {
					t.Fatalf("%+v", a)
				}
			}},
		{"LogMatchDefinition first with a later timestamp", `[{"_T":"LogMatchDefinition","_D":"2025-10-07T12:30:00Z"},{"_T":"LogMatchEnd","_D":"2025-10-07T12:00:00Z"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if len(m.Events) != 2 || m.Events[0].Kind != telemetry.KindMatchDefinition || !m.Events[0].Time.After(m.Events[1].Time) {
					t.Fatalf("%+v", m.Events)
				}
			}},
		{"unknown types are counted and dropped", `[{"_T":"LogItemPickup","character":"x","damage":"y"},{"_T":"LogMatchEnd"},{"_T":"LogSomethingNew"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if m.TotalEvents != 3 || len(m.Events) != 1 || ev.Index != 1 || m.Mismatches != 0 {
					t.Fatalf("%d %+v", m.TotalEvents, m.Events)
				}
			}},
		{"type used when _T is empty", `[{"_T":"","type":"LogMatchEnd"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev == nil || ev.Kind != telemetry.KindMatchEnd {
					t.Fatal(ev)
				}
			}},
		{"event_type used when _T and type are falsy", `[{"type":null,"event_type":"LogMatchEnd","_T":0}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev == nil || ev.Kind != telemetry.KindMatchEnd {
					t.Fatal(ev)
				}
			}},
		{"a truthy unknown _T wins over a known type", `[{"_T":"LogOther","type":"LogMatchEnd"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev != nil {
					t.Fatal(ev)
				}
			}},
		{"a non-string _T is an unknown type", `[{"_T":7,"type":"LogMatchEnd"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev != nil {
					t.Fatal(ev)
				}
			}},
		{"legacy LandParachute", `[{"_T":"LandParachute"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Kind != telemetry.KindParachuteLanding {
					t.Fatal(ev.Kind)
				}
			}},
		{"escaped key", `[{"\u005fT":"LogMatchEnd"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev == nil {
					t.Fatal("dropped")
				}
			}},
		{"duplicate key: last wins", `[{"_T":"LogPlayerPosition","character":"junk","character":{"name":"b"}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Character == nil || ev.Character.Name != "b" {
					t.Fatal(ev.Character)
				}
			}},
		{"falsy actors are absent", `[{"_T":"LogPlayerKillV2","victim":null,"finisher":{},"killer":"","attacker":[],"dBNOMaker":false}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Victim != nil || ev.Finisher != nil || ev.Killer != nil || ev.Attacker != nil || ev.DBNOMaker != nil {
					t.Fatalf("%+v", ev)
				}
			}},
		{"bad fields flagged where only flag-gated extractors read them", `[{"_T":"LogPlayerKillV2","victim":"v","finisher":[1],"attacker":{"name":"a","location":"here"}},{"_T":"LogPlayerPosition","character":"c"},{"_T":"LogPlayerPosition","character":{"location":"l"}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				k := m.Events[0]
				if k.Victim != nil || k.Finisher != nil || k.Attacker == nil || k.Attacker.Has&telemetry.CharHasLocation != 0 ||
					k.Bad != telemetry.BadVictim|telemetry.BadFinisher|telemetry.BadAttackerLocation ||
					m.Events[1].Bad != telemetry.BadCharacter || m.Events[2].Bad != telemetry.BadCharacterLocation {
					t.Fatalf("%+v", m.Events)
				}
				if k.Bad.Name() != "victim" || (telemetry.BadAttackerLocation).Name() != "attacker.location" {
					t.Fatal(k.Bad.Name())
				}
			}},
		{"_D text present but unparsable", `[{"_T":"LogMatchEnd","_D":"soon"},{"_T":"LogMatchEnd","_D":""}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if m.Events[0].Has&(telemetry.HasDText|telemetry.HasTime) != telemetry.HasDText || m.Events[1].Has&telemetry.HasDText != 0 {
					t.Fatal("HasDText")
				}
			}},
		{"truthy non-object where the kind never reads it", `[{"_T":"LogPlayerRevive","victim":"x","dBNOId":5}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Victim != nil || ev.DBNOID != 5 {
					t.Fatalf("%+v", ev)
				}
			}},
		{"location {} is not a location", `[{"_T":"LogPlayerPosition","character":{"name":"a","location":{}}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Character.Has&telemetry.CharHasLocation != 0 {
					t.Fatal("location set")
				}
			}},
		{"location with only unknown keys is truthy", `[{"_T":"LogPlayerPosition","character":{"name":"a","location":{"w":1}}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if h := ev.Character.Has; h&telemetry.CharHasLocation == 0 || h&telemetry.CharHasX != 0 {
					t.Fatalf("%b", h)
				}
			}},
		{"wrong-typed scalars are absent and counted", `[{"_T":"LogPlayerTakeDamage","damage":"12","damageCauserName":5,"attacker":{"name":"a","teamId":"3","health":true,"zone":[1]}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				a := ev.Attacker
				if m.Mismatches != 5 || ev.Has&(telemetry.HasDamage|telemetry.HasDamageCauserName) != 0 ||
					a.Has != telemetry.CharHasName || a.Zone != nil || m.FirstMismatch != "event 0 field damage" {
					t.Fatalf("%d %q %+v %+v", m.Mismatches, m.FirstMismatch, ev, a)
				}
			}},
		{"integral float ids", `[{"_T":"LogPlayerMakeGroggy","dBNOId":5.0,"attackId":1e3}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.DBNOID != 5 || ev.AttackID != 1000 || m.Mismatches != 0 {
					t.Fatalf("%+v", ev)
				}
			}},
		{"NaN and Infinity as CPython accepts them", `[{"_T":"LogPlayerTakeDamage","damage":NaN,"distance":-Infinity}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if !math.IsNaN(ev.Damage) || !math.IsInf(ev.Distance, -1) {
					t.Fatalf("%+v", ev)
				}
			}},
		{"numbers beyond the fast path", `[{"_T":"LogPlayerTakeDamage","damage":1.7976931348623157e308,"distance":123456789.123456789}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Damage != math.MaxFloat64 || ev.Distance != 123456789.123456789 {
					t.Fatalf("%v %v", ev.Damage, ev.Distance)
				}
			}},
		{"escaped and non-ASCII strings", `[{"_T":"LogPlayerPosition","character":{"name":"Zo\u00eb \ud83d\ude00 \"q\" 名前"}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if ev.Character.Name != "Zoë 😀 \"q\" 名前" {
					t.Fatalf("%q", ev.Character.Name)
				}
			}},
		{"item for LogItemUse, weapon for LogPlayerAttack", `[{"_T":"LogItemUse","item":{"itemId":"i","subCategory":"Heal"},"weapon":{"itemId":"w"}},{"_T":"LogPlayerAttack","item":{"itemId":"i"},"weapon":{"itemId":"w","subCategory":"Throwable"}}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if m.Events[0].ItemID != "i" || m.Events[0].ItemSubCategory != "Heal" || m.Events[1].ItemID != "w" || m.Events[1].ItemSubCategory != "Throwable" {
					t.Fatalf("%+v", m.Events)
				}
			}},
		{"empty object event", `[{},{"_T":"LogMatchEnd"}]`,
			func(t *testing.T, m *telemetry.Match, ev *telemetry.Event) {
				if m.TotalEvents != 2 || len(m.Events) != 1 {
					t.Fatal(m.TotalEvents)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, ev := one(t, c.js)
			c.check(t, m, ev)
		})
	}
}

func TestDuplicateTypeKeyLastWins(t *testing.T) {
	_, ev := one(t, `[{"_T":"LogUnknown","character":{"name":"a"},"_T":"LogPlayerPosition"}]`)
	if ev == nil || ev.Kind != telemetry.KindPlayerPosition || ev.Character == nil || ev.Character.Name != "a" {
		t.Fatalf("%+v", ev)
	}
}

// TestDuplicateTypeKeyAcrossRefills: the re-read of an event whose skipped
// fields turned out to be needed works when the event spans several buffer
// refills; past the re-read limit the file is refused rather than misread.
func TestDuplicateTypeKeyAcrossRefills(t *testing.T) {
	pad := strings.Repeat("p", 600<<10)
	_, ev := one(t, `[{"_T":"LogOther","pad":"`+pad+`","character":{"name":"a"},"_T":"LogPlayerPosition"}]`)
	if ev == nil || ev.Character == nil || ev.Character.Name != "a" {
		t.Fatalf("%+v", ev)
	}
	big := strings.Repeat("p", 3<<20)
	_, err := read(t, []byte(`[{"_T":"LogOther","pad":"`+big+`","_T":"LogPlayerPosition"}]`), 0)
	if telemetry.KindOf(err) != telemetry.ErrBadJSON {
		t.Fatalf("err = %v", err)
	}
	// Without a repeated _T the same event is simply skipped.
	m, err := read(t, []byte(`[{"_T":"LogOther","pad":"`+big+`"},{"_T":"LogMatchEnd"}]`), 0)
	if err != nil || len(m.Events) != 1 {
		t.Fatalf("m=%v err=%v", m, err)
	}
}
