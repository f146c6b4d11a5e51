package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// tele builds a telemetry file event by event, as JSON text, so the golden
// tests go through the real decoder.
type tele struct {
	events   []map[string]any
	tracked  []string // for the reference cross-check of circle positions
	noOracle bool     // input on which the port deliberately differs
}

var teleT0 = time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)

func at(sec float64) string {
	return teleT0.Add(time.Duration(sec * float64(time.Second))).Format("2006-01-02T15:04:05.000Z")
}

// pc is a character at (x, y) metres, z = 0.
func pc(name string, team int, xm, ym float64) map[string]any {
	return map[string]any{
		"name": name, "teamId": team, "accountId": "account." + name, "health": 100,
		"location": map[string]any{"x": xm * 100, "y": ym * 100, "z": 0},
	}
}

func (b *tele) add(sec float64, typ string, kv map[string]any) *tele {
	kv["_T"], kv["_D"], kv["common"] = typ, at(sec), map[string]any{"isGame": 1}
	b.events = append(b.events, kv)
	return b
}

func (b *tele) damage(sec float64, a, v map[string]any, dmg float64, causer string) *tele {
	return b.add(sec, "LogPlayerTakeDamage", map[string]any{"attacker": a, "victim": v, "damage": dmg,
		"damageCauserName": causer, "damageTypeCategory": "Damage_Gun"})
}

func (b *tele) knock(sec float64, a, v map[string]any, dbno int, causer string) *tele {
	return b.add(sec, "LogPlayerMakeGroggy", map[string]any{"attacker": a, "victim": v, "dBNOId": dbno,
		"damageCauserName": causer, "damageTypeCategory": "Damage_Gun"})
}

// kill is a LogPlayerKillV2 where the killer also finished the victim.
// Real telemetry has no top-level damageCauserName on this event; it is added
// so the reference cross-check counts weapon kills the way the port does
// (the port reads killerDamageInfo and ignores the top-level key).
func (b *tele) kill(sec float64, k, v map[string]any, dbno int, causer string) *tele {
	info := map[string]any{"damageCauserName": causer, "damageTypeCategory": "Damage_Gun", "damageReason": "HeadShot", "distance": 100}
	return b.add(sec, "LogPlayerKillV2", map[string]any{"killer": k, "finisher": k, "dBNOMaker": k, "victim": v,
		"dBNOId": dbno, "killerDamageInfo": info, "finishDamageInfo": info, "damageCauserName": causer})
}

func (b *tele) read(t *testing.T) []telemetry.Event {
	t.Helper()
	raw, err := json.Marshal(b.events)
	if err != nil {
		t.Fatal(err)
	}
	m, err := telemetry.Read(context.Background(), bytes.NewReader(raw), "golden", 0)
	if err != nil {
		t.Fatal(err)
	}
	// With the reference at hand, every golden input is also run through it
	// and must give identical results (see oracle_test.go).
	if o, ok := referenceOracle(t); ok && !b.noOracle {
		compareWithReference(t, o.py, o.ref, raw, b.tracked)
	}
	return m.Events
}
