package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

// FuzzRead: any input either decodes or fails with a *telemetry.Error;
// never a panic, never an unclassified error. Plain input that decodes must
// be valid JSON (encoding/json agrees), except for CPython's NaN/Infinity
// extension which encoding/json rejects.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`[{"_T":"LogMatchDefinition","_D":"2025-10-07T12:00:00.000Z"}]`,
		`[{"_T":"LogPlayerPosition","character":{"name":"a","teamId":1,"location":{"x":1,"y":2,"z":3}},"common":{"isGame":1.5}}]`,
		`[1]`, `{}`, `[]`, ``, `[{"a":"\u00e9"}]`, `[{"_T":"LogPlayerKillV2","victim":"x"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := telemetry.Read(context.Background(), bytes.NewReader(data), "fuzz", 1<<20)
		if err != nil {
			var te *telemetry.Error
			if !errors.As(err, &te) {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			return
		}
		if len(m.Events) > m.TotalEvents || m.TotalEvents == 0 {
			t.Fatalf("kept %d of %d", len(m.Events), m.TotalEvents)
		}
		if len(data) > 1 && data[0] != 0x1f && !bytes.ContainsAny(data, "NI") && !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
	})
}

// FuzzDecodeEvent puts one arbitrary value in an event array: it must be
// kept, dropped or refused with a typed error, and deterministically so.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"_T":"LogPlayerTakeDamage","attacker":{"name":"a","teamId":1},"victim":{"name":"b","teamId":2},"damage":12.5,"damageCauserName":"WeapAK47_C","common":{"isGame":2}}`,
		`{"_T":"LogPlayerMakeGroggy","dBNOId":3,"damageCauserAdditionalInfo":["a","b"],"distance":1234.5}`,
		`{"common":{"isGame":"1"},"_T":"LogParachuteLanding","character":{"accountId":"account.x"}}`,
		`{"_T":"LogGameStatePeriodic","gameState":{"elapsedTime":60,"safetyZonePosition":{"x":1,"y":2},"safetyZoneRadius":3}}`,
		`{"type":"LogMatchEnd","_T":false}`,
		`{"_T":"LogPlayerKillV2","dBNOMaker":{"name":"m","zone":["a"]},"finishDamageInfo":{"damageCauserName":"w","distance":5}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ev string) {
		data := []byte("[" + ev + "]")
		m1, err1 := telemetry.Read(context.Background(), bytes.NewReader(data), "fuzz", 1<<20)
		m2, err2 := telemetry.Read(context.Background(), bytes.NewReader(data), "fuzz", 1<<20)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("not deterministic: %v / %v", err1, err2)
		}
		if err1 != nil {
			var te *telemetry.Error
			if !errors.As(err1, &te) {
				t.Fatalf("unclassified error %T: %v", err1, err1)
			}
			return
		}
		if m1.TotalEvents != 1 || len(m1.Events) > 1 || len(m1.Events) != len(m2.Events) {
			t.Fatalf("total %d kept %d/%d", m1.TotalEvents, len(m1.Events), len(m2.Events))
		}
	})
}
