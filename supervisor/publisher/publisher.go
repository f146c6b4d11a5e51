// Package publisher is the one way collector puts a message on a queue:
// dead-letters and retries from the supervisor, `collector failed --requeue`
// and `collector publish` all go through Publisher.Publish, so the rules
// that keep a message from being lost live in one place:
//
//   - persistent, through the default exchange to the named queue;
//   - mandatory, so a message the broker cannot route comes back as a
//     basic.return instead of being dropped in silence;
//   - publisher confirms, so the caller acks or forgets the original only
//     after the broker has taken the copy;
//   - a queue that has disappeared (deleted by hand) is declared again,
//     durable and without arguments as at start, and the publish retried
//     once.
//
// It must not know what the messages mean.
package publisher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// errUnroutable means the broker confirmed a mandatory message it could not
// route (the queue does not exist): the copy was not stored.
var errUnroutable = errors.New("no queue to route the message to")

// ErrNacked means the broker refused the message (basic.nack), e.g. a full
// queue under a reject-publish policy.
var ErrNacked = errors.New("broker refused the message")

// ErrUnconfirmed means no confirm came: the channel closed first, or the
// wait timed out. The broker may or may not have stored the message.
var ErrUnconfirmed = errors.New("the broker did not confirm the message; it may or may not be stored")

// defaultTimeout bounds one publish and its confirm.
const defaultTimeout = 30 * time.Second

// Publisher publishes with confirms on a channel of its own, opened on the
// connection conn returns and reopened whenever it has closed. Publishes are
// serialized: one is in flight at a time, which keeps the basic.return check
// exact.
type Publisher struct {
	conn func() (*amqp.Connection, error)
	log  *slog.Logger

	mu      sync.Mutex
	ch      *amqp.Channel
	returns chan amqp.Return
}

// New returns a Publisher on the connection conn returns (called whenever a
// channel has to be opened).
func New(conn func() (*amqp.Connection, error), log *slog.Logger) *Publisher {
	log = cmp.Or(log, slog.Default())
	return &Publisher{conn: conn, log: log}
}

// OnConnection is New for a fixed connection (command-line tools).
func OnConnection(c *amqp.Connection, log *slog.Logger) *Publisher {
	return New(func() (*amqp.Connection, error) {
		if c.IsClosed() {
			return nil, amqp.ErrClosed
		}
		return c, nil
	}, log)
}

// Publish stores msg in queue: it returns nil only once the broker has
// confirmed the message and routed it. DeliveryMode is forced to
// persistent.
func (p *Publisher) Publish(ctx context.Context, queue string, msg amqp.Publishing) error {
	msg.DeliveryMode = amqp.Persistent
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.publishOnce(ctx, queue, msg)
	if !errors.Is(err, errUnroutable) {
		return err
	}
	p.log.Warn("queue missing on publish; declaring it again", "queue", queue)
	if err := p.declare(queue); err != nil {
		return err
	}
	return p.publishOnce(ctx, queue, msg)
}

// Close closes the publisher's channel (not the connection).
func (p *Publisher) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop()
}

// declare declares queue again. Callers hold p.mu.
func (p *Publisher) declare(queue string) error {
	ch, err := p.channel()
	if err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		p.drop()
		return fmt.Errorf("declare %s: %w", queue, err)
	}
	return nil
}

// publishOnce publishes and waits for the confirm. Callers hold p.mu.
func (p *Publisher) publishOnce(ctx context.Context, queue string, msg amqp.Publishing) error {
	ch, err := p.channel()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, defaultTimeout)
	defer cancel()
	conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, msg)
	if err != nil {
		p.drop()
		return fmt.Errorf("publish to %s: %w", queue, err)
	}
	ok, err := conf.WaitContext(ctx)
	if err != nil {
		// A late confirm would be attributed to the next publish: start
		// that one on a fresh channel.
		p.drop()
		return fmt.Errorf("%s: %w (%v)", queue, ErrUnconfirmed, err)
	}
	if !ok {
		// The library resolves confirms still pending when the channel
		// closes as nacks: only a nack on an open channel is the broker's.
		if ch.IsClosed() {
			p.drop()
			return fmt.Errorf("%s: %w (channel closed)", queue, ErrUnconfirmed)
		}
		return fmt.Errorf("%s: %w", queue, ErrNacked)
	}
	// The broker sends basic.return before the ack of an unroutable
	// mandatory message, and the library hands it over before it processes
	// the ack, so it is already buffered here if there was one.
	select {
	case r, open := <-p.returns:
		if open { // a closed channel (the channel died) is not a return
			return fmt.Errorf("%s: %w (%s)", queue, errUnroutable, r.ReplyText)
		}
	default:
	}
	return nil
}

// channel returns the open confirm-mode channel, opening one if needed.
// Callers hold p.mu.
func (p *Publisher) channel() (*amqp.Channel, error) {
	if p.ch != nil && !p.ch.IsClosed() {
		return p.ch, nil
	}
	conn, err := p.conn()
	if err != nil {
		return nil, fmt.Errorf("no RabbitMQ connection to publish on: %w", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("open publish channel: %w", err)
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, fmt.Errorf("enable publisher confirms: %w", err)
	}
	// One publish is in flight at a time, so a small buffer never blocks
	// the library (which would deadlock the connection).
	p.returns = ch.NotifyReturn(make(chan amqp.Return, 4))
	p.ch = ch
	return ch, nil
}

// drop forgets a channel that may be in an unknown state. Callers hold p.mu.
func (p *Publisher) drop() {
	if p.ch != nil {
		_ = p.ch.Close()
		p.ch = nil
	}
}
