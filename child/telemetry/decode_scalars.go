package telemetry

import (
	"math"
	"strconv"
	"unsafe"
)

// pyVal is a scalar-or-container summary of a JSON value.
type pyVal struct {
	kind int
	f    float64
	t    bool // Python truthiness
}

// typeKey records one of the three event-type keys.
func (d *decoder) typeKey(i int) error {
	s := d.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	st, k := tFalsy, KindOther
	if c == '"' {
		b, err := s.readString()
		if err != nil {
			return err
		}
		if len(b) > 0 {
			st = tUnknown
			if kk, ok := kindOf(b); ok {
				st, k = tKnown, kk
			}
		}
	} else {
		_, truthy, err := s.skipValue(1)
		if err != nil {
			return err
		}
		if truthy {
			st = tUnknown
		}
	}
	d.tstate[i], d.tkind[i] = st, k
	if i == 0 {
		if d.skipRest && st != tUnknown {
			return errRedo // an earlier `_T` was overridden: fields were skipped
		}
		d.skipRest = d.allowSkip && st == tUnknown
	}
	return nil
}

func (v pyVal) truthy() bool { return v.t }

func (d *decoder) pyValue() (pyVal, error) {
	s := d.s
	c, err := s.peek()
	if err != nil {
		return pyVal{}, err
	}
	if c == '-' || (c >= '0' && c <= '9') {
		n, err := s.readNumber()
		return pyVal{kind: vNumber, f: n.f, t: n.f != 0}, err
	}
	k, t, err := s.skipValue(2)
	v := pyVal{kind: k, t: t}
	switch k {
	case vTrue:
		v.f = 1
	case vNumber: // NaN, Infinity
		v.f = math.NaN()
		if c == 'I' {
			v.f = math.Inf(1)
		}
	}
	return v, err
}

// str reads a string value. null yields ok=false; any other type is a
// mismatch (also ok=false).
func (d *decoder) str(f field) ([]byte, bool, error) {
	return d.strNamed(fieldNames[f], "")
}

func (d *decoder) strNamed(prefix, key string) ([]byte, bool, error) {
	s := d.s
	c, err := s.peek()
	if err != nil {
		return nil, false, err
	}
	if c == '"' {
		b, err := s.readString()
		return b, err == nil, err
	}
	k, _, err := s.skipValue(2)
	if err == nil && k != vNull {
		d.mismatch(prefix, key)
	}
	return nil, false, err
}

func (d *decoder) strField(f field, dst *string, h Has) error {
	b, ok, err := d.str(f)
	if ok {
		*dst, d.ev.Has = d.b.in.str(b), d.ev.Has|h
	} else {
		*dst, d.ev.Has = "", d.ev.Has&^h
	}
	return err
}

// num reads a number value (null: ok=false; other types: mismatch).
func (d *decoder) num(prefix, key string) (number, bool, error) {
	s := d.s
	c, err := s.peek()
	if err != nil {
		return number{}, false, err
	}
	if c == '-' || (c >= '0' && c <= '9') {
		n, err := s.readNumber()
		return n, err == nil, err
	}
	if c == 'N' || c == 'I' {
		v, err := d.pyValue()
		return number{f: v.f}, err == nil, err
	}
	k, _, err := s.skipValue(2)
	if err == nil && k != vNull {
		d.mismatch(prefix, key)
	}
	return number{}, false, err
}

func (d *decoder) floatField(f field, dst *float64, h Has) error {
	n, ok, err := d.num(fieldNames[f], "")
	if ok {
		*dst, d.ev.Has = n.f, d.ev.Has|h
	} else {
		*dst, d.ev.Has = 0, d.ev.Has&^h
	}
	return err
}

// toInt converts a number to an integer field: integral values only (a
// JSON 3.0 equals Python's 3 as a dict key and in comparisons).
func toInt(n number) (int64, bool) {
	if n.isInt {
		if v, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(n.raw), len(n.raw)), 10, 64); err == nil {
			return v, true
		}
		return 0, false
	}
	if n.f == math.Trunc(n.f) && math.Abs(n.f) < 1<<53 {
		return int64(n.f), true
	}
	return 0, false
}

func (d *decoder) intField(f field, dst *int64, h Has) error {
	n, ok, err := d.num(fieldNames[f], "")
	var v int64
	if ok {
		if v, ok = toInt(n); !ok {
			d.mismatch(fieldNames[f], "")
		}
	}
	if ok {
		*dst, d.ev.Has = v, d.ev.Has|h
	} else {
		*dst, d.ev.Has = 0, d.ev.Has&^h
	}
	return err
}

func (d *decoder) boolField(prefix, key string, dst *bool, has *Has, h Has) error {
	s := d.s
	k, _, err := s.skipValue(2)
	switch {
	case err != nil:
		return err
	case k == vTrue || k == vFalse:
		*dst, *has = k == vTrue, *has|h
	default:
		if k != vNull {
			d.mismatch(prefix, key)
		}
		*dst, *has = false, *has&^h
	}
	return nil
}

// strArray reads an array of strings; null, [] and wrong types yield nil.
func (d *decoder) strArray(prefix, key string) ([]string, error) {
	s := d.s
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c != '[' {
		k, _, err := s.skipValue(2)
		if err == nil && k != vNull {
			d.mismatch(prefix, key)
		}
		return nil, err
	}
	c, more, err := s.enter(']')
	var out []string
	bad := false
	for more && err == nil {
		if c == '"' {
			b, err := s.readString()
			if err != nil {
				return nil, err
			}
			out = append(out, d.b.in.str(b))
		} else {
			if _, _, err := s.skipValue(3); err != nil {
				return nil, err
			}
			bad = true
		}
		c, more, err = s.next(']', -1)
	}
	if err != nil {
		return nil, err
	}
	if bad {
		d.mismatch(prefix, key)
		return nil, nil
	}
	return d.b.in.slice(out), nil
}
