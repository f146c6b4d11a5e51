package telemetry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/pewstats/collector/child/synth"
	"github.com/pewstats/collector/child/telemetry"
	"github.com/pewstats/collector/child/telemetry/internal/baseline"
)

func read(t *testing.T, data []byte, max int64) (*telemetry.Match, error) {
	t.Helper()
	return telemetry.Read(context.Background(), bytes.NewReader(data), "test.json", max)
}

func gz(data []byte) []byte { return gzipMember(data) }

// TestReadErrors feeds every kind of bad input through the reader and
// checks the error kind, event index and field it reports.
func TestReadErrors(t *testing.T) {
	valid := []byte(`[{"_T":"LogMatchDefinition","_D":"2025-10-07T12:00:00.000Z"}]`)
	truncGz := gz(valid)
	truncGz = truncGz[:len(truncGz)-10]
	badCRC := gz(valid)
	badCRC[len(badCRC)-6] ^= 0xff
	cases := []struct {
		name   string
		data   []byte
		max    int64
		kind   telemetry.ErrKind
		event  int
		field  string
		offset int64 // checked when >= 0
	}{
		{name: "empty file", data: nil, kind: telemetry.ErrEmptyFile, event: -1, offset: -1},
		{name: "only whitespace", data: []byte(" \n\t "), kind: telemetry.ErrEmptyFile, event: -1, offset: -1},
		{name: "gzip of nothing", data: gz(nil), kind: telemetry.ErrEmptyFile, event: -1, offset: -1},
		{name: "gzip magic then garbage", data: []byte{0x1f, 0x8b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, kind: telemetry.ErrCorruptGzip, event: -1, offset: -1},
		{name: "truncated gzip", data: truncGz, kind: telemetry.ErrCorruptGzip, event: -1, offset: -1},
		{name: "gzip checksum mismatch", data: badCRC, kind: telemetry.ErrCorruptGzip, event: -1, offset: -1},
		{name: "truncated JSON", data: []byte(`[{"_T":"LogMatchDefinition","_D":"2025`), kind: telemetry.ErrTruncated, event: -1, offset: 38},
		{name: "truncated inside gzip", data: gz([]byte(`[{"_T":"LogPlayerPosition"},`)), kind: telemetry.ErrTruncated, event: -1, offset: 28},
		{name: "top level object", data: []byte(`{"events":[]}`), kind: telemetry.ErrNotArray, event: -1, offset: 0},
		{name: "top level string", data: []byte(` "x"`), kind: telemetry.ErrNotArray, event: -1, offset: 1},
		{name: "event is a number", data: []byte(`[{"_T":"LogMatchEnd"}, 5]`), kind: telemetry.ErrNotObject, event: 1, offset: -1},
		{name: "event is null", data: []byte(`[null]`), kind: telemetry.ErrNotObject, event: 0, offset: -1},
		{name: "character is a string (with circles)", data: []byte(`[{"_T":"LogMatchEnd"},{"_T":"LogPlayerPosition","character":"bob"},{"_T":"LogGameStatePeriodic","gameState":{}}]`), kind: telemetry.ErrWrongType, event: 1, field: "character", offset: 22},
		{name: "killer is a string", data: []byte(`[{"_T":"LogPlayerKillV2","killer":"k"}]`), kind: telemetry.ErrWrongType, event: 0, field: "killer", offset: 1},
		{name: "character before _T", data: []byte(`[{"victim":[1],"_T":"LogPlayerTakeDamage"}]`), kind: telemetry.ErrWrongType, event: 0, field: "victim", offset: 1},
		{name: "location is a number (with circles)", data: []byte(`[{"_T":"LogGameStatePeriodic"},{"_T":"LogPlayerPosition","character":{"name":"a","location":7}}]`), kind: telemetry.ErrWrongType, event: 1, field: "character.location", offset: 31},
		{name: "safetyZonePosition is a string", data: []byte(`[{"_T":"LogGameStatePeriodic","gameState":{"safetyZonePosition":"c"}}]`), kind: telemetry.ErrWrongType, event: 0, field: "gameState.safetyZonePosition", offset: 1},
		{name: "gameState is true", data: []byte(`[{"_T":"LogGameStatePeriodic","gameState":true}]`), kind: telemetry.ErrWrongType, event: 0, field: "gameState", offset: 1},
		{name: "item is a string", data: []byte(`[{"_T":"LogItemUse","item":"x"}]`), kind: telemetry.ErrWrongType, event: 0, field: "item", offset: 1},
		{name: "no events", data: []byte(`[ ]`), kind: telemetry.ErrNoEvents, event: -1, offset: -1},
		{name: "trailing comma", data: []byte(`[{"_T":"LogMatchEnd",}]`), kind: telemetry.ErrBadJSON, event: -1, offset: 21},
		{name: "missing colon", data: []byte(`[{"_T" "LogMatchEnd"}]`), kind: telemetry.ErrBadJSON, event: -1, offset: 7},
		{name: "bad literal", data: []byte(`[{"_T":"LogMatchEnd","x":tru}]`), kind: telemetry.ErrBadJSON, event: -1, offset: -1},
		{name: "bad number", data: []byte(`[{"_T":"LogMatchEnd","x":01}]`), kind: telemetry.ErrBadJSON, event: -1, offset: -1},
		{name: "bad escape", data: []byte(`[{"_T":"LogMatchEnd","x":"\q"}]`), kind: telemetry.ErrBadJSON, event: -1, offset: -1},
		{name: "control character", data: []byte("[{\"_T\":\"a\tb\"}]"), kind: telemetry.ErrBadJSON, event: -1, offset: -1},
		{name: "invalid UTF-8", data: []byte("[{\"_T\":\"LogMatchEnd\",\"x\":\"\xff\"}]"), kind: telemetry.ErrBadJSON, event: -1, offset: 26},
		{name: "UTF-8 BOM", data: []byte("\xef\xbb\xbf[{}]"), kind: telemetry.ErrBadJSON, event: -1, offset: 0},
		{name: "extra data", data: []byte(`[{}] []`), kind: telemetry.ErrBadJSON, event: -1, offset: 5},
		{name: "unbalanced", data: []byte(`[{"x":[1}]`), kind: telemetry.ErrBadJSON, event: -1, offset: -1},
		{name: "too deep", data: []byte(`[{"x":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}]`), kind: telemetry.ErrBadJSON, event: -1, offset: -1},
		{name: "too large", data: valid, max: 10, kind: telemetry.ErrTooLarge, event: -1, offset: 10},
		{name: "too large gzip", data: gz(valid), max: 20, kind: telemetry.ErrTooLarge, event: -1, offset: 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := read(t, c.data, c.max)
			var te *telemetry.Error
			if !errors.As(err, &te) {
				t.Fatalf("got match=%v err=%v, want a *telemetry.Error of kind %s", m != nil, err, c.kind)
			}
			if te.Kind != c.kind || te.Event != c.event || te.Field != c.field {
				t.Fatalf("got kind=%s event=%d field=%q (%v), want kind=%s event=%d field=%q",
					te.Kind, te.Event, te.Field, err, c.kind, c.event, c.field)
			}
			if c.offset >= 0 && te.Offset != c.offset {
				t.Errorf("offset = %d, want %d (%v)", te.Offset, c.offset, err)
			}
			if !strings.Contains(err.Error(), string(c.kind)) {
				t.Errorf("message %q does not name the kind", err)
			}
		})
	}
}

// TestReadExactlyMaxBytes: the limit is inclusive.
func TestReadExactlyMaxBytes(t *testing.T) {
	data := []byte(`[{"_T":"LogMatchEnd"}]`)
	m, err := read(t, data, int64(len(data)))
	if err != nil || m.DecompressedBytes != int64(len(data)) {
		t.Fatalf("m=%+v err=%v", m, err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, bytes.Repeat([]byte(" "), min(f.n, len(p))))
	f.n -= n
	return n, nil
}

func TestReadUnderlyingReadError(t *testing.T) {
	_, err := telemetry.Read(context.Background(), io.MultiReader(strings.NewReader("["), &failingReader{n: 100}), "x", 0)
	if k := telemetry.KindOf(err); k != telemetry.ErrUnreadable {
		t.Fatalf("kind %q (%v), want %s", k, err, telemetry.ErrUnreadable)
	}
}

// spaceBomb returns a gzip stream of `[` followed by n MiB of spaces, made
// of concatenated members so the test need not compress gigabytes.
func spaceBomb(t testing.TB, mib int) io.Reader {
	var one bytes.Buffer
	w, _ := kgzip.NewWriterLevel(&one, kgzip.BestCompression)
	w.Write(bytes.Repeat([]byte(" "), 1<<20))
	w.Close()
	readers := []io.Reader{bytes.NewReader(gz([]byte("[")))}
	for range mib {
		readers = append(readers, bytes.NewReader(one.Bytes()))
	}
	return io.MultiReader(readers...)
}

// TestGzipBomb: 2 GiB of decompressed input against a small limit fails
// with ErrTooLarge, quickly and without holding the data in memory.
func TestGzipBomb(t *testing.T) {
	for _, c := range []struct {
		name  string
		input func() io.Reader
	}{
		{"whitespace", func() io.Reader { return spaceBomb(t, 2048) }},
		{"one huge skipped string", func() io.Reader {
			var one bytes.Buffer
			w, _ := kgzip.NewWriterLevel(&one, kgzip.BestCompression)
			w.Write(bytes.Repeat([]byte("a"), 1<<20))
			w.Close()
			rs := []io.Reader{bytes.NewReader(gz([]byte(`[{"_T":"LogMatchEnd","junk":"`)))}
			for range 2048 {
				rs = append(rs, bytes.NewReader(one.Bytes()))
			}
			return io.MultiReader(rs...)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := telemetry.Read(context.Background(), c.input(), "bomb.json.gz", 64<<20)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if k := telemetry.KindOf(err); k != telemetry.ErrTooLarge {
				t.Fatalf("kind %q (%v), want %s", k, err, telemetry.ErrTooLarge)
			}
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 32<<20 {
				t.Errorf("allocated %d MiB reading a bomb against a 64 MiB limit", grown>>20)
			}
			if elapsed > 20*time.Second {
				t.Errorf("took %v", elapsed)
			}
		})
	}
}

func TestReadFileAndResolvePath(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	good := []byte(`[{"_T":"LogMatchEnd"}]`)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "plain.json"), good, 0o644))
	must(os.WriteFile(filepath.Join(dir, "raw.json.gz"), gz(good), 0o644))
	must(os.WriteFile(filepath.Join(dir, "double.json.gz"), gz(gz(good)), 0o644))
	must(os.WriteFile(filepath.Join(outside, "secret.json"), good, 0o644))
	must(os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "escape.json")))
	must(os.Symlink(filepath.Join(dir, "raw.json.gz"), filepath.Join(dir, "alias.json.gz")))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	opts := telemetry.Options{Dir: dir}
	ctx := context.Background()
	for _, name := range []string{"plain.json", "raw.json.gz", "double.json.gz", "alias.json.gz", filepath.Join(dir, "raw.json.gz"), "sub/../raw.json.gz"} {
		m, err := telemetry.ReadFile(ctx, name, opts)
		if err != nil || m.TotalEvents != 1 {
			t.Errorf("%s: m=%v err=%v", name, m, err)
		}
	}
	for _, c := range []struct {
		name string
		dir  string
		kind telemetry.ErrKind
	}{
		{"missing.json", dir, telemetry.ErrNotFound},
		{"escape.json", dir, telemetry.ErrOutsideDir},
		{"../" + filepath.Base(outside) + "/secret.json", dir, telemetry.ErrOutsideDir},
		{filepath.Join(outside, "secret.json"), dir, telemetry.ErrOutsideDir},
		{"plain.json", "", telemetry.ErrOutsideDir},
		{"plain.json", filepath.Join(dir, "nope"), telemetry.ErrUnreadable},
		{"sub", dir, telemetry.ErrNotRegular},
	} {
		_, err := telemetry.ReadFile(ctx, c.name, telemetry.Options{Dir: c.dir})
		if k := telemetry.KindOf(err); k != c.kind {
			t.Errorf("%s in %s: kind %q (%v), want %s", c.name, c.dir, k, err, c.kind)
		}
	}
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	plain, _, _ := smallData()
	_, err := telemetry.Read(ctx, bytes.NewReader(plain), "x", 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestReadAgreesWithBaseline decodes the generated match with both readers
// and compares every event field by field: every field of Event, of each
// Character, DamageInfo and GameState, presence bits (Has, CharHas,
// DamageInfoHas) and Bad flags included. A field added to Event is compared
// without touching this test (eventDiff walks the struct by reflection).
func TestReadAgreesWithBaseline(t *testing.T) {
	plain, gzd, gz2 := smallData()
	// child/synth writes real files' key order and number formats.
	sm, err := synth.Generate(synth.Options{Profile: synth.ProfileSmall, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var synthJSON bytes.Buffer
	if _, err := sm.WriteTo(&synthJSON); err != nil {
		t.Fatal(err)
	}
	for _, in := range []struct {
		name      string
		data, raw []byte // raw is the plain JSON the baseline reads
	}{
		{"plain", plain, plain}, {"gzip", gzd, plain}, {"double gzip", gz2, plain},
		{"synth", synthJSON.Bytes(), synthJSON.Bytes()},
	} {
		t.Run(in.name, func(t *testing.T) {
			want, err := baseline.Decode(context.Background(), bytes.NewReader(in.raw), "x")
			if err != nil {
				t.Fatal(err)
			}
			got, err := read(t, in.data, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got.TotalEvents != want.TotalEvents || len(got.Events) != len(want.Events) || got.Mismatches != 0 {
				t.Fatalf("total %d/%d kept %d/%d mismatches %d", got.TotalEvents, want.TotalEvents, len(got.Events), len(want.Events), got.Mismatches)
			}
			for i := range want.Events {
				if d := eventDiff(&got.Events[i], &want.Events[i]); len(d) > 0 {
					t.Fatalf("event %d (kind %d) differs from the baseline reader's:\n%s", i, want.Events[i].Kind, strings.Join(d, "\n"))
				}
			}
		})
	}
}

// TestEventDiffSeesEveryField: changing any one leaf field of a fully
// populated Event makes eventDiff report exactly that field, so the
// comparison above cannot silently skip one.
func TestEventDiffSeesEveryField(t *testing.T) {
	full := func() *telemetry.Event {
		ch := func(n string) *telemetry.Character {
			return &telemetry.Character{Name: n, AccountID: "account." + n, TeamID: 3, Health: 55.5,
				Location: telemetry.Vec3{X: 1, Y: 2, Z: 3}, Zone: []string{"a", "b"}, Has: 0x1ff,
				IsInBlueZone: true, IsInRedZone: true, IsInVehicle: true}
		}
		di := func() *telemetry.DamageInfo {
			return &telemetry.DamageInfo{DamageReason: "HeadShot", DamageTypeCategory: "Damage_Gun", DamageCauserName: "WeapAK47_C", Distance: 12.5, Has: 0xf}
		}
		return &telemetry.Event{Kind: telemetry.KindPlayerKillV2, Has: 1<<20 - 1, Bad: 1<<18 - 1,
			Time: time.Date(2025, 10, 7, 12, 0, 0, 123456789, time.UTC), Index: 7, IsGame: 1.5, ElapsedTime: 60,
			AttackID: 11, DBNOID: 12, Damage: 33.3, Distance: 44.4, DamageTypeCategory: "c", DamageReason: "r",
			DamageCauserName: "n", DamageCauserAdditionalInfo: []string{"x"}, VictimWeapon: "w",
			VictimWeaponAdditionalInfo: []string{"y"}, IsAttackerInVehicle: true, IsThroughPenetrableWall: true,
			Attacker: ch("a"), Victim: ch("v"), Finisher: ch("f"), Killer: ch("k"), DBNOMaker: ch("d"), Character: ch("c"), Reviver: ch("r"),
			FinishDamage: di(), KillerDamage: di(), DBNODamage: di(), ItemID: "Item_Heal_FirstAid_C", ItemSubCategory: "Heal",
			GameState: telemetry.GameState{ElapsedTime: 90, SafetyZonePosition: telemetry.Vec3{X: 4, Y: 5, Z: 6}, SafetyZoneRadius: 7}}
	}
	if d := eventDiff(full(), full()); len(d) != 0 {
		t.Fatalf("identical events differ: %v", d)
	}
	// Enumerate every leaf of the full event and perturb it alone.
	var leaves []string
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			walk(path, v.Elem())
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				leaves = append(leaves, path)
				return
			}
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		default:
			leaves = append(leaves, path)
		}
	}
	walk("Event", reflect.ValueOf(full()))
	if len(leaves) < 100 {
		t.Fatalf("only %d leaves found in a fully populated Event", len(leaves))
	}
	for _, leaf := range leaves {
		a, b := full(), full()
		perturb(t, reflect.ValueOf(b), "Event", leaf)
		d := eventDiff(a, b)
		if len(d) != 1 || !strings.HasPrefix(d[0], leaf+":") {
			t.Errorf("changing %s: diff = %q, want exactly that field", leaf, d)
		}
	}
}

// perturb changes the leaf at path (as walked in TestEventDiffSeesEveryField).
func perturb(t *testing.T, v reflect.Value, path, leaf string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		perturb(t, v.Elem(), path, leaf)
		return
	case reflect.Struct:
		if v.Type() != reflect.TypeFor[time.Time]() {
			for i := range v.NumField() {
				p := path + "." + v.Type().Field(i).Name
				if leaf == p || strings.HasPrefix(leaf, p+".") || strings.HasPrefix(leaf, p+"[") {
					perturb(t, v.Field(i), p, leaf)
					return
				}
			}
			t.Fatalf("no field of %s leads to %s", path, leaf)
		}
	case reflect.Slice:
		for i := range v.Len() {
			p := fmt.Sprintf("%s[%d]", path, i)
			if leaf == p || strings.HasPrefix(leaf, p+".") {
				perturb(t, v.Index(i), p, leaf)
				return
			}
		}
		t.Fatalf("no element of %s leads to %s", path, leaf)
	}
	if path != leaf {
		t.Fatalf("reached %s looking for %s", path, leaf)
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint8:
		if v.CanInt() {
			v.SetInt(v.Int() + 1)
		} else {
			v.SetUint(v.Uint() ^ 1)
		}
	case reflect.Uint16, reflect.Uint32:
		v.SetUint(v.Uint() ^ 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Struct: // time.Time
		v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Nanosecond)))
	default:
		t.Fatalf("%s: cannot perturb a %s", path, v.Kind())
	}
}

// eventDiff lists every field in which two events differ, as
// "path: got … want …". Floats compare bit for bit except that any NaN
// equals any NaN (CPython's NaN token decodes to some NaN); times compare
// as instants and must both be UTC; a nil and an empty slice are the same
// value (presence is recorded in the Has bits, which are compared).
func eventDiff(got, want *telemetry.Event) []string {
	var out []string
	valueDiff("Event", reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem(), &out)
	return out
}

func valueDiff(path string, g, w reflect.Value, out *[]string) {
	differ := func() {
		*out = append(*out, fmt.Sprintf("%s: got %#v want %#v", path, g.Interface(), w.Interface()))
	}
	switch g.Kind() {
	case reflect.Pointer:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				differ()
			}
			return
		}
		valueDiff(path, g.Elem(), w.Elem(), out)
	case reflect.Struct:
		if g.Type() == reflect.TypeFor[time.Time]() {
			gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
			if !gt.Equal(wt) || gt.Location() != wt.Location() {
				differ()
			}
			return
		}
		for i := range g.NumField() {
			valueDiff(path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i), out)
		}
	case reflect.Slice:
		if g.Len() != w.Len() {
			differ()
			return
		}
		for i := range g.Len() {
			valueDiff(fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i), out)
		}
	case reflect.Float64:
		a, b := g.Float(), w.Float()
		if !(math.IsNaN(a) && math.IsNaN(b)) && math.Float64bits(a) != math.Float64bits(b) {
			differ()
		}
	case reflect.Bool, reflect.String, reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		if !g.Equal(w) {
			differ()
		}
	default:
		*out = append(*out, fmt.Sprintf("%s: eventDiff does not know how to compare a %s", path, g.Kind()))
	}
}

var (
	smallOnce                     sync.Once
	smallPlain, smallGz, smallGz2 []byte
)

// smallData is a small generated match (child/synth's small profile, about
// 5,000 events, with NPC-named bots and Options.Oddities: damaged
// characters, zero and same-team damage, events out of order), enough to
// cross many scan-buffer refills while keeping -race runs quick, as plain
// JSON, gzip and gzip of gzip.
func smallData() ([]byte, []byte, []byte) {
	smallOnce.Do(func() {
		m, err := synth.Generate(synth.Options{Profile: synth.ProfileSmall, Seed: 7, NPCs: true, Oddities: true})
		if err != nil {
			panic(err)
		}
		smallPlain = m.Bytes(synth.EncodingPlain)
		smallGz = m.Bytes(synth.EncodingGzip)
		smallGz2 = m.Bytes(synth.EncodingDoubleGzip)
	})
	return smallPlain, smallGz, smallGz2
}
