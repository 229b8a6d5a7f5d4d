package stream

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// errSlotTaken says the slot's name is another database's slot (or not a pgoutput one).
var errSlotTaken = errors.New("slot name taken")

var slotNameRE = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

func validSlotName(name string) error {
	if !slotNameRE.MatchString(name) {
		return fmt.Errorf("stream: slot name %q must be 1 to 63 lower-case letters, digits or underscores", name)
	}
	return nil
}

// prepareSlot makes sure the slot exists and returns the position to stream from: the end of the last
// commit already fanned out. A slot it creates starts with a catch-up copy of the events committed
// before it.
func (r *Reader) prepareSlot(ctx context.Context, conn *pgconn.PgConn) (pglogrepl.LSN, error) {
	var plugin, database string
	var logical bool
	err := r.Pool.QueryRow(ctx, `SELECT coalesce(plugin, ''), coalesce(database, ''), slot_type = 'logical'
		FROM pg_replication_slots WHERE slot_name = $1`, r.slot()).Scan(&plugin, &database, &logical)
	switch {
	case err == nil:
		var current string
		if err := r.Pool.QueryRow(ctx, `SELECT current_database()`).Scan(&current); err != nil {
			return 0, err
		}
		if !logical || plugin != "pgoutput" || database != current {
			return 0, fmt.Errorf("%w: replication slot %s exists but is not a pgoutput slot of database %s (plugin %q, database %q)",
				errSlotTaken, r.slot(), current, plugin, database)
		}
		return storedPosition(ctx, r.Pool, r.slot())
	case errors.Is(err, pgx.ErrNoRows):
		return r.createSlot(ctx, conn)
	default:
		return 0, fmt.Errorf("looking up replication slot %s: %w", r.slot(), err)
	}
}

// createSlot creates the slot and fans out, from its exported snapshot, the events committed before
// it to the consumers that existed then. The fan-out lock is held from before the slot exists until
// the copy is committed, so no consumer is created in between.
func (r *Reader) createSlot(ctx context.Context, conn *pgconn.PgConn) (pglogrepl.LSN, error) {
	lockConn, err := r.Pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer lockConn.Release()
	if _, err := lockConn.Exec(ctx, `SELECT pg_advisory_lock_shared($1)`, FanoutLock); err != nil {
		return 0, fmt.Errorf("taking the fan-out lock: %w", err)
	}
	defer func() {
		_, _ = lockConn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock_shared($1)`, FanoutLock)
	}()
	// Creating a slot waits for the transactions running at the time; give up (and retry) rather than
	// wait forever on one that waits for the lock above.
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := pglogrepl.CreateReplicationSlot(cctx, conn, r.slot(), "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return 0, fmt.Errorf("creating replication slot %s: %w", r.slot(), err)
	}
	consistent, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return 0, fmt.Errorf("slot %s: consistent point %q: %w", r.slot(), res.ConsistentPoint, err)
	}
	var copied int64
	err = pgx.BeginTxFunc(ctx, lockConn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SET TRANSACTION SNAPSHOT '%s'`, res.SnapshotName)); err != nil {
			return fmt.Errorf("importing the slot's snapshot: %w", err)
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO sequin.consumer_messages (consumer_id, seq, record_key, sync_id)
			SELECT c.id, e.seq, e.collection_id || ':' || e.upstream_id, e.sync_id
			  FROM sequin.consumers c
			  JOIN sequin.events e ON sequin._consumer_wants(c, e.sync_id, e.collection_id)
			 WHERE c.start_snapshot IS NULL OR e.seq > c.start_seq
			    OR NOT pg_visible_in_snapshot(sequin._xid8(e.xmin), c.start_snapshot)
			ON CONFLICT (consumer_id, seq) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("copying events committed before the slot: %w", err)
		}
		copied = tag.RowsAffected()
		if copied >= analyzeMinRows {
			if _, err := tx.Exec(ctx, analyzeOutboxSQL); err != nil {
				return fmt.Errorf("analyzing the outbox: %w", err)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO sequin.stream_positions (slot_name, lsn) VALUES ($1, $2::pg_lsn)
			ON CONFLICT (slot_name) DO UPDATE SET lsn = excluded.lsn, updated_at = now()`, r.slot(), consistent.String())
		return err
	})
	if err != nil {
		// Without its catch-up the slot would skip those events: drop it and start over next time.
		_ = pglogrepl.DropReplicationSlot(context.WithoutCancel(ctx), conn, r.slot(), pglogrepl.DropReplicationSlotOptions{})
		return 0, err
	}
	r.logger().InfoContext(ctx, "created replication slot", "slot", r.slot(), "consistent_point", consistent, "caught_up_messages", copied)
	return consistent, nil
}

// DropSlot drops a reader's replication slot and its stored position, waiting up to a few seconds for
// a stopping reader to let go of it. Dropping a slot that does not exist is not an error.
func DropSlot(ctx context.Context, pool *pgxpool.Pool, slot string) error {
	if err := validSlotName(slot); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := pool.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, slot)
		if err == nil {
			break
		}
		var pgErr *pgconn.PgError
		// 55006: the slot is active; the walsender of a closed connection goes away in moments.
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) {
			return fmt.Errorf("dropping replication slot %s: %w", slot, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := pool.Exec(ctx, `DELETE FROM sequin.stream_positions WHERE slot_name = $1`, slot); err != nil {
		return fmt.Errorf("forgetting the position of slot %s: %w", slot, err)
	}
	return nil
}
