package extract

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// decode runs hand-written telemetry JSON through the real reader.
func decode(t *testing.T, events ...string) []telemetry.Event {
	t.Helper()
	js := "[" + strings.Join(events, ",\n") + "]"
	m, err := telemetry.Read(context.Background(), bytes.NewReader([]byte(js)), "golden.json", 0)
	if err != nil {
		t.Fatalf("read: %v\n%s", err, js)
	}
	return m.Events
}

// ch renders a Character object.
func ch(name string, team int, account string, x, y, z float64, extra ...string) string {
	parts := []string{fmt.Sprintf(`"name":%q,"teamId":%d,"health":100`, name, team)}
	if account != "" {
		parts = append(parts, fmt.Sprintf(`"accountId":%q`, account))
	}
	parts = append(parts, fmt.Sprintf(`"location":{"x":%v,"y":%v,"z":%v}`, x, y, z))
	parts = append(parts, extra...)
	return "{" + strings.Join(parts, ",") + "}"
}

func stamp(s string) string { return `"_D":"2025-10-07T` + s + `Z"` }

func tm(t *testing.T, s string) Opt[time.Time] {
	v, err := time.Parse(time.RFC3339Nano, "2025-10-07T"+s+"Z")
	if err != nil {
		t.Fatal(err)
	}
	return Some(v)
}

func s(v string) Opt[string]   { return Some(v) }
func f(v float64) Opt[float64] { return Some(v) }
func i(v int64) Opt[int64]     { return Some(v) }
func loc(x, y, z float64) Loc {
	return Loc{Some(x), Some(y), Some(z)}
}

// same compares rows field by field and names the first difference.
func same[T any](t *testing.T, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for k := range want {
		g, w := reflect.ValueOf(got[k]), reflect.ValueOf(want[k])
		for fi := 0; fi < g.NumField(); fi++ {
			if !reflect.DeepEqual(g.Field(fi).Interface(), w.Field(fi).Interface()) {
				t.Errorf("row %d %s:\n got %+v\nwant %+v", k, g.Type().Field(fi).Name, g.Field(fi).Interface(), w.Field(fi).Interface())
			}
		}
	}
}
