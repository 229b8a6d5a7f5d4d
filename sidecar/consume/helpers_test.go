package consume_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/testprovider"
	"github.com/sequinsync/sequin/sidecar/consume"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func quietLogger() *slog.Logger {
	if testing.Verbose() && os.Getenv("SEQUIN_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// env is a test database with the acme provider and one sync, and helpers to write events.
type env struct {
	db   *pgtest.DB
	sync string
}

func setup(t testing.TB) *env {
	t.Helper()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	reg, err := providers.NewRegistry(testprovider.New())
	require.NoError(t, err)
	require.NoError(t, sqlapi.PublishCatalog(ctx, db.Pool, reg))
	e := &env{db: db}
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'shop', ARRAY['widget', 'gadget'],
		sequin.create_credential('acme', '{"api_key": "k"}'))::text`).Scan(&e.sync))
	return e
}

// event is one event to write: upstream id and a version number carried in its data.
type event struct {
	id      string
	version int
}

// insert writes events of acme:widget in one transaction, in the order given, and returns their seqs.
func (e *env) insert(t testing.TB, evs ...event) []int64 {
	t.Helper()
	ids := make([]string, len(evs))
	versions := make([]int, len(evs))
	for i, ev := range evs {
		ids[i], versions[i] = ev.id, ev.version
	}
	var seqs []int64
	require.NoError(t, pgx.BeginFunc(context.Background(), e.db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), `
			INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data)
			SELECT $1, 'acme:widget', u.id, now(), CASE WHEN u.v = 1 THEN 'inserted' ELSE 'updated' END,
			       jsonb_build_object('id', u.id, 'version', u.v)
			  FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS u(id, v, n)
			 ORDER BY u.n
			RETURNING seq`, e.sync, ids, versions)
		if err != nil {
			return err
		}
		seqs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	}))
	return seqs
}

// history writes versions 1..perRecord of n records, interleaved (v1 of every record, then v2, ...),
// one transaction per version, and returns how many events it wrote.
func (e *env) history(t testing.TB, n, perRecord int) int {
	t.Helper()
	for v := 1; v <= perRecord; v++ {
		evs := make([]event, n)
		for i := range evs {
			evs[i] = event{id: fmt.Sprintf("r%03d", i), version: v}
		}
		e.insert(t, evs...)
	}
	return n * perRecord
}

// consumer creates a consumer with SQL named arguments and returns its id.
func (e *env) consumer(t testing.TB, name, kind string, args ...string) string {
	t.Helper()
	extra := ""
	for _, a := range args {
		extra += ", " + a
	}
	var id string
	require.NoError(t, e.db.Pool.QueryRow(context.Background(),
		fmt.Sprintf(`SELECT sequin.create_consumer(%s, %s%s)::text`, quote(name), quote(kind), extra)).Scan(&id))
	return id
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// count runs a count query.
func (e *env) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// outbox is the number of a consumer's messages still in the outbox (dead ones included).
func (e *env) outbox(t testing.TB, consumerID string) int {
	return e.count(t, `SELECT count(*) FROM sequin.consumer_messages WHERE consumer_id = $1`, consumerID)
}

// startService runs a consume.Service until the test ends.
func (e *env) startService(t testing.TB, configure ...func(*consume.Service)) *consume.Service {
	t.Helper()
	s := &consume.Service{Pool: e.db.Pool, Logger: quietLogger(), PollInterval: 200 * time.Millisecond, Listening: make(chan struct{})}
	for _, f := range configure {
		f(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	select {
	case <-s.Listening:
	case err := <-done:
		t.Fatalf("service stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("service not listening after 10s")
	}
	return s
}
