package consumer

import (
	"math"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestHeaderIntClamps: a count a publisher set negative or too large must
// not wrap below --max-attempts, or a poison message is retried for ever.
func TestHeaderIntClamps(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		want int
	}{
		{"int32", int32(3), 3},
		{"int64", int64(7), 7},
		{"negative", int64(-1000), 0},
		{"huge uint64", uint64(math.MaxUint64), math.MaxInt32},
		{"huge int64", int64(math.MaxInt64), math.MaxInt32},
		{"string", "5", 0},
		{"float", 2.0, 0},
		{"absent", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := amqp.Table{}
			if tc.v != nil {
				h["x"] = tc.v
			}
			if got := headerInt(h, "x"); got != tc.want {
				t.Errorf("headerInt(%v) = %d, want %d", tc.v, got, tc.want)
			}
		})
	}
}
