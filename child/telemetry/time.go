package telemetry

import "time"

// parseTime parses an event's `_D`. Telemetry writes RFC 3339 in UTC with
// a 'Z' and 0–9 fraction digits ("2025-10-07T12:00:01.123Z"); that form is
// decoded by hand, anything else goes through time.Parse. The result keeps
// every fraction digit; code that mirrors the reference's datetime
// arithmetic truncates to microseconds, as CPython's fromisoformat does.
func parseTime(b []byte) (time.Time, bool) {
	if t, ok := fastTime(b); ok {
		return t, true
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		// No zone: taken as UTC, so a file of naive timestamps compares
		// among itself as the reference's naive datetimes would.
		if t, err = time.Parse("2006-01-02T15:04:05.999999999", string(b)); err != nil {
			return time.Time{}, false
		}
	}
	return t.UTC(), true
}

func fastTime(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	min, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	rest := b[19 : len(b)-1]
	if len(rest) > 0 {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		digits := rest[1:]
		v, ok := num(20, len(digits))
		if !ok {
			return time.Time{}, false
		}
		for i := len(digits); i < 9; i++ {
			v *= 10
		}
		nsec = v
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
