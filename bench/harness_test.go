package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// sized returns full, or small under -short: `go test -short -bench .` runs every benchmark on
// smaller data in a fraction of the time, to check the suite rather than to measure.
func sized[T int | time.Duration](full, small T) T {
	if testing.Short() {
		return small
	}
	return full
}

// apiKey is the only key the benchmarks' emulators accept.
const apiKey = "sk_test_bench"

// stripeLists are the Stripe collections the benchmarks sync, with their list endpoints as the
// provider calls them (subscriptions need status=all to include canceled ones).
var stripeLists = []struct{ name, path, query string }{
	{"customer", "/v1/customers", ""},
	{"product", "/v1/products", ""},
	{"price", "/v1/prices", ""},
	{"coupon", "/v1/coupons", ""},
	{"subscription", "/v1/subscriptions", "status=all"},
	{"invoice", "/v1/invoices", ""},
	{"payment_intent", "/v1/payment_intents", ""},
	{"charge", "/v1/charges", ""},
	{"balance_transaction", "/v1/balance_transactions", ""},
	{"refund", "/v1/refunds", ""},
	{"dispute", "/v1/disputes", ""},
	{"payout", "/v1/payouts", ""},
}

// allCollections returns the ids of every collection in stripeLists.
func allCollections() []string {
	out := make([]string, len(stripeLists))
	for i, l := range stripeLists {
		out[i] = "stripe:" + l.name
	}
	return out
}

// expectedObjects is the number of objects the emulator holds in every collection of stripeLists.
func expectedObjects(emu *emulator.Server) int {
	n := 0
	for _, l := range stripeLists {
		n += emu.Count(l.name)
	}
	return n
}

// fileLogger logs warnings and errors of a benchmark's services to a file, so that the output stays
// one table; when the benchmark fails the file's end is shown.
func fileLogger(b testing.TB, name string) *slog.Logger {
	b.Helper()
	path := filepath.Join(b.TempDir(), name+".log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatalf("creating log file: %v", err)
	}
	b.Cleanup(func() {
		_ = f.Close()
		if b.Failed() {
			showTail(b, path)
		}
	})
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func showTail(b testing.TB, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	b.Logf("last lines of %s:\n%s", filepath.Base(path), strings.Join(lines, "\n"))
}

// startEmulator starts a Stripe emulator on 127.0.0.1:0, closed when the benchmark ends.
func startEmulator(b testing.TB, cfg emulator.Config) (*emulator.Server, string) {
	b.Helper()
	if len(cfg.APIKeys) == 0 {
		cfg.APIKeys = []string{apiKey}
	}
	emu := emulator.New(cfg)
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		b.Fatalf("starting emulator: %v", err)
	}
	b.Cleanup(func() { _ = emu.Close() })
	return emu, url
}

// startSidecar starts a sidecar in this process on db; listen "-" disables its HTTP server.
func startSidecar(b testing.TB, db *pgtest.DB, secretKey, listen string) *sidecar.Sidecar {
	b.Helper()
	reg, err := providers.NewRegistry(stripe.New())
	if err != nil {
		b.Fatal(err)
	}
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: db.URL, Listen: listen, SecretKey: secretKey, Registry: reg,
		Logger: fileLogger(b, "sidecar"),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sc.Start(ctx); err != nil {
		b.Fatalf("starting sidecar: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sc.Stop(ctx)
	})
	return sc
}

// syncSpec is a Stripe sync as the benchmarks create it.
type syncSpec struct {
	name        string
	schema      string // default "stripe"
	collections []string
	baseURL     string
	// allowed and interval are the rate limit; zero means a budget far above what the machine can use.
	allowed  int
	interval time.Duration
	pollMS   int
	// webhookSecret, when set, lets the sync receive the emulator's signed webhooks.
	webhookSecret string
}

// createSync creates the credential and the sync through the SQL surface and returns the sync id.
func createSync(ctx context.Context, pool *pgxpool.Pool, s syncSpec) (string, error) {
	if s.schema == "" {
		s.schema = "stripe"
	}
	if s.allowed == 0 {
		s.allowed, s.interval = 1_000_000, time.Second
	}
	props := map[string]any{"secret": apiKey}
	if s.webhookSecret != "" {
		props["webhook_secret"] = s.webhookSecret
	}
	rl := map[string]any{"allowed_requests": s.allowed, "interval": s.interval.Milliseconds()}
	opts := map[string]any{"schema": s.schema, "base_url": s.baseURL, "poll_interval_ms": s.pollMS}
	var id string
	err := pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', $1, $2::text[],
		sequin.create_credential('stripe', $3::jsonb), rate_limit => $4::jsonb, options => $5::jsonb)::text`,
		s.name, s.collections, mustJSON(props), mustJSON(rl), mustJSON(opts)).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("creating sync %s: %w", s.name, err)
	}
	return id, nil
}

func mustJSON(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values are passed
	}
	return string(out)
}

// waitLive waits until every collection of every sync in the database is live (backfilled), polling
// every `every`; it fails on a collection that reports an error for long.
func waitLive(ctx context.Context, pool *pgxpool.Pool, timeout, every time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var total, notLive int
		var lastErr *string
		err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state <> 'live'),
			max(last_error) FILTER (WHERE consecutive_errors >= 5) FROM sequin.sync_collections`).Scan(&total, &notLive, &lastErr)
		switch {
		case err != nil && ctx.Err() != nil:
			return fmt.Errorf("backfill not finished in %v", timeout)
		case err != nil:
			return fmt.Errorf("reading backfill state: %w", err)
		case lastErr != nil:
			return fmt.Errorf("a collection keeps failing: %s", *lastErr)
		case total > 0 && notLive == 0:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("backfill not finished in %v (%d of %d collections live)", timeout, total-notLive, total)
		case <-time.After(every):
		}
	}
}

// checkpoint flushes dirty buffers, so that a checkpoint started by the previous phase's writes does
// not land in the next phase's measurement.
func checkpoint(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// fail records the benchmark's rows as errors and stops it.
func fail(b *testing.B, names []string, err error) {
	b.Helper()
	for _, n := range names {
		results.Add(Missing(n, StatusError, firstLine(err.Error())))
	}
	b.Fatal(err)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
