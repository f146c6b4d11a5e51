package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/spf13/cobra"

	"github.com/pewstats/collector/supervisor/consumer"
	"github.com/pewstats/collector/supervisor/publisher"
)

func init() { extraCommands = append(extraCommands, newFailedCmd) }

func newFailedCmd() *cobra.Command {
	o := &amqpOptions{}
	var limit int
	var requeue bool
	var matchID string
	cmd := &cobra.Command{
		Use:   "failed",
		Short: "List the failed queue with each message's reason, or move messages back for another try",
		Long: `failed reads match.failed.<ENVIRONMENT>. Without --requeue it prints up to
--limit messages (match id, reason, error type, attempts, error) and leaves
them in the queue. With --requeue it moves them (or only --match-id's) back to
match.processing.<ENVIRONMENT> with their attempt count reset, each one
confirmed by the broker before it is removed from the failed queue.`,
		Args: cobra.NoArgs,
	}
	f := newEnvFlags(cmd)
	o.register(f)
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many messages")
	cmd.Flags().BoolVar(&requeue, "requeue", false, "move the messages back to the processing queue")
	cmd.Flags().StringVar(&matchID, "match-id", "", "with --requeue, only this match's messages")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.apply(); err != nil {
			return err
		}
		if limit < 1 {
			return usagef("--limit must be at least 1")
		}
		return failedRun(cmd.Context(), o, cmd.OutOrStdout(), limit, requeue, matchID)
	}
	return cmd
}

type failedView struct {
	MatchID   string `json:"match_id"`
	Reason    any    `json:"reason"`
	ErrorType any    `json:"error_type"`
	Attempts  any    `json:"attempts"`
	FailedAt  any    `json:"failed_at"`
	Error     any    `json:"error"`
	Action    string `json:"action,omitempty"`
}

func failedRun(ctx context.Context, o *amqpOptions, out io.Writer, limit int, requeue bool, only string) error {
	conn, ch, err := o.channel()
	if err != nil {
		return err
	}
	// Closing the connection returns every message fetched but not acked.
	defer conn.Close()
	pub := publisher.OnConnection(conn, nil)
	defer pub.Close()
	cfg := o.config()
	enc := json.NewEncoder(out)
	n := 0
	for n < limit {
		d, ok, err := ch.Get(cfg.FailedQueue(), false)
		if err != nil {
			return fmt.Errorf("read %s: %w", cfg.FailedQueue(), err)
		}
		if !ok {
			break
		}
		n++
		var m struct {
			MatchID string `json:"match_id"`
		}
		_ = json.Unmarshal(d.Body, &m)
		v := failedView{MatchID: m.MatchID, Reason: d.Headers[consumer.HeaderFailureReason], ErrorType: d.Headers[consumer.HeaderErrorType],
			Attempts: d.Headers[consumer.HeaderFailedAttempt], FailedAt: d.Headers[consumer.HeaderFailedAt], Error: d.Headers[consumer.HeaderErrorMessage]}
		if requeue && (only == "" || only == m.MatchID) {
			if err := moveBack(ctx, pub, cfg, d); err != nil {
				return err
			}
			v.Action = "requeued"
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if n == 0 {
		fmt.Fprintf(out, "%s is empty\n", cfg.FailedQueue())
	}
	return nil
}

// moveBack republishes d to the processing queue through the one confirmed
// publisher (mandatory, confirm, basic.return check, queue declared again if
// it was deleted) and acks it only then: a message the broker did not store
// stays in the failed queue.
func moveBack(ctx context.Context, pub *publisher.Publisher, cfg consumer.Config, d amqp.Delivery) error {
	h := amqp.Table{}
	for k, v := range d.Headers {
		h[k] = v
	}
	// A fresh start: the counts of the failed attempts go, the failure
	// headers stay for the record.
	delete(h, consumer.HeaderAttempts)
	delete(h, consumer.HeaderTransientAttempts)
	delete(h, consumer.HeaderFirstTransientAt)
	h["x-requeued-from-failed-at"] = time.Now().UTC().Format(time.RFC3339)
	if err := pub.Publish(ctx, cfg.ProcessingQueue(), amqp.Publishing{
		Headers: h, ContentType: d.ContentType, MessageId: d.MessageId, Body: d.Body,
	}); err != nil {
		return fmt.Errorf("requeue to %s: %w", cfg.ProcessingQueue(), err)
	}
	return d.Ack(false)
}
