package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// errDormant ends a session because no consumer exists: the reader goes dormant.
var errDormant = errors.New("no consumers")

// Defaults of the dormant reader.
const (
	// DefaultDormantAfter is how long a session goes on with no consumer before it stops.
	DefaultDormantAfter = 2 * time.Second
	// DefaultDormantTick is how often a dormant reader looks for consumers and advances the slot.
	DefaultDormantTick = time.Second
)

// mark is a point a dormant reader may advance the slot to: lsn was read after xid was assigned, so
// every commit before lsn belongs to a transaction with a lower id.
type mark struct {
	xid uint64
	lsn pglogrepl.LSN
}

// dormant runs while no consumer exists, until one does or ctx ends. The replication connection is
// closed, so the server decodes nothing: a walsender decoding every synced row for no one costs the
// database a core while a backfill writes. Until the first consumer there is no slot at all (a
// session creates it when it starts with a consumer). Once there is, it must not hold WAL back while
// no consumer exists, so every tick the reader advances it (pg_replication_slot_advance, which skips
// what it passes over without decoding it) to a mark taken a tick before, once every transaction
// that had begun by the mark has ended: then any consumer created later has a start snapshot in
// which all the commits passed over are visible, so it does not want their events. The check and the
// advance hold the fan-out lock, which create_consumer takes exclusively, so no consumer is created
// in between. A new consumer is noticed at once through the sequin_consumers notification.
func (r *Reader) dormant(ctx context.Context) error {
	pooled, err := r.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTEN connection must not go back to the pool still listening.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN sequin_consumers"); err != nil {
		return fmt.Errorf("LISTEN sequin_consumers: %w", err)
	}
	r.awaitSlotRelease(ctx)
	r.logger().InfoContext(ctx, "no consumers: the event stream is dormant", "slot", r.slot())
	var m *mark
	for {
		some, next, err := r.dormantTick(ctx, conn, m)
		if err != nil {
			return err
		}
		if some {
			r.logger().InfoContext(ctx, "a consumer exists: the event stream resumes", "slot", r.slot())
			return nil
		}
		m = next
		wctx, cancel := context.WithTimeout(ctx, r.tickEvery())
		_, err = conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			return err
		}
	}
}

// dormantTick reports whether a consumer exists; if none does, it advances the slot to m when that is
// safe, and returns the mark for the next tick.
func (r *Reader) dormantTick(ctx context.Context, conn *pgx.Conn, m *mark) (bool, *mark, error) {
	var some, slot bool
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, FanoutLock); err != nil {
			return fmt.Errorf("taking the fan-out lock: %w", err)
		}
		// A statement after the lock: it sees every consumer created before the lock.
		var xmin uint64
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sequin.consumers),
			pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
			EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`, r.slot()).Scan(&some, &xmin, &slot); err != nil {
			return fmt.Errorf("reading the consumers: %w", err)
		}
		if some || !slot || m == nil || xmin <= m.xid {
			return nil
		}
		var moved string
		err := tx.QueryRow(ctx, `SELECT end_lsn::text FROM pg_replication_slot_advance($1, $2::text::pg_lsn)`,
			r.slot(), m.lsn.String()).Scan(&moved)
		if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "55006" {
			return nil // the last session's walsender has not let go of the slot yet: next tick
		} else if errors.As(err, &pgErr) && pgErr.Code == "42704" {
			return nil // dropped meanwhile (DropSlot)
		}
		if err != nil {
			return fmt.Errorf("advancing slot %s: %w", r.slot(), err)
		}
		if lsn, err := pglogrepl.ParseLSN(moved); err == nil {
			r.advance(lsn)
		}
		return nil
	})
	if err != nil || some || !slot {
		return some, nil, err // no slot yet: it is created with the first consumer
	}
	if m != nil && pglogrepl.LSN(r.confirmed.Load()) < m.lsn {
		return false, m, nil // not passed yet: keep the mark
	}
	// A transaction id of its own, then the WAL position: a commit before that position was written
	// by a transaction that had its id earlier.
	var next mark
	var lsn string
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint, pg_current_wal_insert_lsn()::text`).Scan(&next.xid, &lsn)
	})
	if err != nil {
		return false, nil, fmt.Errorf("marking the WAL position: %w", err)
	}
	if next.lsn, err = pglogrepl.ParseLSN(lsn); err != nil {
		return false, nil, err
	}
	return false, &next, nil
}

func (r *Reader) tickEvery() time.Duration {
	if r.DormantTick <= 0 {
		return DefaultDormantTick
	}
	return r.DormantTick
}

func (r *Reader) dormantAfter() time.Duration {
	if r.DormantAfter <= 0 {
		return DefaultDormantAfter
	}
	return r.DormantAfter
}
