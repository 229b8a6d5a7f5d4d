package stream_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/stream"
)

// BenchmarkStreamToHTTPPull measures events per second from commit to an HTTP pull consumer's outbox
// (to_pending) and on to a consumer pulling and acking them (to_consumer), against a baseline of
// decoding the same WAL with pglogrepl and nothing else (raw_decode), in the same run. Events carry
// about 1 KB of JSON and are written in transactions of 500, as a backfill writes them.
// SEQUIN_BENCH_EVENTS sets the number of events (default 50000).
func BenchmarkStreamToHTTPPull(b *testing.B) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("SEQUIN_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := setup(b)
		ctx := context.Background()
		consumer := e.consumer(b, "bench", "start_at => 'new'")
		rawSlot := e.slotName() + "_raw"
		for _, s := range []string{rawSlot, e.slotName()} {
			_, err := e.db.Pool.Exec(ctx, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, s)
			require.NoError(b, err)
		}
		b.Cleanup(func() { _ = stream.DropSlot(context.Background(), e.db.Pool, rawSlot) })
		insertBenchEvents(b, e, n)
		b.StartTimer()

		rawRate := rawDecodeRate(b, e, rawSlot, n)

		began := time.Now()
		var acked atomic.Int64
		drainCtx, stopDrain := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for range 2 {
			if os.Getenv("NODRAIN") != "" {
				break
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				drain(drainCtx, e, consumer, &acked)
			}()
		}
		r := e.startReader(b, func(r *stream.Reader) { r.StatusInterval = 10 * time.Second })
		var pendingAt time.Duration
		for acked.Load() < int64(n) {
			if pendingAt == 0 && r.Written() >= int64(n) {
				pendingAt = time.Since(began)
				if os.Getenv("NODRAIN") != "" {
					b.Logf("pending after %s", pendingAt)
					for range 2 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							drain(drainCtx, e, consumer, &acked)
						}()
					}
				}
			}
			if time.Since(began) > 5*time.Minute {
				b.Fatalf("only %d of %d events acked after 5 minutes", acked.Load(), n)
			}
			time.Sleep(2 * time.Millisecond)
		}
		consumedAt := time.Since(began)
		if pendingAt == 0 {
			pendingAt = consumedAt
		}
		stopDrain()
		wg.Wait()
		b.StopTimer()

		p50 := commitToNextP50(b, e, consumer)

		pendingRate := float64(n) / pendingAt.Seconds()
		consumerRate := float64(n) / consumedAt.Seconds()
		b.ReportMetric(rawRate, "raw_decode_events/s")
		b.ReportMetric(pendingRate, "to_pending_events/s")
		b.ReportMetric(consumerRate, "to_consumer_events/s")
		b.ReportMetric(pendingRate/rawRate, "pending_ratio")
		b.ReportMetric(consumerRate/rawRate, "consumer_ratio")
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50_commit_to_next_ms")
		b.StartTimer()
	}
}

// insertBenchEvents writes n events of about 1 KB in transactions of 500.
func insertBenchEvents(b *testing.B, e *env, n int) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 500 {
		count := min(500, n-start)
		_, err := e.db.Pool.Exec(ctx, `
			INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data)
			SELECT $1, 'acme:widget', 'w' || g, now(), 'inserted',
			       jsonb_build_object('id', 'w' || g, 'object', 'widget', 'name', 'Widget number ' || g,
			                          'description', repeat('lorem ipsum dolor sit amet ', 30), 'price', g * 100,
			                          'metadata', jsonb_build_object('a', 'b', 'n', g), 'active', true)
			  FROM generate_series($2::int, $3::int) g`, e.syncA, start, start+count-1)
		require.NoError(b, err)
	}
}

// rawDecodeRate streams slot and decodes every message until n inserts were seen, and returns the
// inserts decoded per second.
func rawDecodeRate(b *testing.B, e *env, slot string, n int) float64 {
	b.Helper()
	ctx := context.Background()
	cfg, err := pgconn.ParseConfig(e.db.URL)
	require.NoError(b, err)
	cfg.RuntimeParams["replication"] = "database"
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	require.NoError(b, err)
	defer conn.Close(ctx)
	began := time.Now()
	require.NoError(b, pglogrepl.StartReplication(ctx, conn, slot, 0, pglogrepl.StartReplicationOptions{
		Mode:       pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '2'", "publication_names 'sequin_events'", "streaming 'on'"},
	}))
	inserts, inStream := 0, false
	for inserts < n {
		raw, err := conn.ReceiveMessage(ctx)
		require.NoError(b, err)
		cd, ok := raw.(*pgproto3.CopyData)
		if !ok || cd.Data[0] != pglogrepl.XLogDataByteID {
			continue
		}
		xld, err := pglogrepl.ParseXLogData(cd.Data[1:])
		require.NoError(b, err)
		msg, err := pglogrepl.ParseV2(xld.WALData, inStream)
		require.NoError(b, err)
		switch msg.(type) {
		case *pglogrepl.InsertMessageV2:
			inserts++
		case *pglogrepl.StreamStartMessageV2:
			inStream = true
		case *pglogrepl.StreamStopMessageV2:
			inStream = false
		}
	}
	return float64(n) / time.Since(began).Seconds()
}

// drain pulls and acks a consumer's messages in batches until ctx ends.
func drain(ctx context.Context, e *env, consumer string, acked *atomic.Int64) {
	for ctx.Err() == nil {
		rows, err := e.db.Pool.Query(ctx, `SELECT ack_token FROM sequin.next($1, 1000)`, consumer)
		if err != nil {
			return
		}
		var tokens []string
		for rows.Next() {
			var tok string
			if rows.Scan(&tok) == nil {
				tokens = append(tokens, tok)
			}
		}
		rows.Close()
		if len(tokens) == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		var n int64
		if err := e.db.Pool.QueryRow(ctx, `SELECT sequin.ack($1, $2)`, consumer, tokens).Scan(&n); err != nil {
			return
		}
		acked.Add(n)
	}
}

// commitToNextP50 commits single events one at a time and measures how long until sequin.next hands
// each out.
func commitToNextP50(b *testing.B, e *env, consumer string) time.Duration {
	b.Helper()
	ctx := context.Background()
	var lat []time.Duration
	for i := range 100 {
		// The test cluster runs with synchronous_commit off, where the WAL writer flushes (and wakes
		// the walsender) every 200ms; commit as an application normally does.
		require.NoError(b, pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = on`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, event, data)
				VALUES ($1, 'acme:widget', $2, 'inserted', '{}')`, e.syncA, fmt.Sprintf("lat%d", i))
			return err
		}))
		committed := time.Now()
		for {
			var tok string
			err := e.db.Pool.QueryRow(ctx, `SELECT ack_token FROM sequin.next($1, 1)`, consumer).Scan(&tok)
			if err == nil {
				lat = append(lat, time.Since(committed))
				_, err = e.db.Pool.Exec(ctx, `SELECT sequin.ack($1, ARRAY[$2])`, consumer, tok)
				require.NoError(b, err)
				break
			}
			if time.Since(committed) > 10*time.Second {
				b.Fatalf("event %d not delivered within 10s", i)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	slices.Sort(lat)
	return lat[len(lat)/2]
}
