package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// leadLockClass is the first key of the advisory lock that makes one sidecar the slot's reader; the
// second is the hash of the slot's name.
const leadLockClass = int32(0x5e90062)

// standbyPoll is how often a sidecar that does not lead tries to take the lead.
const standbyPoll = 2 * time.Second

// lead returns a connection holding the slot's lead lock, waiting until no other sidecar holds it.
func (r *Reader) lead(ctx context.Context) (*pgx.Conn, error) {
	waiting := false
	for {
		pooled, err := r.Pool.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		// A session lock lives with its connection: take the connection out of the pool.
		conn := pooled.Hijack()
		var got bool
		err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, leadLockClass, r.slot()).Scan(&got)
		if err == nil && got {
			if waiting {
				r.logger().InfoContext(ctx, "took over the event stream", "slot", r.slot())
			}
			return conn, nil
		}
		_ = conn.Close(context.WithoutCancel(ctx))
		if err != nil {
			return nil, fmt.Errorf("taking the lead of slot %s: %w", r.slot(), err)
		}
		if !waiting {
			r.logger().InfoContext(ctx, "another sidecar streams events; standing by", "slot", r.slot())
			waiting = true
		}
		if !sleep(ctx, standbyPoll) {
			return nil, ctx.Err()
		}
	}
}

// holdLead checks the lead connection every few seconds and calls lost when it fails: the lock went
// with it, and another sidecar may be taking over.
func (r *Reader) holdLead(ctx context.Context, lead *pgx.Conn, lost context.CancelFunc) {
	for sleep(ctx, standbyPoll) {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := lead.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			r.logger().WarnContext(ctx, "lost the event stream lead", "slot", r.slot(), "error", err)
			lost()
			return
		}
	}
}

// walLevelLogical reports whether the server can stream changes; when it cannot, it says how to fix
// it and waits a minute before the next look.
func (r *Reader) walLevelLogical(ctx context.Context) bool {
	var level string
	err := r.Pool.QueryRow(ctx, `SELECT current_setting('wal_level')`).Scan(&level)
	if err == nil && level == "logical" {
		return true
	}
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		r.logger().WarnContext(ctx, "reading wal_level failed", "error", err)
		sleep(ctx, r.maxBackoff())
		return false
	}
	r.logger().ErrorContext(ctx, "events cannot be streamed: the server's wal_level is not logical",
		"wal_level", level, "hint", "set wal_level = logical in postgresql.conf and restart PostgreSQL")
	sleep(ctx, time.Minute)
	return false
}

// awaitSlotRelease waits a few seconds for the server to mark the slot inactive after the reader
// closed its connection, so that a successor, or dropping the database, does not find it busy.
func (r *Reader) awaitSlotRelease(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		var active bool
		err := r.Pool.QueryRow(ctx, `SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = $1`, r.slot()).Scan(&active)
		if err != nil || !active || !sleep(ctx, 20*time.Millisecond) {
			return
		}
	}
}
