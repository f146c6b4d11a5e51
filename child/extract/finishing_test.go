package extract

import (
	"testing"
)

func pos(ts, name string, team int, x, y, z float64) string {
	return `{"_T":"LogPlayerPosition",` + stamp(ts) + `,"character":` + ch(name, team, "", x, y, z) + `}`
}

// TestFinishingGolden walks every branch of extract_finishing_metrics on a
// hand-built match; the expected rows were worked out by hand from the
// reference's rules (distances are 3-4-5 triangles so they are exact).
func TestFinishingGolden(t *testing.T) {
	events := decode(t,
		`{"_T":"LogMatchDefinition",`+stamp("12:30:00")+`}`,
		// Around knock 1 (12:01:40). A2 is seen twice 2 s away: the
		// timestamp inserted first (12:01:42, though later in time) wins
		// the tie. A3 is written twice at 12:01:45 (exactly 5 s: inside);
		// the later write wins. 12:01:34.999 is 5.001 s away: outside.
		pos("12:01:42.000", "A2", 1, 3000, 4000, 0),
		pos("12:01:38.000", "A2", 1, 300, 400, 0),
		pos("12:01:45.000", "A3", 1, 0, 0, 0),
		pos("12:01:45.000", "A3", 1, 6000, 8000, 0),
		pos("12:01:34.999", "A3", 1, 0, 0, 0),
		pos("12:01:40.500", "V2", 2, 1000, 20000, 0),
		`{"_T":"LogPlayerMakeGroggy","dBNOId":1,"attackId":77,`+stamp("12:01:40.000")+`,
		  "attacker":`+ch("A", 1, "account.a", 0, 0, 0, `"health":87.5,"isInBlueZone":true,"zone":["pochinki","school"]`)+`,
		  "victim":`+ch("V", 2, "account.v", 1000, 0, 0)+`,
		  "damageReason":"HeadShot","damageTypeCategory":"Damage_Gun","damageCauserName":"WeapHK416_C",
		  "damageCauserAdditionalInfo":["Item_Attach_A","Item_Attach_B"],"victimWeapon":"WeapAK47_C",
		  "distance":1250,"isAttackerInVehicle":false,"isThroughPenetrableWall":true}`,
		// The first kill with dBNOId 1 decides the outcome.
		`{"_T":"LogPlayerKillV2","dBNOId":1,`+stamp("12:01:50.500")+`,"finisher":`+ch("A", 1, "account.a", 0, 0, 0)+`,"victim":{"name":"V"}}`,
		`{"_T":"LogPlayerKillV2","dBNOId":1,`+stamp("12:01:55.000")+`,"finisher":`+ch("A2", 1, "", 0, 0, 0)+`}`,
		// Knock 2: two events with dBNOId 2; the last one is used, in the
		// first one's place. Finished by teammate A2.
		`{"_T":"LogPlayerMakeGroggy","dBNOId":2,`+stamp("12:05:00.000")+`,"attacker":`+ch("A", 1, "account.a", 5, 5, 5)+`,"victim":`+ch("V2", 2, "", 9, 9, 9)+`,"distance":6000,"damageReason":"HeadShot"}`,
		`{"_T":"LogPlayerKillV2","dBNOId":2,`+stamp("12:05:09.250")+`,"finisher":`+ch("A2", 1, "", 0, 0, 0)+`}`,
		`{"_T":"LogPlayerMakeGroggy","dBNOId":2,`+stamp("12:05:01.000")+`,"attacker":`+ch("A", 1, "account.a", 50, 50, 50)+`,"victim":`+ch("V2", 2, "", 90, 90, 90)+`,"distance":20000,"damageReason":"TorsoShot","isAttackerInVehicle":true}`,
		// Knock 3: revived; teammate A 5 m away 3 s later.
		`{"_T":"LogPlayerMakeGroggy","dBNOId":3,`+stamp("12:10:00.000")+`,"attacker":`+ch("A3", 1, "account.a3", 1000, 1000, 100)+`,"victim":`+ch("V", 2, "account.v", 0, 0, 0)+`,"distance":500,"damageReason":"ArmShot"}`,
		pos("12:10:03.000", "A", 1, 1300, 1400, 100),
		`{"_T":"LogPlayerRevive","dBNOId":3,`+stamp("12:10:20.000")+`,"reviver":{"name":"V2"}}`,
		// Knock 4: no outcome, no distance, victim without location,
		// knocker without accountId.
		`{"_T":"LogPlayerMakeGroggy","dBNOId":4,`+stamp("12:15:00.000")+`,"attacker":`+ch("A2", 1, "", 7, 7, 7)+`,"victim":{"name":"B","teamId":3}}`,
		// Ignored knocks: dBNOId 0, and a knocker without a name (whose
		// dBNOId still counts as a knock for the instant-kill test).
		`{"_T":"LogPlayerMakeGroggy","dBNOId":0,`+stamp("12:16:00.000")+`,"attacker":`+ch("A", 1, "account.a", 0, 0, 0)+`}`,
		`{"_T":"LogPlayerMakeGroggy","dBNOId":5,`+stamp("12:16:00.000")+`,"attacker":{"teamId":1}}`,
		// Instant kills.
		`{"_T":"LogPlayerKillV2","dBNOId":-1,`+stamp("12:20:00.000")+`,"finisher":`+ch("A", 1, "account.a", 0, 0, 0)+`}`,
		`{"_T":"LogPlayerKillV2","dBNOId":99,`+stamp("12:20:01.000")+`,"finisher":`+ch("B", 3, "account.b", 0, 0, 0)+`}`,
		`{"_T":"LogPlayerKillV2",`+stamp("12:20:02.000")+`,"finisher":{"name":"C"}}`,
		`{"_T":"LogPlayerKillV2","dBNOId":5,`+stamp("12:20:03.000")+`,"finisher":`+ch("D", 4, "account.d", 0, 0, 0)+`}`,
		`{"_T":"LogPlayerKillV2","dBNOId":-1,`+stamp("12:20:04.000")+`,"finisher":{"name":""}}`,
	)
	knocks, sums, err := Finishing(events)
	if err != nil {
		t.Fatal(err)
	}

	empty := TeamMetrics{PositionsJSON: "[]"}
	wantKnocks := []KnockEvent{
		{
			DBNOID: 1, AttackID: i(77), AttackerName: "A", AttackerTeamID: i(1), AttackerAccountID: s("account.a"),
			Attacker: loc(0, 0, 0), AttackerHealth: f(87.5),
			VictimName: s("V"), VictimTeamID: i(2), VictimAccountID: s("account.v"), Victim: loc(1000, 0, 0),
			DamageReason: s("HeadShot"), DamageTypeCategory: s("Damage_Gun"), KnockWeapon: s("WeapHK416_C"),
			KnockWeaponAttachments: `["Item_Attach_A", "Item_Attach_B"]`, VictimWeapon: s("WeapAK47_C"),
			VictimWeaponAttachments: `[]`, KnockDistance: 12.5, IsThroughPenetrableWall: true, IsBlueZone: true,
			ZoneName: s("pochinki,school"),
			Team: TeamMetrics{Nearest: f(50), Avg: f(75), Within50: 1, Within100: 2, Within200: 2, Variance: f(625), Alive: 2,
				PositionsJSON: `[{"name": "A2", "distance": 50.0}, {"name": "A3", "distance": 100.0}]`},
			VictimTeam: TeamMetrics{Nearest: f(200), Avg: f(200), Within200: 1, Alive: 1,
				PositionsJSON: `[{"name": "V2", "distance": 200.0}]`},
			Outcome: "killed", FinisherName: s("A"), FinisherIsSelf: true, TimeToFinish: f(10.5),
			EventTimestamp: tm(t, "12:01:40.000"),
		},
		{
			DBNOID: 2, AttackerName: "A", AttackerTeamID: i(1), AttackerAccountID: s("account.a"),
			Attacker: loc(50, 50, 50), AttackerHealth: f(100),
			VictimName: s("V2"), VictimTeamID: i(2), Victim: loc(90, 90, 90),
			DamageReason: s("TorsoShot"), KnockWeaponAttachments: `[]`, VictimWeaponAttachments: `[]`,
			KnockDistance: 200, IsAttackerInVehicle: true, Team: empty, VictimTeam: empty,
			Outcome: "killed", FinisherName: s("A2"), FinisherIsTeammate: true, TimeToFinish: f(8.25),
			EventTimestamp: tm(t, "12:05:01.000"),
		},
		{
			DBNOID: 3, AttackerName: "A3", AttackerTeamID: i(1), AttackerAccountID: s("account.a3"),
			Attacker: loc(1000, 1000, 100), AttackerHealth: f(100),
			VictimName: s("V"), VictimTeamID: i(2), VictimAccountID: s("account.v"), Victim: loc(0, 0, 0),
			DamageReason: s("ArmShot"), KnockWeaponAttachments: `[]`, VictimWeaponAttachments: `[]`, KnockDistance: 5,
			Team: TeamMetrics{Nearest: f(5), Avg: f(5), Within50: 1, Within100: 1, Within200: 1, Alive: 1,
				PositionsJSON: `[{"name": "A", "distance": 5.0}]`},
			VictimTeam: empty, Outcome: "revived", EventTimestamp: tm(t, "12:10:00.000"),
		},
		{
			DBNOID: 4, AttackerName: "A2", AttackerTeamID: i(1), Attacker: loc(7, 7, 7), AttackerHealth: f(100),
			VictimName: s("B"), VictimTeamID: i(3), KnockWeaponAttachments: `[]`, VictimWeaponAttachments: `[]`,
			KnockDistance: 0, Team: empty, VictimTeam: empty, Outcome: "unknown", EventTimestamp: tm(t, "12:15:00.000"),
		},
	}
	same(t, knocks, wantKnocks)

	wantSums := []FinishingSummary{
		{
			PlayerName: "A", PlayerAccountID: s("account.a"), TeamID: 1, TotalKnocks: 2, KnocksConvertedSelf: 1,
			KnocksFinishedByTeammates: 1, InstantKills: 1, FinishingRate: f(50), AvgTimeToFinishSelf: f(10.5),
			AvgTimeToFinishTeammate: f(8.25), AvgKnockDistance: f(106.25), MinKnockDistance: f(12.5), MaxKnockDistance: f(200),
			KnocksClose: 1, KnocksVeryLong: 1, AvgNearestTeammate: f(50), AvgTeamSpread: f(75),
			KnocksWithTeammate50: 1, KnocksWithTeammate100: 1, HeadshotKnocks: 1, WallbangKnocks: 1, VehicleKnocks: 1,
		},
		{
			PlayerName: "A3", PlayerAccountID: s("account.a3"), TeamID: 1, TotalKnocks: 1, KnocksRevivedByEnemy: 1,
			FinishingRate: f(0), AvgKnockDistance: f(5), MinKnockDistance: f(5), MaxKnockDistance: f(5), KnocksCQC: 1,
			AvgNearestTeammate: f(5), AvgTeamSpread: f(5), KnocksWithTeammate50: 1, KnocksWithTeammate100: 1,
		},
		{
			PlayerName: "A2", TeamID: 1, TotalKnocks: 1, FinishingRate: f(0), AvgKnockDistance: f(0),
			MinKnockDistance: f(0), MaxKnockDistance: f(0), KnocksCQC: 1,
		},
		{PlayerName: "B", PlayerAccountID: s("account.b"), TeamID: 3, InstantKills: 1},
	}
	same(t, sums, wantSums)
}

// TestFinishingTeammateEdges: a teammate at distance 0 is falsy for the
// summary lists, a lone far teammate is "isolated", and a knocker without
// a teamId finds no teammates and, alone, gets no summary.
func TestFinishingTeammateEdges(t *testing.T) {
	events := decode(t,
		pos("13:00:01", "T1", 1, 0, 0, 0),
		pos("13:00:01", "T2", 1, 15000, 20000, 0), // 250 m
		`{"_T":"LogPlayerMakeGroggy","dBNOId":10,`+stamp("13:00:00")+`,"attacker":`+ch("K", 1, "", 0, 0, 0)+`,"distance":100}`,
		`{"_T":"LogPlayerMakeGroggy","dBNOId":11,`+stamp("13:00:00")+`,"attacker":{"name":"N","location":{"x":0,"y":0,"z":0}},"distance":100}`,
		`{"_T":"LogPlayerMakeGroggy","dBNOId":12,`+stamp("13:30:00")+`,"attacker":`+ch("K", 1, "", 0, 0, 0)+`,"distance":100}`,
		pos("13:30:02", "T2", 1, 15000, 20000, 0),
	)
	knocks, sums, err := Finishing(events)
	if err != nil {
		t.Fatal(err)
	}
	if len(knocks) != 3 {
		t.Fatalf("%d knocks", len(knocks))
	}
	first := knocks[0].Team
	if first.Nearest != f(0) || first.Avg != f(125) || first.Alive != 2 || first.Within50 != 1 || first.Within200 != 1 ||
		first.Variance != f(15625) || first.PositionsJSON != `[{"name": "T1", "distance": 0.0}, {"name": "T2", "distance": 250.0}]` {
		t.Errorf("first knock metrics %+v", first)
	}
	if knocks[1].Team.Alive != 0 || knocks[1].AttackerTeamID.Valid {
		t.Errorf("teamless knock %+v", knocks[1])
	}
	want := []FinishingSummary{{
		PlayerName: "K", TeamID: 1, TotalKnocks: 2, FinishingRate: f(0), AvgKnockDistance: f(1),
		MinKnockDistance: f(1), MaxKnockDistance: f(1), KnocksCQC: 2,
		// nearest 0.0 is falsy: only the second knock's 250 m counts.
		AvgNearestTeammate: f(250), AvgTeamSpread: f(187.5), KnocksIsolated200: 1,
	}}
	same(t, sums, want)
}
