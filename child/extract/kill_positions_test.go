package extract

import (
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

func TestKillPositions(t *testing.T) {
	full := `{"_T":"LogPlayerKillV2","attackId":42,"dBNOId":7,"common":{"isGame":1.5},` + stamp("12:10:00.000") + `,
		"victim":` + ch("V", 2, "account.v", 100.5, 200.25, 300, `"isInBlueZone":true,"isInVehicle":true,"zone":["pochinki"]`) + `,
		"dBNOMaker":` + ch("M", 1, "account.m", 1, 2, 3, `"zone":["school","ruins"]`) + `,
		"dBNODamageInfo":{"damageReason":"HeadShot","damageTypeCategory":"Damage_Gun","damageCauserName":"WeapAK47_C","distance":1234.5},
		"finisher":` + ch("F", 1, "account.f", 4, 5, 6) + `,
		"finishDamageInfo":{"damageReason":"TorsoShot","damageTypeCategory":"Damage_Punch","damageCauserName":"PlayerMale_A_C","distance":80}}`
	cases := []struct {
		name   string
		events []string
		want   []KillPosition
		err    bool
	}{
		{name: "every column", events: []string{full}, want: []KillPosition{{
			AttackID: i(42), DBNOID: i(7), VictimName: s("V"), VictimTeamID: i(2), Victim: loc(100.5, 200.25, 300),
			VictimInBlueZone: true, VictimInVehicle: true, KilledInZone: s(`["pochinki"]`),
			DBNOMakerName: s("M"), DBNOMakerTeamID: i(1), DBNOMaker: loc(1, 2, 3), DBNOMakerZone: s(`["school", "ruins"]`),
			DBNODamageReason: s("HeadShot"), DBNODamageCategory: s("WeapAK47_C"), DBNODamageCauserName: s("WeapAK47_C"),
			DBNODamageCauserDistance: f(1234.5),
			FinisherName:             s("F"), FinisherTeamID: i(1), Finisher: loc(4, 5, 6),
			FinisherDamageReason: s("TorsoShot"), FinisherDamageCategory: s("Damage_Punch"),
			FinisherDamageCauserName: s("PlayerMale_A_C"), FinisherDamageCauserDistance: f(80),
			IsGame: 1.5,
		}}},
		{name: "instant kill: no maker, missing fields are NULL", events: []string{
			`{"_T":"LogPlayerKillV2","dBNOId":-1,"common":{"isGame":1},"victim":{"accountId":"account.v","location":{"x":1}},"dBNOMaker":null,"finisher":{}}`,
		}, want: []KillPosition{{DBNOID: i(-1), Victim: Loc{X: f(1)}, IsGame: 1}}},
		{name: "victim filters", events: []string{
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"accountId":"ai.1234"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"accountId":"accountX"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"accountId":"","teamId":0}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"name":"noaccount"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1}}`,
		}},
		{name: "isGame filters", events: []string{
			`{"_T":"LogPlayerKillV2","common":{"isGame":0.5},"victim":{"accountId":"account.a"}}`,
			`{"_T":"LogPlayerKillV2","common":{},"victim":{"accountId":"account.b"}}`,
			`{"_T":"LogPlayerKillV2","victim":{"accountId":"account.c"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":0,"is_game":1},"victim":{"accountId":"account.d"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":0.9999},"victim":{"accountId":"account.e"}}`,
		}, want: []KillPosition{{IsGame: 1}}},
		{name: "string isGame after a bad victim is never compared", events: []string{
			`{"_T":"LogPlayerKillV2","common":{"isGame":"2"},"victim":{"accountId":"ai.1"}}`,
		}},
		{name: "string isGame on a counted kill fails the match", events: []string{
			`{"_T":"LogPlayerKillV2","common":{"isGame":"2"},"victim":{"accountId":"account.1"}}`,
		}, err: true},
		{name: "other kinds ignored", events: []string{
			`{"_T":"LogPlayerTakeDamage","common":{"isGame":1},"victim":{"accountId":"account.1"}}`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := KillPositions(decode(t, c.events...))
			if c.err {
				if telemetry.KindOf(err) != telemetry.ErrWrongType {
					t.Fatalf("err = %v, want %s", err, telemetry.ErrWrongType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			same(t, got, c.want)
		})
	}
}
