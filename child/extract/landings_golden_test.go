package extract

import (
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

func TestLandingsGolden(t *testing.T) {
	events := decode(t,
		`{"_T":"LogParachuteLanding","common":{"isGame":0.5},"character":`+ch("Early", 1, "account.e", 1, 2, 3)+`}`,
		`{"_T":"LogParachuteLanding","common":{"isGame":1},"character":`+ch("P", 7, "account.p", 10.5, 20.25, 30)+`}`,
		`{"_T":"LogParachuteLanding","common":{"isGame":1.5},"character":`+ch("P again", 7, "account.p", 0, 0, 0)+`}`,
		`{"_T":"LogParachuteLanding","common":{"isGame":1},"character":{"accountId":"ai.5","name":"bot"}}`,
		`{"_T":"LogParachuteLanding","common":{"isGame":1},"character":{"accountId":"","teamId":0}}`,
		`{"_T":"LandParachute","common":{"isGame":0,"is_game":2},"character":{"accountId":"accountX"}}`,
		`{"_T":"LogParachuteLanding","common":{"isGame":"1"},"character":{"accountId":"ai.6"}}`,
	)
	got, err := Landings(events)
	if err != nil {
		t.Fatal(err)
	}
	want := []Landing{
		{PlayerID: "account.p", PlayerName: s("P"), TeamID: i(7), Location: loc(10.5, 20.25, 30), IsGame: 1},
		{PlayerID: "accountX", IsGame: 2},
	}
	same(t, got, want)

	bad := decode(t, `{"_T":"LogParachuteLanding","common":{"isGame":"1"},"character":{"accountId":"account.q"}}`)
	if _, err := Landings(bad); telemetry.KindOf(err) != telemetry.ErrWrongType {
		t.Fatalf("err = %v", err)
	}
}
