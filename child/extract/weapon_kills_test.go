package extract

import (
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

func TestWeaponKills(t *testing.T) {
	cases := []struct {
		name   string
		events []string
		want   []WeaponKill
		err    bool
	}{
		{name: "every column", events: []string{
			`{"_T":"LogPlayerKillV2","dBNOId":3,"common":{"isGame":2},` + stamp("12:20:30.1234567") + `,
			"finisher":` + ch("K", 4, "account.k", 10, 20, 30, `"isInVehicle":true`) + `,
			"victim":` + ch("V", 5, "account.v", 40, 50, 60, `"isInBlueZone":true,"isInRedZone":true`) + `,
			"killer":` + ch("Other", 9, "account.o", 0, 0, 0) + `,
			"finishDamageInfo":{"damageReason":"HeadShot","damageTypeCategory":"Damage_Gun","damageCauserName":"WeapM416_C","distance":15234.5},
			"killerDamageInfo":{"damageCauserName":"ignored"}}`,
		}, want: []WeaponKill{{
			EventTimestamp: tm(t, "12:20:30.1234567"), KillerName: "K", KillerTeamID: i(4), Killer: loc(10, 20, 30),
			VictimName: "V", VictimTeamID: i(5), Victim: loc(40, 50, 60), WeaponID: "WeapM416_C",
			DamageType: s("Damage_Gun"), DamageReason: s("HeadShot"), Distance: f(15234.5), IsKnockDown: true,
			IsBlueZone: true, IsRedZone: true, KillerInVehicle: true,
		}}},
		{name: "no finish damage info: Unknown weapon; knock flags from dBNOId", events: []string{
			`{"_T":"LogPlayerKillV2","dBNOId":-1,"common":{"isGame":1},"finisher":{"name":"K"},"victim":{"name":"V"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"finisher":{"name":"K"},"victim":{"name":"V"},"finishDamageInfo":{"damageCauserName":""}}`,
			`{"_T":"LogPlayerKillV2","dBNOId":0,"common":{"isGame":1},"finisher":{"name":"K"},"victim":{"name":"V"},"finishDamageInfo":{"distance":0}}`,
		}, want: []WeaponKill{
			{KillerName: "K", VictimName: "V", WeaponID: "Unknown"},
			{KillerName: "K", VictimName: "V", WeaponID: ""},
			{KillerName: "K", VictimName: "V", WeaponID: "Unknown", Distance: f(0)},
		}},
		{name: "name filters", events: []string{
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"victim":{"name":"V"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"finisher":{"name":""},"victim":{"name":"V"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"finisher":{"name":"K"},"victim":{"name":""}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":1},"finisher":{"name":"K"}}`,
			`{"_T":"LogPlayerKillV2","common":{"isGame":0.5},"finisher":{"name":"K"},"victim":{"name":"V"}}`,
		}},
		{name: "string isGame on a named kill fails the match", events: []string{
			`{"_T":"LogPlayerKillV2","common":{"isGame":[1]},"finisher":{"name":"K"},"victim":{"name":"V"}}`,
		}, err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := WeaponKills(decode(t, c.events...))
			if c.err {
				if telemetry.KindOf(err) != telemetry.ErrWrongType {
					t.Fatalf("err = %v", err)
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

func TestDamageEvents(t *testing.T) {
	tracked := map[string]struct{}{"T1": {}, "T2": {}}
	dmg := func(att, vic string, extra string) string {
		return `{"_T":"LogPlayerTakeDamage","common":{"isGame":1},` + stamp("12:00:05.500") + `,"attacker":` + att + `,"victim":` + vic + extra + `}`
	}
	cases := []struct {
		name   string
		events []string
		want   []DamageEvent
		err    bool
	}{
		{name: "tracked attacker, every column", events: []string{
			dmg(`{"name":"T1","teamId":1,"health":87.5,"location":{"x":1.5,"y":2.5,"z":3.5}}`,
				`{"name":"X","teamId":2,"health":40,"location":{"x":4,"y":5,"z":6}}`,
				`,"damage":12.75,"damageTypeCategory":"Damage_Gun","damageReason":"ArmShot","damageCauserName":"WeapAK47_C"`),
		}, want: []DamageEvent{{
			AttackerName: s("T1"), AttackerTeamID: i(1), AttackerHealth: f(87.5), Attacker: loc(1.5, 2.5, 3.5),
			VictimName: "X", VictimTeamID: i(2), VictimHealth: f(40), Victim: loc(4, 5, 6),
			DamageTypeCategory: s("Damage_Gun"), DamageReason: s("ArmShot"), Damage: f(12.75), WeaponID: s("WeapAK47_C"),
			EventTimestamp: tm(t, "12:00:05.500"),
		}}},
		{name: "tracked victim, no attacker (blue zone)", events: []string{
			dmg(`null`, `{"name":"T2"}`, `,"damageTypeCategory":"Damage_BlueZone"`),
		}, want: []DamageEvent{{VictimName: "T2", DamageTypeCategory: s("Damage_BlueZone"), EventTimestamp: tm(t, "12:00:05.500")}}},
		{name: "filters", events: []string{
			dmg(`{"name":"X"}`, `{"name":"Y"}`, ``),  // nobody tracked
			dmg(`{"name":"T1"}`, `{"teamId":1}`, ``), // victim without a name
			dmg(`{"name":"T1"}`, `{"name":""}`, ``),  // empty victim name
			`{"_T":"LogPlayerTakeDamage","common":{"isGame":0.5},"attacker":{"name":"T1"},"victim":{"name":"Y"}}`,
			`{"_T":"LogPlayerTakeDamage","attacker":{"name":"T1"},"victim":{"name":"Y"}}`,
		}},
		{name: "bad isGame fails before the tracked filter", events: []string{
			`{"_T":"LogPlayerTakeDamage","common":{"isGame":"x"},"attacker":{"name":"X"},"victim":{"name":"Y"}}`,
		}, err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DamageEvents(decode(t, c.events...), tracked)
			if c.err {
				if telemetry.KindOf(err) != telemetry.ErrWrongType {
					t.Fatalf("err = %v", err)
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
