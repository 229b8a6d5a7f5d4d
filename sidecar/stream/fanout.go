package stream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// errReplay says a batch holds a transaction whose events were not decoded (there was no consumer
// then) and a consumer created meanwhile wants them: the session is restarted from the last
// confirmed commit, decoding everything.
var errReplay = errors.New("replaying from the last confirmed commit")

// FanoutLock is the advisory lock key that serialises fan-out batches (shared) with the creation and
// dropping of consumers (exclusive), see sql/060_consumers.sql.
const FanoutLock = int64(0x5e90060)

// MessagesChannel is the NOTIFY channel told when messages were added to sequin.consumer_messages
// (payload "messages") or consumers changed (payload "consumers").
const MessagesChannel = "sequin_consumers"

// consumerScope is what the fan-out needs to know of a consumer.
type consumerScope struct {
	id            string
	kind          string
	active        bool     // not paused
	syncIDs       []string // nil: every sync
	collectionIDs []string // nil: every collection
	start         *snapshot
}

func (c *consumerScope) wants(ev *event) bool {
	if c.syncIDs != nil && !slices.Contains(c.syncIDs, ev.syncID) {
		return false
	}
	if c.collectionIDs != nil && !slices.Contains(c.collectionIDs, ev.collectionID) {
		return false
	}
	return true
}

// fanout writes replicated transactions into sequin.consumer_messages, or delivers them straight
// to the consumers direct serves.
type fanout struct {
	pool *pgxpool.Pool
	slot string
	// direct, when set, delivers to webhook and Kafka consumers within directTimeout.
	direct        Direct
	directTimeout time.Duration
	// pushing is told whether any consumer could be delivered to directly (their events need
	// documents then); consumers is told how many consumers there are.
	pushing   func(bool)
	consumers func(int)

	// The outbox's statistics are refreshed in the transaction of a batch once as many rows were
	// written as the table held at the last refresh (and at least analyzeMinRows, at most every
	// analyzeEvery): hand-outs are planned from them, and autovacuum comes too late after a burst.
	sinceAnalyze  int
	rowsAtAnalyze float64
	lastAnalyze   time.Time
}

const (
	analyzeMinRows = 1000
	analyzeEvery   = 2 * time.Second
)

// analyzeOutboxSQL refreshes the outbox's statistics.
const analyzeOutboxSQL = `ANALYZE sequin.consumer_messages`

// outboxRowsSQL reads the row count the last ANALYZE estimated.
const outboxRowsSQL = `SELECT reltuples::float8 FROM pg_class WHERE oid = 'sequin.consumer_messages'::regclass`

// analyzeDue reports whether a batch of n rows should refresh the outbox's statistics.
func (f *fanout) analyzeDue(n int) bool {
	written := f.sinceAnalyze + n
	return n > 0 && written >= analyzeMinRows && float64(written) >= f.rowsAtAnalyze && time.Since(f.lastAnalyze) >= analyzeEvery
}

// write fans the events of txns out to the consumers that want them, and records the end of the last
// transaction as the slot's position, in one transaction. Consumers with nothing waiting in the
// outbox get their messages straight from direct while that transaction is open; the others, and the
// messages a direct delivery did not get through, are written to the outbox. It returns the number
// of messages written to the outbox and the number delivered directly.
func (f *fanout) write(ctx context.Context, txns []*txn) (written, delivered int, err error) {
	if len(txns) == 0 {
		return 0, 0, nil
	}
	endLSN := txns[len(txns)-1].endLSN
	analyzed := false
	var rows float64
	err = pgx.BeginTxFunc(ctx, f.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		written, delivered = 0, 0
		var next uint64
		if err := tx.QueryRow(ctx, `SELECT pg_advisory_xact_lock_shared($1)::text, pg_snapshot_xmax(pg_current_snapshot())::text::bigint`,
			FanoutLock).Scan(new(string), &next); err != nil {
			return fmt.Errorf("taking the fan-out lock: %w", err)
		}
		// A statement after the lock: its snapshot sees every consumer created before the lock.
		consumers, err := loadConsumers(ctx, tx)
		if err != nil {
			return err
		}
		if f.pushing != nil {
			f.pushing(f.direct != nil && slices.ContainsFunc(consumers, func(c consumerScope) bool { return directKind(c.kind) && c.active }))
		}
		if f.consumers != nil {
			f.consumers(len(consumers))
		}
		for _, t := range txns {
			if !t.skipped {
				continue
			}
			full := fullXid(t.xid, next)
			for ci := range consumers {
				if c := &consumers[ci]; c.start == nil || !c.start.visible(full) {
					return fmt.Errorf("transaction %d was read without its events, and consumer %s wants them: %w", t.xid, c.id, errReplay)
				}
			}
		}
		routed := make([][]*event, len(consumers))
		for _, t := range txns {
			full := fullXid(t.xid, next)
			for ci := range consumers {
				c := &consumers[ci]
				if c.start != nil && c.start.visible(full) {
					continue // copied at creation, or before a start_at 'new'
				}
				for ei := range t.events {
					if ev := &t.events[ei]; c.wants(ev) {
						routed[ci] = append(routed[ci], ev)
					}
				}
			}
		}
		spills, n, err := f.deliverDirect(ctx, tx, consumers, routed)
		if err != nil {
			return err
		}
		delivered = n
		var plain, tried spillColumns
		for _, list := range spills {
			for _, s := range list {
				if s.tried != nil {
					tried.add(s)
				} else {
					plain.add(s)
				}
			}
		}
		written = len(plain.ids) + len(tried.ids)
		batch := &pgx.Batch{}
		if len(plain.ids) > 0 {
			batch.Queue(`INSERT INTO sequin.consumer_messages (consumer_id, seq, record_key, sync_id)
				SELECT u.c, u.s, u.k, u.y FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::uuid[]) AS u(c, s, k, y)
				ON CONFLICT (consumer_id, seq) DO NOTHING`, plain.ids, plain.seqs, plain.keys, plain.syncs)
		}
		if len(tried.ids) > 0 {
			// Delivered and not taken (or still out with an HTTP puller, under its ack token): those
			// deliveries count, and the message is handed out again after RetryIn. The transaction
			// began before the deliveries, so RetryIn counts from the clock, not from now().
			batch.Queue(`INSERT INTO sequin.consumer_messages (consumer_id, seq, record_key, sync_id, deliver_count,
					not_visible_until, last_delivered_at, ack_token, state, last_error)
				SELECT u.c, u.s, u.k, u.y, u.d, clock_timestamp() + make_interval(secs => u.r / 1000.0), clock_timestamp(),
				       u.t, CASE WHEN u.dead THEN 'dead' ELSE 'pending' END, nullif(u.e, '')
				  FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::uuid[], $5::int4[], $6::int8[], $7::uuid[], $8::bool[], $9::text[])
				       AS u(c, s, k, y, d, r, t, dead, e)
				ON CONFLICT (consumer_id, seq) DO NOTHING`,
				tried.ids, tried.seqs, tried.keys, tried.syncs, tried.deliveries, tried.retry, tried.tokens, tried.dead, tried.errs)
		}
		if written > 0 {
			batch.Queue(`SELECT pg_notify($1, 'messages')`, MessagesChannel)
		}
		batch.Queue(`INSERT INTO sequin.stream_positions (slot_name, lsn) VALUES ($1, $2::pg_lsn)
			ON CONFLICT (slot_name) DO UPDATE SET lsn = greatest(sequin.stream_positions.lsn, excluded.lsn), updated_at = now()`,
			f.slot, endLSN.String())
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("writing %d consumer messages: %w", written, err)
		}
		if analyzed = f.analyzeDue(written); analyzed {
			if _, err := tx.Exec(ctx, analyzeOutboxSQL); err != nil {
				return fmt.Errorf("analyzing the outbox: %w", err)
			}
			if err := tx.QueryRow(ctx, outboxRowsSQL).Scan(&rows); err != nil {
				return fmt.Errorf("analyzing the outbox: %w", err)
			}
		}
		return nil
	})
	if settler, ok := f.direct.(DirectSettler); ok {
		settler.Settled()
	}
	if err == nil {
		f.sinceAnalyze += written
		if analyzed {
			f.sinceAnalyze, f.rowsAtAnalyze, f.lastAnalyze = 0, rows, time.Now()
		}
	}
	return written, delivered, err
}

// spillColumns are outbox rows to insert, as columns.
type spillColumns struct {
	ids, keys, syncs, errs []string
	tokens                 []*string
	seqs, retry            []int64
	deliveries             []int32
	dead                   []bool
}

func (c *spillColumns) add(s spill) {
	c.ids, c.seqs, c.keys, c.syncs = append(c.ids, s.consumer), append(c.seqs, s.ev.seq), append(c.keys, s.ev.recordKey()), append(c.syncs, s.ev.syncID)
	if t := s.tried; t != nil {
		var token *string
		if t.Token != "" {
			token = &t.Token
		}
		c.deliveries, c.retry, c.tokens = append(c.deliveries, int32(max(t.Deliveries, 1))), append(c.retry, t.RetryIn.Milliseconds()), append(c.tokens, token)
		c.dead, c.errs = append(c.dead, t.Dead), append(c.errs, t.Err)
	}
}

func loadConsumers(ctx context.Context, tx pgx.Tx) ([]consumerScope, error) {
	rows, err := tx.Query(ctx, `SELECT id::text, kind, status = 'active', sync_ids::text[], collection_ids, start_snapshot::text
		FROM sequin.consumers`)
	if err != nil {
		return nil, fmt.Errorf("loading consumers: %w", err)
	}
	var out []consumerScope
	for rows.Next() {
		var c consumerScope
		var snap *string
		if err := rows.Scan(&c.id, &c.kind, &c.active, &c.syncIDs, &c.collectionIDs, &snap); err != nil {
			rows.Close()
			return nil, fmt.Errorf("loading consumers: %w", err)
		}
		if snap != nil {
			if c.start, err = parseSnapshot(*snap); err != nil {
				rows.Close()
				return nil, fmt.Errorf("consumer %s: %w", c.id, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// storedPosition reads the end LSN of the last commit fanned out through slot (0 when none).
func storedPosition(ctx context.Context, pool *pgxpool.Pool, slot string) (pglogrepl.LSN, error) {
	var s string
	err := pool.QueryRow(ctx, `SELECT lsn::text FROM sequin.stream_positions WHERE slot_name = $1`, slot).Scan(&s)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the stream position: %w", err)
	}
	return pglogrepl.ParseLSN(s)
}
