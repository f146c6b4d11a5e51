package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Header names the supervisor reads and writes.
const (
	// HeaderAttempts counts deliveries that ended without a result (the
	// child crashed, timed out or ran out of memory). It is carried by
	// republishing, so it survives moving between parents.
	HeaderAttempts = "x-collector-attempts"
	// HeaderDeliveryCount is set by quorum queues on redelivery.
	HeaderDeliveryCount = "x-delivery-count"
)

// Delivery is one received message, tied to the channel generation it came
// from.
type Delivery struct {
	Body        []byte
	Headers     amqp.Table
	MessageID   string
	Redelivered bool
	ReceivedAt  time.Time

	d   amqp.Delivery
	gen uint64
	ctx context.Context
	c   *Consumer
}

func (c *Consumer) wrap(d amqp.Delivery, gen uint64) *Delivery {
	c.mu.Lock()
	ctx := c.genCtx
	c.mu.Unlock()
	return &Delivery{Body: d.Body, Headers: d.Headers, MessageID: d.MessageId, Redelivered: d.Redelivered, ReceivedAt: time.Now(), d: d, gen: gen, ctx: ctx, c: c}
}

// Context ends when the channel the delivery came on has died: the broker
// has then returned the message to the queue (and may have redelivered it
// already), so work not yet started for it must not start.
func (d *Delivery) Context() context.Context { return d.ctx }

// Attempts is how many earlier deliveries of this message ended without a
// result, from our header or, on a quorum queue, the broker's count.
func (d *Delivery) Attempts() int {
	n := headerInt(d.Headers, HeaderAttempts)
	if dc := headerInt(d.Headers, HeaderDeliveryCount); dc > n {
		n = dc
	}
	return n
}

// BrokerCounts reports whether the broker counts redeliveries itself
// (quorum queues set x-delivery-count), so a plain reject suffices.
func (d *Delivery) BrokerCounts() bool {
	_, ok := d.Headers[HeaderDeliveryCount]
	return ok
}

func headerInt(t amqp.Table, k string) int {
	switch v := t[k].(type) {
	case int8:
		return int(v)
	case int16:
		return int(v)
	case int32:
		return int(v)
	case int64:
		return int(v)
	case int:
		return v
	case uint8:
		return int(v)
	case uint16:
		return int(v)
	case uint32:
		return int(v)
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
func (d *Delivery) Ack() error {
	if !d.live() {
		return ErrStale
	}
	if err := d.d.Ack(false); err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	return nil
}

// Requeue returns the message to the queue with basic.reject(requeue=true),
// which quorum queues count against their delivery limit (basic.nack is not
// counted from RabbitMQ 4.3 on).
func (d *Delivery) Requeue() error {
	if !d.live() {
		return ErrStale
	}
	if err := d.d.Reject(true); err != nil {
		return fmt.Errorf("reject with requeue: %w", err)
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
	h := cloneTable(d.Headers)
	h["x-failure-reason"] = f.Reason
	h["x-error-type"] = f.ErrorType
	h["x-error-message"] = truncate(f.Error, 4096)
	h["x-attempts"] = int32(f.Attempts)
	h["x-original-queue"] = d.c.cfg.ProcessingQueue()
	h["x-failed-at"] = time.Now().UTC().Format(time.RFC3339)
	if f.MatchID != "" {
		h["x-match-id"] = f.MatchID
	}
	if f.WorkerID != "" {
		h["x-worker-id"] = f.WorkerID
	}
	if err := d.c.publishToQueue(ctx, d.c.cfg.FailedQueue(), d.publishing(h)); err != nil {
		return fmt.Errorf("dead-letter to %s: %w", d.c.cfg.FailedQueue(), err)
	}
	return d.Ack()
}

// Retry republishes the message to the processing queue with its attempt
// count raised, then acks the original: on a classic queue that is the only
// way to carry a count across redeliveries and parents.
func (d *Delivery) Retry(ctx context.Context, attempts int) error {
	h := cloneTable(d.Headers)
	h[HeaderAttempts] = int32(attempts)
	if err := d.c.publishToQueue(ctx, d.c.cfg.ProcessingQueue(), d.publishing(h)); err != nil {
		return fmt.Errorf("republish for retry: %w", err)
	}
	return d.Ack()
}

func (d *Delivery) publishing(h amqp.Table) amqp.Publishing {
	ct := d.d.ContentType
	if ct == "" {
		ct = "application/json"
	}
	return amqp.Publishing{
		Headers:      h,
		ContentType:  ct,
		DeliveryMode: amqp.Persistent,
		MessageId:    d.d.MessageId,
		Timestamp:    d.d.Timestamp,
		Body:         d.Body,
	}
}

// errUnroutable means the broker confirmed a mandatory message it could not
// route (the queue does not exist): the copy was not stored.
var errUnroutable = errors.New("no queue to route the message to")

// publishToQueue publishes to queue with a confirm. If the queue has gone
// (deleted while we run), it is declared again, durable and without
// arguments as at start, and the publish is retried once: a dead-letter must
// never be acked on the strength of a confirm for a message the broker
// dropped.
func (c *Consumer) publishToQueue(ctx context.Context, queue string, p amqp.Publishing) error {
	err := c.publishConfirmed(ctx, queue, p)
	if !errors.Is(err, errUnroutable) {
		return err
	}
	c.log.Warn("queue missing on publish; declaring it again", "queue", queue)
	if err := c.declareQueue(queue); err != nil {
		return err
	}
	return c.publishConfirmed(ctx, queue, p)
}

func (c *Consumer) declareQueue(queue string) error {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	ch, err := c.publishChannel()
	if err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		c.dropPublishChannel(ch)
		return fmt.Errorf("declare %s: %w", queue, err)
	}
	return nil
}

// publishConfirmed publishes through the default exchange to queue
// (mandatory) and waits for the broker's ack (publisher confirms), so a
// message is never acked before its copy is safely stored.
func (c *Consumer) publishConfirmed(ctx context.Context, queue string, p amqp.Publishing) error {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	ch, err := c.publishChannel()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, p)
	if err != nil {
		c.dropPublishChannel(ch)
		return fmt.Errorf("publish: %w", err)
	}
	ok, err := conf.WaitContext(ctx)
	if err != nil {
		c.dropPublishChannel(ch)
		return fmt.Errorf("wait for confirm: %w", err)
	}
	if !ok {
		return fmt.Errorf("broker refused (nack) the message for %s", queue)
	}
	// The broker sends basic.return before the ack of an unroutable
	// mandatory message, and the library hands it over before it processes
	// the ack, so it is already buffered here if there was one.
	select {
	case r, ok := <-c.returns:
		if ok { // a closed channel (the pub channel died) is not a return
			return fmt.Errorf("%s: %w (%s)", queue, errUnroutable, r.ReplyText)
		}
	default:
	}
	return nil
}

func (c *Consumer) publishChannel() (*amqp.Channel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pub != nil && !c.pub.IsClosed() {
		return c.pub, nil
	}
	if c.conn == nil || c.conn.IsClosed() {
		return nil, fmt.Errorf("not connected to RabbitMQ")
	}
	ch, err := c.conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("open publish channel: %w", err)
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, fmt.Errorf("enable publisher confirms: %w", err)
	}
	// Unroutable mandatory messages come back as basic.return, read by
	// publishConfirmed. One publish is in flight at a time, so a small
	// buffer never blocks the library.
	c.returns = ch.NotifyReturn(make(chan amqp.Return, 4))
	c.pub = ch
	return ch, nil
}

func (c *Consumer) dropPublishChannel(ch *amqp.Channel) {
	c.mu.Lock()
	if c.pub == ch {
		c.pub = nil
	}
	c.mu.Unlock()
	_ = ch.Close()
}

func cloneTable(t amqp.Table) amqp.Table {
	out := make(amqp.Table, len(t)+8)
	for k, v := range t {
		out[k] = v
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
