package consumer

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"reflect"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Header names the supervisor reads and writes.
const (
	// HeaderAttempts counts deliveries that ended without a result (the
	// child crashed, timed out or ran out of memory). It is carried by
	// republishing, so it survives moving between parents.
	HeaderAttempts = "x-collector-attempts"
	// HeaderTransientAttempts counts deliveries that ended in a transient
	// failure (database unreachable, deadlock, …); HeaderFirstTransientAt is
	// when the first of them happened (RFC 3339). Both are carried by
	// republishing, and bound how long a message may keep failing
	// transiently before it is dead-lettered as transient_exhausted.
	HeaderTransientAttempts = "x-collector-transient-attempts"
	HeaderFirstTransientAt  = "x-collector-first-transient-at"
	// HeaderDeliveryCount is set by quorum queues on redelivery.
	HeaderDeliveryCount = "x-delivery-count"

	// Headers of a dead-lettered message.
	HeaderFailureReason = "x-failure-reason"
	HeaderErrorType     = "x-error-type"
	HeaderErrorMessage  = "x-error-message"
	HeaderFailedAttempt = "x-attempts"
	HeaderOriginalQueue = "x-original-queue"
	HeaderFailedAt      = "x-failed-at"
	HeaderMatchID       = "x-match-id"
	HeaderWorkerID      = "x-worker-id"
)

// Delivery is one received message, tied to the channel generation it came
// on.
type Delivery struct {
	d   amqp.Delivery
	gen uint64
	ctx context.Context
	c   *Consumer
}

// Body is the message body.
func (d *Delivery) Body() []byte { return d.d.Body }

// MessageID is the AMQP message id ("" if the publisher set none).
func (d *Delivery) MessageID() string { return d.d.MessageId }

// Context ends when the channel the delivery came on has died: the broker
// has then returned the message to the queue (and may have redelivered it
// already), so work not yet started for it must not start.
func (d *Delivery) Context() context.Context { return d.ctx }

// Attempts is how many earlier deliveries of this message ended without a
// result, from our header or, on a quorum queue, the broker's count.
func (d *Delivery) Attempts() int {
	return max(headerInt(d.d.Headers, HeaderAttempts), headerInt(d.d.Headers, HeaderDeliveryCount))
}

// BrokerCounts reports whether the broker counts redeliveries itself
// (quorum queues set x-delivery-count), so a plain reject suffices.
func (d *Delivery) BrokerCounts() bool {
	_, ok := d.d.Headers[HeaderDeliveryCount]
	return ok
}

// headerInt reads an integer header of any width; anything else is 0. The
// value is clamped to [0, MaxInt32]: a publisher's negative or wrapped count
// must not keep a poison message below --max-attempts for ever.
func headerInt(t amqp.Table, k string) int {
	switch v := reflect.ValueOf(t[k]); {
	case v.CanInt():
		return int(min(max(v.Int(), 0), math.MaxInt32))
	case v.CanUint():
		return int(min(v.Uint(), math.MaxInt32))
	}
	return 0
}

// live reports whether the delivery's channel is still the current one.
func (d *Delivery) live() bool {
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	return d.gen == d.c.gen && d.c.ch != nil && !d.c.ch.IsClosed()
}

// Ack acknowledges the delivery.
func (d *Delivery) Ack() error { return d.settle("ack", func() error { return d.d.Ack(false) }) }

// Requeue returns the message to the queue with basic.reject(requeue=true),
// which quorum queues count against their delivery limit (basic.nack is not
// counted from RabbitMQ 4.3 on).
func (d *Delivery) Requeue() error {
	return d.settle("reject with requeue", func() error { return d.d.Reject(true) })
}

// settle runs one settling step (what) of a live delivery. Of a delivery
// whose channel has died it does nothing and returns ErrStale: the broker
// has the original back (and redelivers it), so a copy would be a second
// one and an ack would be refused.
func (d *Delivery) settle(what string, f func() error) error {
	if !d.live() {
		return ErrStale
	}
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// FailureInfo is what goes on a dead-lettered message.
type FailureInfo struct {
	Reason    string // crash, timeout, memory, permanent, invalid_message …
	ErrorType string
	Error     string
	Attempts  int
	MatchID   string
	WorkerID  string
}

// DeadLetter publishes the message to the failed queue with the failure in
// its headers, waits for the broker's confirm, then acks the original. The
// body is kept byte for byte so it can be republished as is.
func (d *Delivery) DeadLetter(ctx context.Context, f FailureInfo) error {
	// Of a dead channel's delivery, a copy in the failed queue now would be
	// a second one when the redelivery fails the same way.
	h := failureHeaders(d.d.Headers, f, d.c.cfg.ProcessingQueue(), time.Now())
	return d.copyThenAck(ctx, "dead-letter to "+d.c.cfg.FailedQueue(), d.c.cfg.FailedQueue(), h)
}

// copyThenAck publishes a copy of the message with headers h to queue,
// waits for the broker's confirm, then acks the original.
func (d *Delivery) copyThenAck(ctx context.Context, what, queue string, h amqp.Table) error {
	if err := d.settle(what, func() error { return d.c.pub.Publish(ctx, queue, d.publishing(h)) }); err != nil {
		return err
	}
	return d.Ack()
}

// failureHeaders are a dead-lettered copy's headers: the original ones
// (attempt counts included, for the record) plus what failed, where and
// when.
func failureHeaders(orig amqp.Table, f FailureInfo, queue string, now time.Time) amqp.Table {
	h := cloneTable(orig)
	h[HeaderFailureReason] = f.Reason
	h[HeaderErrorType] = f.ErrorType
	h[HeaderErrorMessage] = truncate(f.Error, 4096)
	h[HeaderFailedAttempt] = int32(f.Attempts)
	h[HeaderOriginalQueue] = queue
	h[HeaderFailedAt] = now.UTC().Format(time.RFC3339)
	if f.MatchID != "" {
		h[HeaderMatchID] = f.MatchID
	}
	if f.WorkerID != "" {
		h[HeaderWorkerID] = f.WorkerID
	}
	return h
}

// Republish publishes a copy of the message with the given headers set to
// the processing queue, waits for the broker's confirm, then acks the
// original: on a classic queue that is the only way to carry a count across
// redeliveries and parents. A copy that was not confirmed returns an error
// and leaves the original unsettled. If the original's channel has died
// nothing is published and ErrStale is returned: the broker redelivers the
// original (with its old counts). Only if the channel dies between the
// confirm and the ack are there two copies.
func (d *Delivery) Republish(ctx context.Context, set amqp.Table) error {
	h := cloneTable(d.d.Headers)
	maps.Copy(h, set)
	return d.copyThenAck(ctx, "republish for retry", d.c.cfg.ProcessingQueue(), h)
}

// TransientAttempts is how many earlier deliveries of this message ended in
// a transient failure, and when the first did (zero if none).
func (d *Delivery) TransientAttempts() (int, time.Time) {
	n := headerInt(d.d.Headers, HeaderTransientAttempts)
	s, _ := d.d.Headers[HeaderFirstTransientAt].(string)
	first, _ := time.Parse(time.RFC3339Nano, s) // the zero time if garbled
	return n, first
}

func (d *Delivery) publishing(h amqp.Table) amqp.Publishing {
	return amqp.Publishing{
		Headers:      h,
		ContentType:  cmp.Or(d.d.ContentType, "application/json"),
		DeliveryMode: amqp.Persistent,
		MessageId:    d.d.MessageId,
		Timestamp:    d.d.Timestamp,
		Body:         d.d.Body,
	}
}

func cloneTable(t amqp.Table) amqp.Table {
	out := make(amqp.Table, len(t)+8)
	maps.Copy(out, t)
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
