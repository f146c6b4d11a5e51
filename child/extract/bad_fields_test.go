package extract

import (
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

// TestBadFieldsFailWhereTheReferenceDoes: an object field holding a truthy
// non-object fails the match at the point the reference's `.get` would
// have raised, and only there (the expectations were checked against the
// reference's extractors).
func TestBadFieldsFailWhereTheReferenceDoes(t *testing.T) {
	type run func([]telemetry.Event) error
	kills := func(e []telemetry.Event) error { _, err := KillPositions(e); return err }
	weapons := func(e []telemetry.Event) error { _, err := WeaponKills(e); return err }
	damage := func(e []telemetry.Event) error {
		_, err := DamageEvents(e, map[string]struct{}{"T": {}})
		return err
	}
	finishing := func(e []telemetry.Event) error { _, _, err := Finishing(e); return err }
	cases := []struct {
		name  string
		event string
		fn    run
		field string // "" = no failure
	}{
		{"kill victim read first", `{"_T":"LogPlayerKillV2","victim":"v"}`, kills, "victim"},
		{"kill finisher read first", `{"_T":"LogPlayerKillV2","finisher":1,"victim":{"accountId":"ai.1"}}`, kills, "finisher"},
		{"kill victim location after the filters", `{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"accountId":"account.v","location":"x"}}`, kills, "victim.location"},
		{"kill victim location of a filtered kill", `{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"accountId":"ai.v","location":"x"}}`, kills, ""},
		{"kill dBNOMaker is never read by the reference's rule", `{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"accountId":"account.v"},"dBNOMaker":"m"}`, kills, ""},
		{"weapon kill finisher", `{"_T":"LogPlayerKillV2","finisher":"f"}`, weapons, "finisher"},
		{"weapon kill location after the filters", `{"_T":"LogPlayerKillV2","common":{"isGame":1},"finisher":{"name":"f","location":[1]},"victim":{"name":"v"}}`, weapons, "finisher.location"},
		{"weapon kill location of an unnamed kill", `{"_T":"LogPlayerKillV2","common":{"isGame":1},"finisher":{"location":[1]},"victim":{"name":"v"}}`, weapons, ""},
		{"damage location of a tracked event", `{"_T":"LogPlayerTakeDamage","common":{"isGame":1},"attacker":{"name":"T","location":"x"},"victim":{"name":"v"}}`, damage, "attacker.location"},
		{"damage location of an untracked event", `{"_T":"LogPlayerTakeDamage","common":{"isGame":1},"attacker":{"name":"U","location":"x"},"victim":{"name":"v"}}`, damage, ""},
		{"timeline reads every actor of a timed event", `{"_T":"LogPlayerKillV2",` + stamp("12:00:00") + `,"finisher":"f"}`, finishing, "finisher"},
		{"timeline skips events without _D", `{"_T":"LogPlayerPosition","character":"c"}`, finishing, ""},
		{"timeline reads an unparsable _D too", `{"_T":"LogPlayerPosition","_D":"soon","character":"c"}`, finishing, "character"},
		{"instant kill finisher without _D", `{"_T":"LogPlayerKillV2","dBNOId":-1,"finisher":"f"}`, finishing, "finisher"},
		{"knocker location", `{"_T":"LogPlayerMakeGroggy","dBNOId":1,"attacker":{"name":"a","teamId":1,"location":"x"},"victim":{"name":"v"}}`, finishing, "attacker.location"},
		{"location of an unnamed knocker", `{"_T":"LogPlayerMakeGroggy","dBNOId":1,"attacker":{"teamId":1,"location":"x"},"victim":{"name":"v"}}`, finishing, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.fn(decode(t, c.event))
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected failure: %v", err)
				}
				return
			}
			var te *telemetry.Error
			if telemetry.KindOf(err) != telemetry.ErrWrongType || !asError(err, &te) || te.Field != c.field {
				t.Fatalf("err = %v, want WrongFieldType on %s", err, c.field)
			}
		})
	}
}

func asError(err error, te **telemetry.Error) bool {
	e, ok := err.(*telemetry.Error)
	*te = e
	return ok
}
