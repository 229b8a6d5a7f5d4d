package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The example consumes a real sync: every customer's insert event arrives, and a failed batch comes
// back.
func TestConsumeASync(t *testing.T) {
	emu := emulator.New(emulator.Config{Seed: 30, RandSeed: 2, APIKeys: []string{"sk_test_example"}})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "127.0.0.1:0", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), StreamSlot: "slot_" + strings.TrimPrefix(db.Name, "sequin_test_")})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	ctx := context.Background()
	for ready := false; !ready; {
		select {
		case <-sc.Stream.Ready():
			ready = true
		case <-time.After(300 * time.Millisecond):
			_, _ = db.Pool.Exec(ctx, "CHECKPOINT") // a new slot waits for a record of running transactions
		}
	}
	var token string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_api_token('example')`).Scan(&token))
	_, err = db.Pool.Exec(ctx, `SELECT sequin.create_consumer('customers', 'http_pull', collection_ids => ARRAY['stripe:customer'])`)
	require.NoError(t, err)
	_, err = db.Pool.Exec(ctx, `SELECT sequin.create_sync('stripe', 'shop', ARRAY['stripe:customer'],
		sequin.create_credential('stripe', '{"secret": "sk_test_example"}'), options => jsonb_build_object('base_url', $1::text))`, url)
	require.NoError(t, err)

	var (
		mu     sync.Mutex
		seen   = map[string]bool{}
		failed bool
	)
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err = Consume(cctx, &Client{BaseURL: "http://" + sc.Addr, Token: token}, "customers", func(_ context.Context, events []Event) error {
		mu.Lock()
		defer mu.Unlock()
		if !failed {
			failed = true
			return errors.New("the first batch fails")
		}
		for _, e := range events {
			require.Equal(t, "inserted", e.Event)
			seen[e.UpstreamID] = true
		}
		if len(seen) == 30 {
			cancel()
		}
		return nil
	})
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 30, "every customer, the failed batch included")
}
