package consumer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/pewstats/collector/supervisor/internal/backoff"
	"github.com/pewstats/collector/supervisor/internal/defaults"
	"github.com/pewstats/collector/supervisor/internal/outage"
	"github.com/pewstats/collector/supervisor/publisher"
)

// Config configures a Consumer.
type Config struct {
	Host, User, Password, VHost string
	Port                        int
	// Environment names the queues: match.processing.<env>, match.failed.<env>.
	Environment string
	Prefetch    int
	// ConsumerTag identifies this consumer on the broker (e.g. WORKER_ID).
	ConsumerTag string
	Log         *slog.Logger
	// OnReconnect is called after every successful reconnect (metrics).
	OnReconnect func()
}

// heartbeat is the AMQP heartbeat.
const heartbeat = 10 * time.Second

// reconnectBackoff shapes the waits between reconnect attempts.
var reconnectBackoff = backoff.Policy{Base: time.Second, Max: 30 * time.Second, Jitter: 0.25}

// Queue names, as the reference builds them: {type}.{step}.{environment}.
func (c Config) ProcessingQueue() string { return "match.processing." + c.Environment }
func (c Config) FailedQueue() string     { return "match.failed." + c.Environment }
func (c Config) exchange() string        { return "match.exchange." + c.Environment }

// routingKey binds the processing queue to the exchange, as the reference does.
const routingKey = "match.processing"

// failedRoutingKey binds the failed queue to the exchange.
const failedRoutingKey = "match.failed"

// URL renders the AMQP URL. It contains the password: never log it.
func (c Config) URL() string {
	u := url.URL{Scheme: "amqp", User: url.UserPassword(c.User, c.Password), Host: c.Host + ":" + strconv.Itoa(c.Port)}
	// The vhost is one path segment: a "/" in it (the default vhost is "/")
	// must travel as %2F. Path is the decoded form, RawPath the encoding.
	u.Path = "/" + c.VHost
	u.RawPath = "/" + url.PathEscape(c.VHost)
	return u.String()
}

// Redacted describes the broker for logs.
func (c Config) Redacted() string {
	return fmt.Sprintf("amqp://%s@%s:%d vhost=%s", c.User, c.Host, c.Port, c.VHost)
}

// ErrStale is returned when settling a delivery whose channel has died since
// it was received. The broker will redeliver the message.
var ErrStale = errors.New("consumer: delivery belongs to a closed channel; the broker will redeliver it")

// Consumer consumes the processing queue and publishes to the failed queue.
type Consumer struct {
	cfg Config
	out chan *Delivery

	mu   sync.Mutex
	conn *amqp.Connection
	ch   *amqp.Channel        // consuming channel
	gen  uint64               // bumped on every new consuming channel
	pub  *publisher.Publisher // dead-letters and retries, on the same connection

	// outage is how long the broker has been unreachable (for /health);
	// the connection is up while it is Ok.
	outage    outage.Tracker
	consuming atomic.Bool
	paused    atomic.Bool
	pauseCh   chan bool // true = pause, false = resume
}

// New creates a Consumer; Run connects it.
func New(cfg Config) *Consumer {
	defaults.Set(&cfg.Prefetch, 1)
	cfg.Log = cmp.Or(cfg.Log, slog.Default())
	c := &Consumer{cfg: cfg, out: make(chan *Delivery), pauseCh: make(chan bool, 1)}
	c.pub = publisher.New(c.currentConn, cfg.Log)
	c.outage.Down(time.Now()) // not connected yet
	return c
}

// currentConn is the live connection, for the publisher.
func (c *Consumer) currentConn() (*amqp.Connection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil || c.conn.IsClosed() {
		return nil, errors.New("not connected to RabbitMQ")
	}
	return c.conn, nil
}

// Deliveries is the stream of received messages. It is closed when Run returns.
func (c *Consumer) Deliveries() <-chan *Delivery { return c.out }

// Unreachable is how long the broker has been unreachable (0 while
// connected). Until the first connection the outage counts from New.
func (c *Consumer) Unreachable() time.Duration { return c.outage.For(time.Now()) }

// Connected reports whether the broker connection is up.
func (c *Consumer) Connected() bool { return c.outage.Ok() }

// Consuming reports whether deliveries are flowing (connected, not paused).
func (c *Consumer) Consuming() bool { return c.consuming.Load() }

// Pause stops receiving new deliveries (basic.cancel) without closing the
// connection; Resume starts again. Used to back off while the database is down.
func (c *Consumer) Pause() { c.setPaused(true) }

// Resume undoes Pause.
func (c *Consumer) Resume() { c.setPaused(false) }

// setPaused tells the running session of a change; only the latest one
// matters.
func (c *Consumer) setPaused(p bool) {
	if c.paused.CompareAndSwap(!p, p) {
		select {
		case <-c.pauseCh:
		default:
		}
		c.pauseCh <- p
	}
}

// Run connects and consumes until ctx ends, reconnecting whenever the
// connection or channel closes. When ctx ends it cancels the consumer (no new
// deliveries) but leaves the connection open, so in-flight deliveries can
// still be settled; call Close after they are.
func (c *Consumer) Run(ctx context.Context) error {
	defer close(c.out)
	attempt, opened := 0, false // opened: a session has opened its channel
	for ctx.Err() == nil {
		ok, err := c.session(ctx, opened)
		if ok {
			attempt, opened = 0, true
		}
		c.consuming.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		attempt++
		d := reconnectBackoff.Delay(attempt)
		// session returns nil only when ctx has ended.
		c.cfg.Log.Warn("lost RabbitMQ; reconnecting", "broker", c.cfg.Redacted(), "error", err.Error(), "retry_in", d.Round(time.Millisecond).String(), "attempt", attempt)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// session is one connection's life: connect, declare, consume until
// something closes or ctx ends. It reports whether it got as far as
// opening its channel; reconnect says an earlier session did.
func (c *Consumer) session(ctx context.Context, reconnect bool) (bool, error) {
	conn, err := c.ensureConn()
	if err != nil {
		return false, err
	}
	ch, wrap, channelDied, err := c.openConsumingChannel(conn)
	if err != nil {
		return false, err
	}
	defer func() {
		if ctx.Err() == nil {
			channelDied()
		}
	}()
	if reconnect && c.cfg.OnReconnect != nil {
		c.cfg.OnReconnect()
	}
	if reconnect {
		c.cfg.Log.Info("reconnected to RabbitMQ", "broker", c.cfg.Redacted(), "queue", c.cfg.ProcessingQueue())
	}

	// Dedicated drains: amqp091 sends on Notify channels synchronously and
	// would deadlock if nobody read them.
	connClosed := conn.NotifyClose(make(chan *amqp.Error, 1))
	chClosed := ch.NotifyClose(make(chan *amqp.Error, 1))
	cancelled := ch.NotifyCancel(make(chan string, 1))

	for {
		var msgs <-chan amqp.Delivery
		paused := c.paused.Load()
		if !paused {
			msgs, err = ch.Consume(c.cfg.ProcessingQueue(), c.cfg.ConsumerTag, false, false, false, false, nil)
			if err != nil {
				return true, fmt.Errorf("consume %s: %w", c.cfg.ProcessingQueue(), err)
			}
			c.cfg.Log.Info("Starting consumption from queue: "+c.cfg.ProcessingQueue(), "prefetch", c.cfg.Prefetch)
		}
		c.consuming.Store(!paused)
		resume, err := c.pump(ctx, ch, wrap, msgs, connClosed, chClosed, cancelled)
		if err != nil || !resume {
			return true, err
		}
	}
}

// pump forwards deliveries until the channel closes (error), ctx ends
// (nil, false) or a pause/resume toggles (nil, true).
func (c *Consumer) pump(ctx context.Context, ch *amqp.Channel, wrap func(amqp.Delivery) *Delivery, msgs <-chan amqp.Delivery,
	connClosed, chClosed <-chan *amqp.Error, cancelled <-chan string) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			if msgs != nil {
				// basic.cancel stops new deliveries but keeps the channel,
				// so in-flight ones can still be acked during the drain.
				// Anything the broker pushed that we never forwarded stays
				// unacked and returns to the queue when Close closes the
				// connection.
				_ = ch.Cancel(c.cfg.ConsumerTag, false)
			}
			return false, nil
		case e := <-connClosed:
			return false, fmt.Errorf("connection closed: %v", e)
		case e := <-chClosed:
			return false, fmt.Errorf("channel closed: %v", e)
		case tag := <-cancelled:
			// The broker cancelled us (queue deleted, consumer_timeout in
			// some versions): treat as a lost channel and start over.
			_ = ch.Close()
			return false, fmt.Errorf("consumer %q cancelled by the broker", tag)
		case p := <-c.pauseCh:
			if p && msgs != nil {
				if err := ch.Cancel(c.cfg.ConsumerTag, false); err != nil {
					return false, fmt.Errorf("pause: %w", err)
				}
				c.cfg.Log.Warn("consumption paused", "queue", c.cfg.ProcessingQueue())
				c.drainAfterCancel(ctx, wrap, msgs)
				return true, nil
			}
			if !p && msgs == nil {
				c.cfg.Log.Info("consumption resumed", "queue", c.cfg.ProcessingQueue())
				return true, nil
			}
		case d, ok := <-msgs:
			if !ok {
				msgs = nil
				// The channel is closing; the close notification follows.
				continue
			}
			select {
			case c.out <- wrap(d):
			case <-ctx.Done():
				// Not handed on: give it back right away.
				_ = d.Reject(true)
				_ = ch.Cancel(c.cfg.ConsumerTag, false)
				return false, nil
			}
		}
	}
}

// drainAfterCancel forwards deliveries the broker sent before it processed
// our basic.cancel, so none is left unacknowledged and forgotten.
func (c *Consumer) drainAfterCancel(ctx context.Context, wrap func(amqp.Delivery) *Delivery, msgs <-chan amqp.Delivery) {
	timeout := time.After(2 * time.Second)
	for {
		select {
		case d, ok := <-msgs:
			if !ok {
				return
			}
			select {
			case c.out <- wrap(d):
			case <-ctx.Done():
				_ = d.Reject(true)
			}
		case <-timeout:
			return
		}
	}
}

func (c *Consumer) ensureConn() (*amqp.Connection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && !c.conn.IsClosed() {
		return c.conn, nil
	}
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName("collector " + c.cfg.ConsumerTag)
	conn, err := amqp.DialConfig(c.cfg.URL(), amqp.Config{Heartbeat: heartbeat, Properties: props, Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		c.outage.Down(time.Now())
		return nil, fmt.Errorf("connect to %s: %w", c.cfg.Redacted(), err)
	}
	c.conn = conn
	c.outage.Up()
	go func() {
		// Track connection state for /readyz independently of channels.
		<-conn.NotifyClose(make(chan *amqp.Error, 1))
		c.outage.Down(time.Now())
	}()
	return conn, nil
}

// openConsumingChannel declares the reference topology, sets QoS and makes
// the channel the current one. wrap makes its deliveries, which carry a
// context that ends when channelDied is called: when the channel dies, not on a graceful stop
// (the channel then stays open to settle what is in flight). A delivery
// still waiting for a child when its channel died has been redelivered by
// the broker already and must not be started (the supervisor checks before
// handing it to a child).
func (c *Consumer) openConsumingChannel(conn *amqp.Connection) (ch *amqp.Channel, wrap func(amqp.Delivery) *Delivery, channelDied func(), err error) {
	ch, err = conn.Channel()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open channel: %w", err)
	}
	if err := declareTopology(ch, c.cfg); err != nil {
		ch.Close()
		return nil, nil, nil, err
	}
	if err := ch.Qos(c.cfg.Prefetch, 0, false); err != nil {
		ch.Close()
		return nil, nil, nil, fmt.Errorf("set prefetch %d: %w", c.cfg.Prefetch, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.ch = ch
	gen := c.gen
	genCtx, channelDied := context.WithCancel(context.Background())
	return ch, func(d amqp.Delivery) *Delivery { return &Delivery{d: d, gen: gen, ctx: genCtx, c: c} }, channelDied, nil
}

// declareTopology declares exactly what the reference consumer declares —
// durable topic exchange, durable queue with no arguments, binding — so it
// attaches to the existing production queue without PRECONDITION_FAILED,
// plus the failed queue (durable, no arguments) bound the same way.
func declareTopology(ch *amqp.Channel, cfg Config) error {
	if err := ch.ExchangeDeclare(cfg.exchange(), "topic", true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", cfg.exchange(), err)
	}
	for _, q := range [][2]string{{cfg.ProcessingQueue(), routingKey}, {cfg.FailedQueue(), failedRoutingKey}} {
		queue, key := q[0], q[1]
		if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare queue %s: %w", queue, err)
		}
		if err := ch.QueueBind(queue, key, cfg.exchange(), false, nil); err != nil {
			return fmt.Errorf("bind queue %s: %w", queue, err)
		}
	}
	return nil
}

// Close closes the connection. Unsettled deliveries return to the queue.
func (c *Consumer) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outage.Down(time.Now())
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	if errors.Is(err, amqp.ErrClosed) {
		return nil
	}
	return err
}

// QueueStats are a queue's counts as a passive declare reports them.
type QueueStats struct {
	Name      string `json:"name"`
	Ready     int    `json:"ready"`
	Consumers int    `json:"consumers"`
}

// Queues reads the processing and failed queues' counts with passive
// declares on a short-lived channel. Messages delivered but not yet acked
// (by any consumer) are not in Ready; the broker reports them only through
// its management interface.
func (c *Consumer) Queues() ([]QueueStats, error) {
	conn, err := c.currentConn()
	if err != nil {
		return nil, err
	}
	var out []QueueStats
	for _, name := range []string{c.cfg.ProcessingQueue(), c.cfg.FailedQueue()} {
		// A failed passive declare closes its channel: one channel each.
		ch, err := conn.Channel()
		if err != nil {
			return nil, fmt.Errorf("open channel: %w", err)
		}
		q, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
		_ = ch.Close()
		if err != nil {
			return nil, fmt.Errorf("inspect %s: %w", name, err)
		}
		out = append(out, QueueStats{Name: name, Ready: q.Messages, Consumers: q.Consumers})
	}
	return out, nil
}
