package synth

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"unicode/utf8"
)

// matchCache shares generated matches between tests: a modern match takes
// a while under -race.
var matchCache sync.Map // key string → *Match

func cachedMatch(t testing.TB, opts Options) *Match {
	t.Helper()
	key := fmt.Sprintf("%s/%d/%s/%s/%v/%d", opts.Profile.Name, opts.Seed, opts.GameMode, opts.MapName, opts.TrackedFraction, len(opts.Include))
	if m, ok := matchCache.Load(key); ok {
		return m.(*Match)
	}
	m, err := Generate(opts)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opts, err)
	}
	matchCache.Store(key, m)
	return m
}

func plainJSON(t testing.TB, m *Match) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := m.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) || n != m.Size() {
		t.Fatalf("WriteTo wrote %d bytes, buffer %d, Size() %d", n, b.Len(), m.Size())
	}
	return b.Bytes()
}

// tChar is the part of a Character the tests read.
type tChar struct {
	Name      string  `json:"name"`
	TeamID    int     `json:"teamId"`
	Health    float64 `json:"health"`
	AccountID string  `json:"accountId"`
	Ranking   int     `json:"ranking"`
	IsDBNO    bool    `json:"isDBNO"`
	Location  struct {
		X, Y, Z float64
	} `json:"location"`
}

type tDamageInfo struct {
	DamageReason       string  `json:"damageReason"`
	DamageTypeCategory string  `json:"damageTypeCategory"`
	DamageCauserName   string  `json:"damageCauserName"`
	Distance           float64 `json:"distance"`
}

// tEvent is the part of any event the tests read.
type tEvent struct {
	T      string `json:"_T"`
	D      string `json:"_D"`
	Common *struct {
		IsGame *float64 `json:"isGame"`
	} `json:"common"`
	AttackID           *int64       `json:"attackId"`
	DBNOID             *int64       `json:"dBNOId"`
	Attacker           *tChar       `json:"attacker"`
	Victim             *tChar       `json:"victim"`
	Character          *tChar       `json:"character"`
	Reviver            *tChar       `json:"reviver"`
	Killer             *tChar       `json:"killer"`
	Finisher           *tChar       `json:"finisher"`
	DBNOMaker          *tChar       `json:"dBNOMaker"`
	FinishDamageInfo   *tDamageInfo `json:"finishDamageInfo"`
	DamageTypeCategory string       `json:"damageTypeCategory"`
	Damage             float64      `json:"damage"`
	NumAlivePlayers    int          `json:"numAlivePlayers"`
	ElapsedTime        *float64     `json:"elapsedTime"`
	TeamSize           int          `json:"teamSize"`
	MapName            string       `json:"mapName"`
	Characters         []struct {
		Character tChar `json:"character"`
	} `json:"characters"`
	Weapon *struct {
		ItemID      string `json:"itemId"`
		SubCategory string `json:"subCategory"`
	} `json:"weapon"`
	Item *struct {
		ItemID string `json:"itemId"`
	} `json:"item"`
	GameState *struct {
		ElapsedTime        float64 `json:"elapsedTime"`
		SafetyZoneRadius   float64 `json:"safetyZoneRadius"`
		SafetyZonePosition struct{ X, Y, Z float64 }
	} `json:"gameState"`
}

// decodeEvents parses a telemetry file (plain JSON) strictly: a top-level
// array of objects.
func decodeEvents(data []byte) ([]tEvent, error) {
	var evs []tEvent
	if err := json.Unmarshal(data, &evs); err != nil {
		return nil, err
	}
	return evs, nil
}

func parseMatch(t testing.TB, m *Match) []tEvent {
	t.Helper()
	evs, err := decodeEvents(plainJSON(t, m))
	if err != nil {
		t.Fatalf("decode telemetry: %v", err)
	}
	if len(evs) != m.Events() {
		t.Fatalf("decoded %d events, Events() = %d", len(evs), m.Events())
	}
	return evs
}

// strictRead is what a careful reader of telemetry files does: unwrap up to
// two gzip layers with a cap on the inflated size, require UTF-8, a
// top-level array, at least one event, and well-typed fields.
func strictRead(raw []byte, limit int64) (int, error) {
	data := raw
	for layer := 0; layer < 2 && len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b; layer++ {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return 0, err
		}
		var out bytes.Buffer
		n, err := io.Copy(&out, io.LimitReader(zr, limit+1))
		if err != nil {
			return 0, err
		}
		if n > limit {
			return 0, errors.New("inflated size over the limit")
		}
		data = out.Bytes()
	}
	if len(data) == 0 {
		return 0, errors.New("empty file")
	}
	if !utf8.Valid(data) {
		return 0, errors.New("not UTF-8")
	}
	var evs []tEvent
	if err := json.Unmarshal(data, &evs); err != nil {
		return 0, err
	}
	if len(evs) == 0 {
		return 0, errors.New("no events")
	}
	return len(evs), nil
}
