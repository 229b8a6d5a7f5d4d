package consume

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store is the deliverers' access to sequin.consumers and sequin.consumer_messages; the rules (order
// per record, leases, dead letters) are in sql/060_consumers.sql.
type store struct {
	pool *pgxpool.Pool
}

// consumerRow is what a deliverer needs of a consumer.
type consumerRow struct {
	ID, Name, Kind string
	Config         json.RawMessage
	MaxDeliver     int
	AckWaitMS      int64
}

// consumers lists the consumers the sidecar delivers to (webhook and kafka) or may hand out
// straight from the stream (http_pull).
func (s *store) consumers(ctx context.Context) ([]consumerRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT id::text, name, kind, config, max_deliver, ack_wait_ms FROM sequin.consumers
		WHERE kind IN ('webhook', 'kafka', 'http_pull') ORDER BY inserted_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing consumers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (consumerRow, error) {
		var c consumerRow
		return c, r.Scan(&c.ID, &c.Name, &c.Kind, &c.Config, &c.MaxDeliver, &c.AckWaitMS)
	})
	if err != nil {
		return nil, fmt.Errorf("listing consumers: %w", err)
	}
	return out, nil
}

// take leases up to n messages of a consumer for lease.
func (s *store) take(ctx context.Context, consumerID string, n int, lease time.Duration) ([]Message, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, token::text, deliver_count, record_key, sync_id::text, coalesce(collection_id, ''), message::text
		FROM sequin._take($1, $2, $3)`, consumerID, n, max(1, lease.Milliseconds()))
	if err != nil {
		return nil, fmt.Errorf("taking messages: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) {
		var m Message
		var body string
		err := r.Scan(&m.Seq, &m.Token, &m.DeliverCount, &m.RecordKey, &m.SyncID, &m.CollectionID, &body)
		m.Body = json.RawMessage(body)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("taking messages: %w", err)
	}
	return msgs, nil
}

// delivered removes delivered messages from the outbox. A message whose lease passed and which was
// handed out again meanwhile keeps its new delivery.
func (s *store) delivered(ctx context.Context, consumerID string, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	seqs, tokens := keys(msgs)
	// Tokens are fresh at every hand-out: matching the sets is matching the pairs (see sequin.ack).
	_, err := s.pool.Exec(ctx, `DELETE FROM sequin.consumer_messages m
		WHERE m.consumer_id = $1 AND m.seq = ANY ($2::int8[]) AND m.ack_token = ANY ($3::uuid[]) AND m.state = 'pending'`, consumerID, seqs, tokens)
	if err != nil {
		return fmt.Errorf("removing %d delivered messages: %w", len(msgs), err)
	}
	return nil
}

// failure is a message whose delivery failed: it is retried after retryIn, or dead-lettered once its
// deliveries are used up.
type failure struct {
	msg     Message
	retryIn time.Duration
	err     string
}

// failed records failed deliveries and returns how many messages were dead-lettered.
func (s *store) failed(ctx context.Context, consumerID string, fs []failure) (int, error) {
	if len(fs) == 0 {
		return 0, nil
	}
	seqs := make([]int64, len(fs))
	tokens := make([]string, len(fs))
	retry := make([]int64, len(fs))
	errs := make([]string, len(fs))
	for i, f := range fs {
		seqs[i], tokens[i], retry[i], errs[i] = f.msg.Seq, f.msg.Token, f.retryIn.Milliseconds(), f.err
	}
	var dead int
	err := s.pool.QueryRow(ctx, `WITH settled AS (
		UPDATE sequin.consumer_messages m
		   SET state = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver THEN 'dead' ELSE 'pending' END,
		       not_visible_until = now() + make_interval(secs => t.retry_ms / 1000.0),
		       ack_token = NULL, last_error = t.err
		  FROM unnest($2::int8[], $3::uuid[], $4::int8[], $5::text[]) AS t(seq, token, retry_ms, err), sequin.consumers c
		 WHERE c.id = $1 AND m.consumer_id = $1 AND m.seq = ANY ($2::int8[]) AND m.seq = t.seq AND m.ack_token = t.token
		   AND m.state = 'pending'
		RETURNING m.state)
		SELECT count(*) FILTER (WHERE state = 'dead') FROM settled`, consumerID, seqs, tokens, retry, errs).Scan(&dead)
	if err != nil {
		return 0, fmt.Errorf("recording %d failed deliveries: %w", len(fs), err)
	}
	return dead, nil
}

// giveBack makes messages available again at once without counting the delivery: it was cut short
// (the sidecar is stopping), not refused.
func (s *store) giveBack(ctx context.Context, consumerID string, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	seqs, tokens := keys(msgs)
	_, err := s.pool.Exec(ctx, `UPDATE sequin.consumer_messages m
		   SET ack_token = NULL, not_visible_until = NULL, deliver_count = greatest(m.deliver_count - 1, 0)
		 WHERE m.consumer_id = $1 AND m.seq = ANY ($2::int8[]) AND m.ack_token = ANY ($3::uuid[]) AND m.state = 'pending'`, consumerID, seqs, tokens)
	if err != nil {
		return fmt.Errorf("giving back %d messages: %w", len(msgs), err)
	}
	return nil
}

// nextDue returns when the earliest message of a consumer that is out or waiting for a retry comes
// back; ok is false when none is.
func (s *store) nextDue(ctx context.Context, consumerID string) (at time.Time, ok bool, err error) {
	var t *time.Time
	err = s.pool.QueryRow(ctx, `SELECT min(not_visible_until) FROM sequin.consumer_messages
		WHERE consumer_id = $1 AND state = 'pending' AND not_visible_until > now()`, consumerID).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the next retry: %w", err)
	}
	if t == nil {
		return time.Time{}, false, nil
	}
	return *t, true, nil
}

// setHealth records a consumer's health, writing only when it changes.
func (s *store) setHealth(ctx context.Context, consumerID, health, message string) error {
	var msg *string
	if message != "" {
		msg = &message
	}
	_, err := s.pool.Exec(ctx, `UPDATE sequin.consumers SET health = $2, health_message = $3, updated_at = now()
		WHERE id = $1 AND (health, health_message) IS DISTINCT FROM ($2, $3)`, consumerID, health, msg)
	if err != nil {
		return fmt.Errorf("recording consumer health: %w", err)
	}
	return nil
}

// syncNames maps sync ids to names.
func (s *store) syncNames(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id::text, name FROM sequin.syncs`)
	if err != nil {
		return nil, fmt.Errorf("reading sync names: %w", err)
	}
	out := map[string]string{}
	var id, name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		out[id] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading sync names: %w", err)
	}
	return out, nil
}

func keys(msgs []Message) ([]int64, []string) {
	seqs := make([]int64, len(msgs))
	tokens := make([]string, len(msgs))
	for i, m := range msgs {
		seqs[i], tokens[i] = m.Seq, m.Token
	}
	return seqs, tokens
}
