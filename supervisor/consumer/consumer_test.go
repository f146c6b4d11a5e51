package consumer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// These tests need no broker: what a delivery reads from its headers, what
// a dead-lettered copy carries, how the URL is built, and that a delivery
// of a dead channel is never settled or copied. The end-to-end tests in
// package supervisor cover the consumer against RabbitMQ.

func delivery(h amqp.Table) *Delivery {
	return &Delivery{d: amqp.Delivery{Headers: h, Body: []byte(`{"match_id":"m1"}`), MessageId: "id-1"}, gen: 1, c: New(Config{Environment: "test"})}
}

func TestAttempts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      amqp.Table
		want   int
		broker bool
	}{
		{"no header", nil, 0, false},
		{"ours as int32", amqp.Table{HeaderAttempts: int32(2)}, 2, false},
		{"ours as int64", amqp.Table{HeaderAttempts: int64(3)}, 3, false},
		{"ours as int8", amqp.Table{HeaderAttempts: int8(1)}, 1, false},
		{"not a number", amqp.Table{HeaderAttempts: "2"}, 0, false},
		{"a quorum queue's count", amqp.Table{HeaderDeliveryCount: int64(4)}, 4, true},
		{"the larger of the two", amqp.Table{HeaderAttempts: int32(5), HeaderDeliveryCount: int64(1)}, 5, true},
	} {
		d := delivery(tc.h)
		if got := d.Attempts(); got != tc.want {
			t.Errorf("%s: Attempts() = %d, want %d", tc.name, got, tc.want)
		}
		if got := d.BrokerCounts(); got != tc.broker {
			t.Errorf("%s: BrokerCounts() = %v, want %v", tc.name, got, tc.broker)
		}
	}
}

func TestTransientAttempts(t *testing.T) {
	first := time.Date(2026, 12, 6, 8, 0, 0, 123456789, time.UTC)
	n, at := delivery(amqp.Table{HeaderTransientAttempts: int32(3), HeaderFirstTransientAt: first.Format(time.RFC3339Nano)}).TransientAttempts()
	if n != 3 || !at.Equal(first) {
		t.Errorf("got %d at %s, want 3 at %s", n, at, first)
	}
	if n, at := delivery(amqp.Table{HeaderFirstTransientAt: "yesterday"}).TransientAttempts(); n != 0 || !at.IsZero() {
		t.Errorf("a garbled header read as %d at %s, want nothing", n, at)
	}
}

func TestFailureHeaders(t *testing.T) {
	orig := amqp.Table{HeaderAttempts: int32(1), "x-custom": "kept"}
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	h := failureHeaders(orig, FailureInfo{Reason: "crash", ErrorType: "ChildCrash", Error: strings.Repeat("e", 5000),
		Attempts: 2, MatchID: "m1", WorkerID: "w1"}, "match.processing.test", now)
	want := map[string]any{
		HeaderFailureReason: "crash", HeaderErrorType: "ChildCrash", HeaderFailedAttempt: int32(2),
		HeaderOriginalQueue: "match.processing.test", HeaderFailedAt: "2026-12-06T08:00:00Z",
		HeaderMatchID: "m1", HeaderWorkerID: "w1", HeaderAttempts: int32(1), "x-custom": "kept",
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("%s = %v, want %v", k, h[k], v)
		}
	}
	if msg, _ := h[HeaderErrorMessage].(string); len(msg) > 4096+len("…") {
		t.Errorf("error message of %d bytes not truncated", len(msg))
	}
	if _, ok := orig[HeaderFailureReason]; ok {
		t.Error("the delivery's own headers were changed")
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct{ vhost, password string }{
		{"/", "guest"},
		{"pewstats", "p@ss/w:rd%"},
		{"team/prod", "x"},
	} {
		c := Config{Host: "rabbit", Port: 5672, User: "u", Password: tc.password, VHost: tc.vhost}
		uri, err := amqp.ParseURI(c.URL())
		if err != nil {
			t.Fatalf("%s: %v", c.URL(), err)
		}
		if uri.Password != tc.password || uri.Vhost != tc.vhost || uri.Host != "rabbit" || uri.Port != 5672 {
			t.Errorf("URL for vhost %q: the client reads vhost %q, password %q, host %s:%d", tc.vhost, uri.Vhost, uri.Password, uri.Host, uri.Port)
		}
		if strings.Contains(c.Redacted(), tc.password) {
			t.Errorf("Redacted() shows the password: %s", c.Redacted())
		}
	}
}

// A delivery whose channel is not the live one is never acked, requeued,
// copied or dead-lettered: the broker has the original back.
func TestStaleDeliveryIsNeverSettledOrCopied(t *testing.T) {
	d := delivery(nil)
	d.c.gen = 2 // a newer channel replaced the delivery's
	for name, err := range map[string]error{
		"Ack":        d.Ack(),
		"Requeue":    d.Requeue(),
		"Republish":  d.Republish(context.Background(), amqp.Table{HeaderAttempts: int32(1)}),
		"DeadLetter": d.DeadLetter(context.Background(), FailureInfo{Reason: "crash"}),
	} {
		if !errors.Is(err, ErrStale) {
			t.Errorf("%s on a stale delivery: %v, want ErrStale", name, err)
		}
	}
}
