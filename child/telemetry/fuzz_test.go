package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pewstats/collector/child/telemetry"
)

// FuzzRead: any input either decodes or fails with a *telemetry.Error;
// never a panic, never an unclassified error. Plain input that decodes must
// be valid JSON (encoding/json agrees) once CPython's NaN/Infinity/-Infinity
// extension, which encoding/json rejects, is replaced by a plain number.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`[{"_T":"LogMatchDefinition","_D":"2025-10-07T12:00:00.000Z"}]`,
		`[{"_T":"LogPlayerPosition","character":{"name":"a","teamId":1,"location":{"x":1,"y":2,"z":3}},"common":{"isGame":1.5}}]`,
		`[1]`, `{}`, `[]`, ``, `[{"a":"\u00e9"}]`, `[{"_T":"LogPlayerKillV2","victim":"x"}]`,
		`[{"_T":"LogPlayerTakeDamage","damage":NaN,"distance":-Infinity,"x":[Infinity]}]`,
		`[{"_T":"LogPlayerTakeDamage","damage":1NaN}]`, `[{"_T":"LogMatchEnd","x":"NaN \"Infinity"}]`,
		// Invalid JSON with an N or I in it (as nearly every real event has:
		// teamId, accountId, LogItemUse): the reader must refuse it.
		`[{"_T":"LogItemUse","character":{"accountId":"account.a"},"junk":[1,]}]`,
		`[{"_T":"LogPlayerAttack","junk":{"teamId":1,}}]`,
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
		if len(data) > 1 && data[0] != 0x1f {
			if std := stripPyNumbers(data); !json.Valid(std) {
				t.Fatalf("accepted invalid JSON %q (as standard JSON: %q)", data, std)
			}
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

// stripPyNumbers replaces the tokens NaN, Infinity and -Infinity outside
// strings with a 0 padded by spaces, so standard JSON can judge the rest.
// The padding keeps a token from fusing with its neighbours: "1NaN" becomes
// "1 0  " and "NaN1" becomes " 0  1", both still invalid, as they must be.
func stripPyNumbers(data []byte) []byte {
	out := bytes.Clone(data)
	inString := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inString {
			switch c {
			case '\\':
				i++ // skip the escaped byte (an escaped quote does not end the string)
			case '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(out[i:], []byte(tok)) {
				copy(out[i:], " 0"+strings.Repeat(" ", len(tok)-2))
				i += len(tok) - 1
				break
			}
		}
	}
	return out
}

func TestStripPyNumbers(t *testing.T) {
	for _, c := range []struct {
		in    string
		valid bool // as standard JSON after stripping
	}{
		{`[NaN]`, true},
		{`[-Infinity,Infinity]`, true},
		{`{"a":NaN,"b":{"c":[Infinity]}}`, true},
		{`["NaN"]`, true},
		{`["x\"NaN"]`, true},
		{`["\\",NaN]`, true},
		{`[1NaN]`, false},
		{`[NaN1]`, false},
		{`[-NaN]`, false},
		{`[Infinityx]`, false},
		{`[--Infinity]`, false},
		{`[NaNe5]`, false},
		{`[Nan]`, false},
		{`[1,]`, false},
	} {
		got := stripPyNumbers([]byte(c.in))
		if len(got) != len(c.in) {
			t.Errorf("%s: length changed to %q", c.in, got)
		}
		if json.Valid(got) != c.valid {
			t.Errorf("%s -> %q: valid = %v, want %v", c.in, got, !c.valid, c.valid)
		}
	}
}
