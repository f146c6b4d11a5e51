package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/spf13/cobra"

	"github.com/pewstats/collector/supervisor/publisher"
)

func init() { extraCommands = append(extraCommands, newPublishCmd) }

func newPublishCmd() *cobra.Command {
	o := &amqpOptions{}
	var file string
	var purge bool
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Publish telemetry messages (one JSON object per line) to match.processing.<ENVIRONMENT>",
		Long: `publish sends messages the way the telemetry download worker does: persistent,
through the default exchange, routed to match.processing.<ENVIRONMENT> (declared
durable if missing), waiting for the broker's confirm of each. Use it to feed
a test environment or to replay messages by hand.`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	o.register(f)
	cmd.Flags().StringVar(&file, "messages", "-", "file with one message JSON per line ('-' = stdin)")
	cmd.Flags().BoolVar(&purge, "purge-first", false, "empty the processing and failed queues first (test environments only)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		var in io.Reader = os.Stdin
		if file != "-" {
			fh, err := os.Open(file)
			if err != nil {
				return err
			}
			defer fh.Close()
			in = fh
		}
		if purge {
			if err := purgeQueues(o); err != nil {
				return err
			}
		}
		n, err := publishLines(cmd.Context(), o, in)
		fmt.Fprintf(cmd.ErrOrStderr(), "published %d messages to %s\n", n, o.config().ProcessingQueue())
		return err
	}
	return cmd
}

func publishLines(ctx context.Context, o *amqpOptions, in io.Reader) (int, error) {
	conn, err := o.dial()
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	pub := publisher.OnConnection(conn, nil)
	defer pub.Close()
	queue := o.config().ProcessingQueue()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var id struct {
			MatchID string `json:"match_id"`
		}
		_ = json.Unmarshal(line, &id)
		// A missing queue is declared (durable, no arguments, as the
		// consumer declares it) by the publisher.
		if err := pub.Publish(ctx, queue, amqp.Publishing{
			ContentType: "application/json", MessageId: id.MatchID, Timestamp: time.Now(), Body: append([]byte(nil), line...),
		}); err != nil {
			return n, fmt.Errorf("message %d: %w", n+1, err)
		}
		n++
	}
	return n, sc.Err()
}

func purgeQueues(o *amqpOptions) error {
	conn, ch, err := o.channel()
	if err != nil {
		return err
	}
	defer conn.Close()
	cfg := o.config()
	for _, q := range []string{cfg.ProcessingQueue(), cfg.FailedQueue()} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare %s: %w", q, err)
		}
		if _, err := ch.QueuePurge(q, false); err != nil {
			return fmt.Errorf("purge %s: %w", q, err)
		}
	}
	return nil
}
