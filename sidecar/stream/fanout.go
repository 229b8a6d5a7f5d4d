package stream

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// FanoutLock is the advisory lock key that serialises fan-out batches (shared) with the creation and
// dropping of consumers (exclusive), see sql/060_consumers.sql.
const FanoutLock = int64(0x5e90060)

// MessagesChannel is the NOTIFY channel told when messages were added to sequin.consumer_messages
// (payload "messages") or consumers changed (payload "consumers").
const MessagesChannel = "sequin_consumers"

// consumerScope is what the fan-out needs to know of a consumer.
type consumerScope struct {
	id            string
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

// fanout writes replicated transactions into sequin.consumer_messages.
type fanout struct {
	pool *pgxpool.Pool
	slot string

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
// transaction as the slot's position, in one transaction. It returns the number of messages written.
func (f *fanout) write(ctx context.Context, txns []*txn) (int, error) {
	if len(txns) == 0 {
		return 0, nil
	}
	endLSN := txns[len(txns)-1].endLSN
	n := 0
	analyzed := false
	var rows float64
	err := pgx.BeginTxFunc(ctx, f.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
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
		var (
			ids, keys, syncs []string
			seqs             []int64
		)
		for _, t := range txns {
			full := fullXid(t.xid, next)
			for ci := range consumers {
				c := &consumers[ci]
				if c.start != nil && c.start.visible(full) {
					continue // copied at creation, or before a start_at 'new'
				}
				for ei := range t.events {
					ev := &t.events[ei]
					if !c.wants(ev) {
						continue
					}
					ids = append(ids, c.id)
					seqs = append(seqs, ev.seq)
					keys = append(keys, ev.recordKey())
					syncs = append(syncs, ev.syncID)
				}
			}
		}
		n = len(ids)
		batch := &pgx.Batch{}
		if n > 0 {
			batch.Queue(`INSERT INTO sequin.consumer_messages (consumer_id, seq, record_key, sync_id)
				SELECT u.c, u.s, u.k, u.y FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::uuid[]) AS u(c, s, k, y)
				ON CONFLICT (consumer_id, seq) DO NOTHING`, ids, seqs, keys, syncs)
			batch.Queue(`SELECT pg_notify($1, 'messages')`, MessagesChannel)
		}
		batch.Queue(`INSERT INTO sequin.stream_positions (slot_name, lsn) VALUES ($1, $2::pg_lsn)
			ON CONFLICT (slot_name) DO UPDATE SET lsn = greatest(sequin.stream_positions.lsn, excluded.lsn), updated_at = now()`,
			f.slot, endLSN.String())
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("writing %d consumer messages: %w", n, err)
		}
		if analyzed = f.analyzeDue(n); analyzed {
			if _, err := tx.Exec(ctx, analyzeOutboxSQL); err != nil {
				return fmt.Errorf("analyzing the outbox: %w", err)
			}
			if err := tx.QueryRow(ctx, outboxRowsSQL).Scan(&rows); err != nil {
				return fmt.Errorf("analyzing the outbox: %w", err)
			}
		}
		return nil
	})
	if err == nil {
		f.sinceAnalyze += n
		if analyzed {
			f.sinceAnalyze, f.rowsAtAnalyze, f.lastAnalyze = 0, rows, time.Now()
		}
	}
	return n, err
}

func loadConsumers(ctx context.Context, tx pgx.Tx) ([]consumerScope, error) {
	rows, err := tx.Query(ctx, `SELECT id::text, sync_ids::text[], collection_ids, start_snapshot::text FROM sequin.consumers`)
	if err != nil {
		return nil, fmt.Errorf("loading consumers: %w", err)
	}
	var out []consumerScope
	for rows.Next() {
		var c consumerScope
		var snap *string
		if err := rows.Scan(&c.id, &c.syncIDs, &c.collectionIDs, &snap); err != nil {
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
