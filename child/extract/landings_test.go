package extract

import (
	"context"
	"strings"
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

func readEvents(t *testing.T, jsonText string) []telemetry.Event {
	t.Helper()
	m, err := telemetry.Read(context.Background(), strings.NewReader(jsonText), "test.json", 1<<20)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return m.Events
}

func TestLandings(t *testing.T) {
	land := func(name, account, isGame string, extra string) string {
		return `{"_T":"LogParachuteLanding","character":{"name":"` + name + `","teamId":7,"health":100,"location":{"x":1.5,"y":2.5,"z":3.5},"accountId":"` + account + `"` + extra + `},"common":{"isGame":` + isGame + `},"_D":"2024-05-01T12:00:01.1234567Z"}`
	}
	tests := []struct {
		name  string
		input string
		want  []string // player ids, in order
	}{
		{"a real landing", `[` + land("a", "account.a", "1", "") + `]`, []string{"account.a"}},
		{"legacy LandParachute type", `[{"_T":"LandParachute","character":{"name":"a","accountId":"account.a"},"common":{"isGame":1}}]`, []string{"account.a"}},
		{"_T last in the object", `[{"character":{"name":"a","accountId":"account.a"},"common":{"isGame":2},"_T":"LogParachuteLanding"}]`, []string{"account.a"}},
		{"deduplicated by player: first landing wins", `[` + land("a", "account.a", "1", "") + `,` + land("a", "account.a", "1.5", "") + `]`, []string{"account.a"}},
		{"bots (ai.*) are not players", `[` + land("bot", "ai.12", "1", "") + `]`, nil},
		{"empty account id (sentinel) skipped", `[` + land("", "", "1", "") + `]`, nil},
		{"prefix is 'account', not 'account.'", `[` + land("x", "accountX", "1", "") + `]`, []string{"accountX"}},
		{"plane phase isGame 0.1 skipped", `[` + land("a", "account.a", "0.10000000149011612", "") + `]`, nil},
		{"isGame 0 skipped", `[` + land("a", "account.a", "0", "") + `]`, nil},
		{"isGame 0.5 skipped, a later 1.0 landing kept", `[` + land("a", "account.a", "0.5", "") + `,` + land("a", "account.a", "1", "") + `]`, []string{"account.a"}},
		{"missing common skipped", `[{"_T":"LogParachuteLanding","character":{"name":"a","accountId":"account.a"}}]`, nil},
		{"other event types ignored", `[{"_T":"LogPlayerPosition","character":{"name":"a","accountId":"account.a"},"common":{"isGame":1}}]`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Landings(readEvents(t, tc.input))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, l := range got {
				ids = append(ids, l.PlayerID)
			}
			if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("landings = %v, want %v", ids, tc.want)
			}
		})
	}
}

func TestLandingColumns(t *testing.T) {
	got, err := Landings(readEvents(t, `[{"_T":"LogParachuteLanding","character":{"name":"alice","teamId":7,"location":{"x":1.5,"y":2.5,"z":3.5},"accountId":"account.a"},"common":{"isGame":1.5}},
		{"_T":"LogParachuteLanding","character":{"name":"bob","accountId":"account.b","location":{}},"common":{"isGame":1}}]`))
	if err != nil || len(got) != 2 {
		t.Fatalf("got %d landings (%v)", len(got), err)
	}
	a := got[0]
	if a.PlayerName != s("alice") || a.TeamID != i(7) || a.Location != loc(1.5, 2.5, 3.5) || a.IsGame != 1.5 {
		t.Fatalf("alice = %+v", a)
	}
	b := got[1]
	if b.TeamID.Valid || b.Location != (Loc{}) {
		t.Fatalf("bob has no team and an empty location; the columns must be NULL: %+v", b)
	}
}
