package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// statusDelay is how soon a newly confirmed LSN is reported to the server while streaming.
const statusDelay = 100 * time.Millisecond

// session runs one replication connection until it fails or ctx ends. streamed reports whether it got
// as far as streaming.
func (r *Reader) session(ctx context.Context) (streamed bool, err error) {
	// Whether there are consumers, and whether their events need documents; each batch keeps both
	// up to date. With none, the reader goes dormant (and creates no slot).
	var some, pushing bool
	if err := r.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sequin.consumers),
		EXISTS (SELECT 1 FROM sequin.consumers WHERE kind IN ('webhook', 'kafka', 'http_pull') AND status = 'active')`).Scan(&some, &pushing); err != nil {
		return false, fmt.Errorf("reading the consumers: %w", err)
	}
	if !some {
		return false, errDormant
	}
	conn, err := r.connect(ctx)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()

	start, err := r.prepareSlot(ctx, conn)
	if err != nil {
		return false, err
	}
	r.idle.Store(false)
	r.bodies.Store(pushing && r.Direct != nil)
	err = pglogrepl.StartReplication(ctx, conn, r.slot(), start, pglogrepl.StartReplicationOptions{
		Mode: pglogrepl.LogicalReplication,
		PluginArgs: []string{
			"proto_version '2'",
			fmt.Sprintf("publication_names '%s'", r.publication()),
			"streaming 'on'",
		},
	})
	if err != nil {
		return false, fmt.Errorf("starting replication on slot %s: %w", r.slot(), err)
	}
	r.logger().InfoContext(ctx, "streaming events", "slot", r.slot(), "publication", r.publication(), "from", start)
	if uint64(start) > r.confirmed.Load() {
		r.confirmed.Store(uint64(start))
	}
	r.readyOnce.Do(func() { close(r.ready) })

	// The writer fans batches out while the receiver keeps reading; a failed write ends the session.
	pipe := newPipeline(4 * r.maxBatch())
	sctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.writeLoop(sctx, pipe); err != nil {
			cancel(err)
		}
	}()
	err = r.receive(sctx, conn, pipe, start)
	if err == nil && ctx.Err() == nil && sctx.Err() != nil {
		err = context.Cause(sctx)
	}
	cancel(nil)
	wg.Wait()
	if err == nil || errors.Is(err, errDormant) {
		// Stopping: tell the server how far the stream is written, so that the next session (here or
		// in another sidecar) does not decode again what this one already fanned out.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		confirmed := r.Confirmed()
		_ = pglogrepl.SendStandbyStatusUpdate(fctx, conn, pglogrepl.StandbyStatusUpdate{
			WALWritePosition: confirmed, WALFlushPosition: confirmed, WALApplyPosition: confirmed,
		})
		fcancel()
	}
	return true, err
}

// receive reads the replication stream, answering keepalives and reporting confirmed positions.
func (r *Reader) receive(ctx context.Context, conn *pgconn.PgConn, pipe *pipeline, start pglogrepl.LSN) error {
	dec := newDecoder()
	if r.Direct != nil {
		dec.bodies = r.bodies.Load
	}
	dec.skip = r.idle.Load
	var (
		sent       pglogrepl.LSN // last position reported
		lastStatus time.Time
		walEnd     pglogrepl.LSN // from the latest keepalive
		reply      = true        // report at once
		unwanted   time.Time     // since when no consumer exists and nothing is unwritten
		looked     = time.Now()  // when the consumers were last looked for while nothing was written
	)
	for {
		now := time.Now()
		if dec.idle() && pipe.empty() && walEnd > r.Confirmed() {
			// Nothing received is unwritten: everything before the server's WAL end is handled.
			r.advance(walEnd)
		}
		if !r.idle.Load() && dec.idle() && pipe.empty() && now.Sub(looked) >= r.dormantAfter() {
			// Batches say whether consumers are left; with no events, look. A transaction decoded
			// without its events meanwhile is checked again under the fan-out lock when written.
			looked = now
			var some bool
			if err := r.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sequin.consumers)`).Scan(&some); err != nil {
				return fmt.Errorf("reading the consumers: %w", err)
			}
			r.idle.Store(!some)
		}
		switch {
		case !r.idle.Load() || !dec.idle() || !pipe.empty():
			unwanted = time.Time{}
		case unwanted.IsZero():
			unwanted = now
		case now.Sub(unwanted) >= r.dormantAfter():
			return errDormant
		}
		confirmed := r.Confirmed()
		if reply || now.Sub(lastStatus) >= r.statusInterval() || (confirmed > sent && now.Sub(lastStatus) >= statusDelay) {
			if err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{
				WALWritePosition: confirmed, WALFlushPosition: confirmed, WALApplyPosition: confirmed,
			}); err != nil {
				return fmt.Errorf("sending standby status: %w", err)
			}
			sent, lastStatus, reply = confirmed, now, false
		}
		deadline := lastStatus.Add(r.statusInterval())
		if confirmed > sent || !pipe.empty() {
			deadline = now.Add(statusDelay / 2)
		}
		if !unwanted.IsZero() {
			deadline = minTime(deadline, unwanted.Add(r.dormantAfter()))
		} else if !r.idle.Load() && dec.idle() && pipe.empty() {
			deadline = minTime(deadline, looked.Add(r.dormantAfter()))
		}
		rctx, cancel := context.WithDeadline(ctx, deadline)
		raw, err := conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if pgconn.Timeout(err) {
				continue
			}
			return fmt.Errorf("receiving from slot %s: %w", r.slot(), err)
		}
		switch msg := raw.(type) {
		case *pgproto3.ErrorResponse:
			return fmt.Errorf("replication error: %w", pgconn.ErrorResponseToPgError(msg))
		case *pgproto3.CopyDone:
			return errors.New("the server ended the replication stream")
		case *pgproto3.CopyData:
			if len(msg.Data) == 0 {
				continue
			}
			switch msg.Data[0] {
			case pglogrepl.PrimaryKeepaliveMessageByteID:
				pkm, err := pglogrepl.ParsePrimaryKeepaliveMessage(msg.Data[1:])
				if err != nil {
					return fmt.Errorf("parsing keepalive: %w", err)
				}
				walEnd = max(walEnd, pkm.ServerWALEnd)
				reply = reply || pkm.ReplyRequested
			case pglogrepl.XLogDataByteID:
				xld, err := pglogrepl.ParseXLogData(msg.Data[1:])
				if err != nil {
					return fmt.Errorf("parsing XLogData: %w", err)
				}
				t, err := dec.handle(xld.WALData)
				if err != nil {
					return fmt.Errorf("at %s: %w", xld.WALStart, err)
				}
				if t == nil {
					continue
				}
				if t.endLSN <= start {
					continue // fanned out before the last restart
				}
				if err := pipe.push(ctx, t); err != nil {
					return nil
				}
			}
		}
	}
}

// writeLoop writes batches from the pipeline until ctx ends or a write fails.
func (r *Reader) writeLoop(ctx context.Context, pipe *pipeline) error {
	f := &fanout{pool: r.Pool, slot: r.slot(), direct: r.Direct, directTimeout: r.directTimeout(), pushing: r.bodies.Store,
		consumers: func(n int) { r.idle.Store(n == 0) }}
	for {
		batch, err := pipe.take(ctx, r.maxBatch())
		if err != nil {
			return nil
		}
		events, skipped := 0, false
		for _, t := range batch {
			events += len(t.events)
			skipped = skipped || t.skipped
		}
		if events > 0 || skipped {
			began := time.Now()
			n, direct, err := f.write(ctx, batch)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if errors.Is(err, errReplay) {
					// The session restarts from the last confirmed commit, decoding everything.
					r.idle.Store(false)
				}
				return err
			}
			r.written.Add(int64(n))
			r.delivered.Add(int64(direct))
			r.logger().DebugContext(ctx, "fanned out events", "transactions", len(batch), "events", events,
				"messages", n, "delivered", direct, "took", time.Since(began))
		}
		r.advance(batch[len(batch)-1].endLSN)
		pipe.done()
	}
}

// advance raises the confirmed position to lsn.
func (r *Reader) advance(lsn pglogrepl.LSN) {
	for {
		cur := r.confirmed.Load()
		if uint64(lsn) <= cur || r.confirmed.CompareAndSwap(cur, uint64(lsn)) {
			return
		}
	}
}

// connect opens the replication connection.
func (r *Reader) connect(ctx context.Context) (*pgconn.PgConn, error) {
	connString := r.ConnString
	if connString == "" {
		connString = r.Pool.Config().ConnString()
	}
	cfg, err := pgconn.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("replication connection string: %w", err)
	}
	cfg.RuntimeParams["replication"] = "database"
	cfg.RuntimeParams["application_name"] = "sequin_stream"
	// Timestamps arrive as text in the session's zone; UTC keeps them in one shape.
	cfg.RuntimeParams["TimeZone"] = "UTC"
	cfg.RuntimeParams["DateStyle"] = "ISO, MDY"
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgconn.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening replication connection: %w", err)
	}
	return conn, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
