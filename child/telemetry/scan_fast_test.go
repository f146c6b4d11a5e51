package telemetry

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
	"testing"
)

// skipBoth skips the container at the start of data twice: with skipFast
// and with skipContainer. It returns what each said; fastOK is whether the
// fast path took it.
func skipBoth(t *testing.T, data []byte) (fastOK, fastTruthy bool, fastPos int, slowTruthy bool, slowPos int, slowErr error) {
	t.Helper()
	s := newScanner(bytes.NewReader(data), "t", nil)
	if _, err := s.peek(); err != nil {
		t.Skipf("not a scannable input: %v", err) // e.g. invalid UTF-8, refused on arrival
	}
	before := s.pos
	fastTruthy, fastOK = s.skipFast(1)
	fastPos = s.pos
	if !fastOK && s.pos != before {
		t.Fatalf("%q: skipFast gave up but moved from %d to %d", data, before, s.pos)
	}
	s = newScanner(bytes.NewReader(data), "t", nil)
	if _, err := s.peek(); err != nil {
		t.Fatalf("peek: %v", err)
	}
	slowTruthy, slowErr = s.skipContainer(2, data[0], data[0]+2)
	return fastOK, fastTruthy, fastPos, slowTruthy, s.pos, slowErr
}

// checkAgree fails when skipFast accepted what skipContainer refuses, or
// ended somewhere else, or disagrees on truthiness.
func checkAgree(t *testing.T, data []byte) (fastOK bool) {
	t.Helper()
	ok, ft, fp, st, sp, serr := skipBoth(t, data)
	if !ok {
		return false
	}
	switch {
	case serr != nil:
		t.Fatalf("%q: skipFast accepted, skipContainer refused: %v", data, serr)
	case fp != sp:
		t.Fatalf("%q: skipFast ended at %d, skipContainer at %d", data, fp, sp)
	case ft != st:
		t.Fatalf("%q: skipFast truthy=%v, skipContainer %v", data, ft, st)
	}
	return true
}

func TestSkipFast(t *testing.T) {
	// A trailing byte after each container, so a value at its very end
	// (a number) is known to be complete.
	fast := []string{
		`{}`, `[]`, `{ }`, "[ \n\t]", `{"a":1}`, `[1,2,3]`, `{"a":{"b":[{"c":[]}]}}`,
		`{"s":"x\"y\\z\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`, `{"a" : "b" , "c" : [ true , false , null ] }`,
		`[-0,0.5,-1.25e-3,1E+9,12345678901234567890]`, `{"k":"` + strings.Repeat("long ascii ", 40) + `"}`,
		`{"utf8":"é — ü 😀"}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"character":{"name":"SilentFox_ru","teamId":9,"health":100,"location":{"x":54800.12890625,"y":753071.9375,"z":1296.740478515625},"ranking":0,"accountId":"account.675e64505d55cf3faf7a6ad15de215d8","isInBlueZone":false,"zone":[],"type":"user","isDBNO":false},"common":{"isGame":0.10000000149011612}}`,
	}
	for _, in := range fast {
		if !checkAgree(t, []byte(in+" ")) {
			t.Errorf("%q: the fast path gave up on a well-formed container", in)
		}
	}
	// The fast path must give up on these (skipContainer then reports or
	// accepts them exactly as before).
	slow := []string{
		`{"a":1,}`, `[1,]`, `{"a" 1}`, `{1:2}`, `[1 2]`, `{"a":1]`, `[1}`, `{"a":"x\q"}`,
		"{\"a\":\"x\ty\"}", `{"a":"x\u12"}`, `[NaN]`, `[Infinity]`, `[-Infinity]`, `[tru]`, `[nul]`,
		`[01]`, `[1.]`, `[-]`, `[1e]`, `[.5]`, `{"a":1`, `[1,2`, `{"a":"unterminated`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`[1`, `{"a":12`, // end of the buffer: the number may go on in the next read
	}
	for _, in := range slow {
		data := []byte(in)
		if !strings.HasSuffix(in, "1") && !strings.HasSuffix(in, "2") {
			data = append(data, ' ')
		}
		if ok, _, _, _, _, _ := skipBoth(t, data); ok {
			t.Errorf("%q: the fast path took it", in)
		}
	}
}

// FuzzSkipFast: whatever skipFast accepts, skipContainer accepts the same
// way (same end, same truthiness); what it refuses is left to skipContainer.
func FuzzSkipFast(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":null}],"c":"d\n"} `, `[true,false,-1.5e3] `, `{"x":"\u00e9"}]`, `[[]] `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || (data[0] != '{' && data[0] != '[') {
			return
		}
		checkAgree(t, data)
	})
}

// TestStrStop compares the eight-byte test with the byte table on every
// position of words built from the bytes that matter and their neighbours.
func TestStrStop(t *testing.T) {
	interesting := []byte{0, 1, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 'a', 0x7f, 0x80, 0xc3, 0xff}
	var w [8]byte
	check := func() {
		m := strStop(binary.LittleEndian.Uint64(w[:]))
		want := -1
		for k, c := range w {
			if strClass[c] != 0 {
				want = k
				break
			}
		}
		got := -1
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != want {
			t.Fatalf("%q: first stop byte %d, want %d", w, got, want)
		}
	}
	for _, a := range interesting {
		for _, b := range interesting {
			for pa := range 8 {
				for pb := range 8 {
					for k := range w {
						w[k] = 'x'
					}
					w[pa], w[pb] = a, b
					check()
				}
			}
		}
	}
	for c := range 256 {
		for k := range w {
			w[k] = 'x'
		}
		w[7] = byte(c)
		check()
	}
}

// readBoth decodes data with and without xyzAhead and fails t when the
// outcomes differ in any way (events, error, counts).
func readBoth(t *testing.T, data []byte) {
	t.Helper()
	read := func(noXYZ bool) (*Match, error) {
		testNoXYZ = noXYZ
		defer func() { testNoXYZ = false }()
		return Read(context.Background(), bytes.NewReader(data), "t", 1<<20)
	}
	fast, ferr := read(false)
	slow, serr := read(true)
	if (ferr == nil) != (serr == nil) || (ferr != nil && ferr.Error() != serr.Error()) {
		t.Fatalf("%q: errors differ: fast %v, general %v", data, ferr, serr)
	}
	if ferr == nil {
		if f, g := dumpMatch(fast), dumpMatch(slow); f != g {
			t.Fatalf("%q: matches differ:\nfast    %s\ngeneral %s", data, f, g)
		}
	}
}

// dumpMatch prints a match with the actors and damage infos the events
// point to, so two decodes compare by value (NaN equal to NaN, as printed).
func dumpMatch(m *Match) string {
	var b strings.Builder
	fmt.Fprintf(&b, "total=%d mismatches=%d %q\n", m.TotalEvents, m.Mismatches, m.FirstMismatch)
	for i := range m.Events {
		ev := m.Events[i]
		chars := []*Character{ev.Attacker, ev.Victim, ev.Finisher, ev.Killer, ev.DBNOMaker, ev.Character, ev.Reviver}
		infos := []*DamageInfo{ev.FinishDamage, ev.KillerDamage, ev.DBNODamage}
		ev.Attacker, ev.Victim, ev.Finisher, ev.Killer, ev.DBNOMaker, ev.Character, ev.Reviver = nil, nil, nil, nil, nil, nil, nil
		ev.FinishDamage, ev.KillerDamage, ev.DBNODamage = nil, nil, nil
		fmt.Fprintf(&b, "%+v\n", ev)
		for k, c := range chars {
			if c != nil {
				fmt.Fprintf(&b, "  actor %d %+v\n", k, *c)
			}
		}
		for k, d := range infos {
			if d != nil {
				fmt.Fprintf(&b, "  info %d %+v\n", k, *d)
			}
		}
	}
	return b.String()
}

func positionEvent(location string) []byte {
	return []byte(`[{"_T":"LogGameStatePeriodic","gameState":{"elapsedTime":1}},{"_T":"LogPlayerPosition","character":{"name":"a","teamId":1,"location":` +
		location + `},"elapsedTime":3}]`)
}

// TestXYZAhead: the location fast path takes the real shape and gives the
// general decoder's values; every other shape is left to the general decoder.
func TestXYZAhead(t *testing.T) {
	for _, c := range []struct {
		loc  string
		fast bool
	}{
		{`{"x":54800.12890625,"y":753071.9375,"z":1296.740478515625}`, true},
		{`{"x":-0,"y":0.10000000149011612,"z":1}`, true},
		{`{"x":1,"y":2,"z":3}`, true},
		{`{"x":12345678901234567890,"y":2,"z":3}`, false}, // 20 digits: strconv
		{`{"x":1e5,"y":2,"z":3}`, false},
		{`{"x":1,"y":2}`, false},
		{`{"y":2,"x":1,"z":3}`, false},
		{`{"x":1,"y":2,"z":3,"w":4}`, false},
		{`{"x": 1,"y":2,"z":3}`, false},
		{`{"x":null,"y":2,"z":3}`, false},
		{`{"x":NaN,"y":2,"z":3}`, false},
		{`{"x":"1","y":2,"z":3}`, false},
		{`{"x":01,"y":2,"z":3}`, false},
		{`{"x":1,"y":2,"z":3,}`, false},
		{`{}`, false},
		{`[]`, false},
	} {
		s := newScanner(bytes.NewReader([]byte(c.loc+" ")), "t", nil)
		if _, err := s.peek(); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.xyzAhead(); ok != c.fast {
			t.Errorf("%s: fast path took it = %v, want %v", c.loc, ok, c.fast)
		}
		readBoth(t, positionEvent(c.loc))
	}
}

// FuzzXYZAhead: with or without the location fast path, any location value
// decodes to the same match or the same error.
func FuzzXYZAhead(f *testing.F) {
	for _, s := range []string{`{"x":1.5,"y":-2,"z":3.25}`, `{"x":1,"y":2,"z":3}`, `{"x":1e400,"y":2,"z":3}`, `{"x":-,"y":2,"z":3}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, loc string) {
		readBoth(t, positionEvent(loc))
	})
}

func TestKeyAhead(t *testing.T) {
	for _, c := range []struct {
		in, key string
		ok      bool
	}{
		{`"name":1`, "name", true},
		{`"":1`, "", true},
		{`"a long key of more than eight bytes":1`, "a long key of more than eight bytes", true},
		{`"é":1`, "é", true},
		{`"na\"me":1`, "", false}, // escapes: readString unescapes
		{`"name" :1`, "", false},  // space before the colon: expect
		{`"name",1`, "", false},
		{"\"na\tme\":1", "", false},
		{`"name"`, "", false}, // the colon is not in the buffer
		{`"unterminated`, "", false},
	} {
		s := newScanner(bytes.NewReader([]byte(c.in)), "t", nil)
		if _, err := s.peek(); err != nil {
			t.Fatal(err)
		}
		key, ok := s.keyAhead()
		if ok != c.ok || string(key) != c.key || (ok && s.pos != len(c.key)+3) || (!ok && s.pos != 0) {
			t.Errorf("%s: keyAhead = %q, %v, pos %d; want %q, %v", c.in, key, ok, s.pos, c.key, c.ok)
		}
	}
}

// TestDroppedEventLeavesNoFields: a dropped event whose fields were
// decoded before its `_T` (so its slot was written) must not lend them to
// the kept event decoded into the same slot next; one dropped with `_T`
// first leaves the slot clear without being cleared.
func TestDroppedEventLeavesNoFields(t *testing.T) {
	data := []byte(`[{"damage":5,"distance":7,"attackId":3,"damageCauserName":"w","_T":"LogSomethingElse"},` +
		`{"_T":"LogPlayerTakeDamage"},` +
		`{"_T":"LogSomethingElse","damage":9},` +
		`{"_T":"LogPlayerTakeDamage","distance":1}]`)
	m, err := Read(context.Background(), bytes.NewReader(data), "t", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Events) != 2 {
		t.Fatalf("kept %d events, want 2", len(m.Events))
	}
	a, b := m.Events[0], m.Events[1]
	if a.Has&(HasDamage|HasDistance|HasAttackID|HasDamageCauserName) != 0 || a.Damage != 0 || a.Distance != 0 || a.AttackID != 0 || a.DamageCauserName != "" {
		t.Errorf("first kept event inherited the dropped event's fields: %+v", a)
	}
	if b.Has&HasDamage != 0 || b.Damage != 0 || b.Has&HasDistance == 0 || b.Distance != 1 {
		t.Errorf("second kept event: %+v", b)
	}
}

// TestDeepNestingInSkippedValues: nesting is bounded as CPython's
// recursion is, in values that are skipped too (the fast skip gives up
// past 64 levels and the careful one counts to maxDepth).
func TestDeepNestingInSkippedValues(t *testing.T) {
	for _, c := range []struct {
		depth int
		ok    bool
	}{{10, true}, {64, true}, {65, true}, {500, true}, {maxDepth + 5, false}, {5000, false}} {
		v := strings.Repeat("[", c.depth) + strings.Repeat("]", c.depth)
		data := []byte(`[{"_T":"LogPlayerTakeDamage","junk":` + v + `},{"_T":"LogSomethingElse","junk":` + v + `}]`)
		_, err := Read(context.Background(), bytes.NewReader(data), "t", 1<<20)
		if c.ok && err != nil {
			t.Errorf("depth %d: %v", c.depth, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "nesting deeper than")) {
			t.Errorf("depth %d: err = %v, want nesting deeper than %d", c.depth, err, maxDepth)
		}
	}
}
