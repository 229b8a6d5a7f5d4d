package stream_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/testprovider"
	"github.com/sequinsync/sequin/sidecar/stream"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// childEnv makes the test binary run a bare reader instead of tests, so a test can kill -9 it.
const childEnv = "SEQUIN_TEST_STREAM_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		runChildReader()
		return
	}
	pgtest.Main(m)
}

func runChildReader() {
	ctx := context.Background()
	pool, err := pgxPool(ctx, os.Getenv("CHILD_DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	r := &stream.Reader{Pool: pool, Slot: os.Getenv("CHILD_SLOT"), MaxBatch: 200,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	_ = r.Run(ctx)
	select {} // until killed
}

func pgxPool(ctx context.Context, url string) (*pgxpool.Pool, error) { return pgxpool.New(ctx, url) }

func quietLogger() *slog.Logger {
	if testing.Verbose() && os.Getenv("SEQUIN_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// env is a test database with the acme provider, two syncs and helpers to write events.
type env struct {
	db    *pgtest.DB
	syncA string
	syncB string
}

func setup(t testing.TB) *env {
	t.Helper()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	reg, err := providers.NewRegistry(testprovider.New())
	require.NoError(t, err)
	require.NoError(t, sqlapi.PublishCatalog(ctx, db.Pool, reg))
	var cred string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_credential('acme', '{"api_key": "k"}')::text`).Scan(&cred))
	e := &env{db: db}
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'sync-a', ARRAY['widget', 'gadget'], $1)::text`, cred).Scan(&e.syncA))
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'sync-b', ARRAY['widget'], $1, options => '{"schema": "acme_b"}')::text`, cred).Scan(&e.syncB))
	return e
}

// slotName is a replication slot name unique to the test database.
func (e *env) slotName() string { return "slot_" + strings.TrimPrefix(e.db.Name, "sequin_test_") }

// startReader runs a Reader until the test ends, then drops its slot.
func (e *env) startReader(t testing.TB, configure ...func(*stream.Reader)) *stream.Reader {
	t.Helper()
	r := &stream.Reader{Pool: e.db.Pool, Slot: e.slotName(), Logger: quietLogger(),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, StatusInterval: time.Second}
	for _, f := range configure {
		f(r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, stream.DropSlot(context.Background(), e.db.Pool, r.Slot))
	})
	waitReady(t, e.db.Pool, r, done)
	return r
}

// waitReady waits for a reader to stream. Creating a slot while other transactions run waits for the
// server's next record of running transactions (every 15s); a checkpoint writes one at once.
func waitReady(t testing.TB, pool *pgxpool.Pool, r *stream.Reader, done <-chan error) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case <-r.Ready():
			return
		case err := <-done:
			t.Fatalf("reader stopped: %v", err)
		case <-timeout:
			t.Fatal("reader not ready after 20s")
		case <-time.After(500 * time.Millisecond):
			_, _ = pool.Exec(context.Background(), "CHECKPOINT")
		}
	}
}

// consumer creates an http_pull consumer with the given SQL named arguments and returns its id.
func (e *env) consumer(t testing.TB, name string, args ...string) string {
	t.Helper()
	extra := ""
	for _, a := range args {
		extra += ", " + a
	}
	var id string
	require.NoError(t, e.db.Pool.QueryRow(context.Background(),
		fmt.Sprintf(`SELECT sequin.create_consumer(%s, 'http_pull'%s)::text`, quote(name), extra)).Scan(&id))
	return id
}

// withParam adds a query parameter to a postgres:// URL.
func withParam(t testing.TB, u, key, value string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	q := parsed.Query()
	q.Set(key, value)
	// pgconn does not read "+" as a space in query values: spaces must be %20.
	parsed.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return parsed.String()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// insertEvents writes one transaction of events for (sync, collection), one per upstream id, the way
// the engine does, and returns their seqs.
func (e *env) insertEvents(t testing.TB, sync, collection string, ids ...string) []int64 {
	t.Helper()
	var seqs []int64
	require.NoError(t, pgx.BeginFunc(context.Background(), e.db.Pool, func(tx pgx.Tx) error {
		var err error
		seqs, err = insertEventsTx(context.Background(), tx, sync, collection, ids...)
		return err
	}))
	return seqs
}

func insertEventsTx(ctx context.Context, tx pgx.Tx, sync, collection string, ids ...string) ([]int64, error) {
	rows, err := tx.Query(ctx, `
		INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data, previous_data)
		SELECT $1, $2, u.id, now() - interval '1 minute', CASE WHEN u.n % 3 = 0 THEN 'updated' ELSE 'inserted' END,
		       jsonb_build_object('id', u.id, 'name', 'widget ' || u.id, 'n', u.n, 'note', E'quote " backslash \\ tab \t é'),
		       CASE WHEN u.n % 3 = 0 THEN jsonb_build_object('name', 'old') END
		  FROM unnest($3::text[]) WITH ORDINALITY AS u(id, n)
		 ORDER BY u.n
		RETURNING seq`, sync, collection, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// ids returns n upstream ids with a prefix.
func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// messageSeqs returns the seqs in a consumer's outbox.
func (e *env) messageSeqs(t testing.TB, consumerID string) []int64 {
	t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `SELECT seq FROM sequin.consumer_messages WHERE consumer_id = $1 ORDER BY seq`, consumerID)
	require.NoError(t, err)
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	return seqs
}

// waitMessages waits until a consumer's outbox holds n messages.
func (e *env) waitMessages(t testing.TB, consumerID string, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got int
	for time.Now().Before(deadline) {
		require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.consumer_messages WHERE consumer_id = $1`, consumerID).Scan(&got))
		if got >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("consumer %s has %d messages, want %d", consumerID, got, n)
}

// allSeqs returns the seqs of every event.
func (e *env) allSeqs(t testing.TB, where string, args ...any) []int64 {
	t.Helper()
	if where == "" {
		where = "true"
	}
	rows, err := e.db.Pool.Query(context.Background(), `SELECT seq FROM sequin.events WHERE `+where+` ORDER BY seq`, args...)
	require.NoError(t, err)
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	return seqs
}
