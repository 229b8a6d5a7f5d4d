package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/providers/emulatorkit"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

const (
	// lagPollInterval is the poll mode's interval; the target is p99 ≤ interval + 2 s.
	lagPollInterval = time.Second
	// lagWatchEvery is how often the observer looks for new events: the resolution of the figures.
	lagWatchEvery = 5 * time.Millisecond
)

// lagChanges upstream changes are made per mode, each to a different customer, at random spacings
// so that they fall at every phase of the poll cycle.
func lagChanges() int { return sized(40, 15) }

// BenchmarkChangeLag measures the time from an upstream change (an update in the emulator) to its
// event being visible in sequin.events, p50 and p99, in poll mode and in webhook mode.
func BenchmarkChangeLag(b *testing.B) {
	pollBound := lagPollInterval + 2*time.Second
	measureLag(b, "poll", pollBound, "poll interval + 2 s")
	measureLag(b, "webhook", time.Second, "target")
}

func measureLag(b *testing.B, mode string, bound time.Duration, boundName string) {
	p50Name, p99Name := "change lag p50, "+mode+" mode", "change lag p99, "+mode+" mode"
	names := []string{p50Name, p99Name}
	ctx := context.Background()
	const whsec = "whsec_bench_lag"
	var fwd emulatorkit.Forwarder // to the sidecar's webhook URL, known once the sync exists
	cfg := emulator.Config{Seed: 200, RandSeed: 9, SkipSeedEvents: true}
	if mode == "webhook" {
		fwdSrv := httptest.NewServer(&fwd)
		b.Cleanup(fwdSrv.Close)
		cfg.WebhookURL, cfg.WebhookSecret = fwdSrv.URL, whsec
	}
	emu, base := startEmulator(b, cfg)
	db := pgtest.NewDB(b)
	sc := startSidecar(b, db, secret.GenerateKey(), "127.0.0.1:0")
	spec := syncSpec{name: "lag", collections: []string{"stripe:customer"}, baseURL: base, pollMS: int(lagPollInterval.Milliseconds())}
	if mode == "webhook" {
		spec.pollMS, spec.webhookSecret = 600_000, whsec // polling far away: only webhooks bring changes
	}
	syncID, err := createSync(ctx, db.Pool, spec)
	if err != nil {
		fail(b, names, err)
	}
	if err := waitLive(ctx, db.Pool, time.Minute, 50*time.Millisecond); err != nil {
		fail(b, names, err)
	}
	fwd.SetTarget("http://" + sc.Addr + "/webhooks/" + syncID)

	w := &eventWatcher{pool: db.Pool, seen: map[string]time.Time{}}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan error, 1)
	go func() { watchDone <- w.run(watchCtx) }()
	defer func() { stopWatch(); <-watchDone }()

	customers := emu.List("customer")
	if len(customers) < lagChanges() {
		fail(b, names, fmt.Errorf("emulator has %d customers, need %d", len(customers), lagChanges()))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	changed := map[string]time.Time{}
	for i := range lagChanges() {
		id := customers[i]["id"].(string)
		changed[id] = time.Now()
		if _, err := emu.Update("customer", id, map[string]any{"name": fmt.Sprintf("Lag %s %d", mode, i)}); err != nil {
			fail(b, names, err)
		}
		time.Sleep(50*time.Millisecond + time.Duration(rng.IntN(250))*time.Millisecond)
	}
	deadline := time.Now().Add(bound + 10*time.Second)
	var lags []time.Duration
	for {
		lags = lags[:0]
		for id, at := range changed {
			if seen, ok := w.seenAt(id); ok {
				lags = append(lags, seen.Sub(at))
			}
		}
		if len(lags) == len(changed) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(lags) < len(changed) {
		select {
		case err := <-watchDone:
			watchDone <- err
			if err != nil {
				fail(b, names, err)
			}
		default:
		}
		fail(b, names, fmt.Errorf("%s mode: %d of %d changes arrived within %v", mode, len(lags), len(changed), bound+10*time.Second))
	}
	p50, p99 := Quantile(lags, 0.5), Quantile(lags, 0.99)
	b.Logf("%s mode: %d changes, lag p50 %v, p99 %v", mode, len(lags), p50.Round(time.Millisecond), p99.Round(time.Millisecond))
	b.ReportMetric(float64(p99.Milliseconds()), mode+"-p99-ms")
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	cond := fmt.Sprintf("%d changes; upstream update → event visible, observed every %v", len(lags), lagWatchEvery)
	if mode == "poll" {
		cond += fmt.Sprintf("; poll interval %v", lagPollInterval)
	}
	results.Add(
		Measured(p50Name, ms(p50), "ms", ms(bound), boundName, AtMost(1), cond),
		Measured(p99Name, ms(p99), "ms", ms(bound), boundName, AtMost(1), cond),
	)
}

// eventWatcher notes when each upstream id's first "updated" event becomes visible.
type eventWatcher struct {
	pool *pgxpool.Pool
	mu   sync.Mutex
	seen map[string]time.Time
}

func (w *eventWatcher) run(ctx context.Context) error {
	t := time.NewTicker(lagWatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		// Every updated event each time (a few dozen rows): sequence numbers are taken before commit,
		// so "above the last one seen" could skip a transaction that committed late.
		rows, err := w.pool.Query(ctx, `SELECT upstream_id FROM sequin.events WHERE event = 'updated'`)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watching events: %w", err)
		}
		now := time.Now()
		w.mu.Lock()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				break
			}
			if _, ok := w.seen[id]; !ok {
				w.seen[id] = now
			}
		}
		w.mu.Unlock()
		rows.Close()
		if err := rows.Err(); err != nil && ctx.Err() == nil {
			return fmt.Errorf("watching events: %w", err)
		}
	}
}

func (w *eventWatcher) seenAt(id string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.seen[id]
	return t, ok
}
