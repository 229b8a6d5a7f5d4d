package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

const (
	// rateAllowed requests per rateInterval is the credential's budget: high enough to be a real
	// load, low enough that the limiter rather than the 2-core machine holds the backfill back.
	rateAllowed  = 40
	rateInterval = time.Second
	// rateWarmup after the first request (tables created, jobs picked up) is left out of the rate.
	rateWarmup = 2 * time.Second
	// rateSeed objects per collection: the backfill (12 collections, 100 objects a page) needs more
	// requests than the budget allows in warm-up plus window, so demand never ends.
	rateSeed = 6000
)

// rateWindow is the measured stretch.
func rateWindow() time.Duration { return sized(10*time.Second, 5*time.Second) }

// BenchmarkRateLimit measures how much of a credential's budget a backfill uses, with one sidecar
// and with two sharing the credential: achieved/allowed request rate as the emulator sees it
// (target 0.9–1.0), and the most requests in any sliding interval over the allowed number (never
// above 1). The emulator enforces the same budget, so any excess would also show as 429s.
func BenchmarkRateLimit(b *testing.B) {
	for _, n := range []int{1, 2} {
		measureRateLimit(b, n)
	}
}

func measureRateLimit(b *testing.B, sidecars int) {
	label := "1 sidecar"
	if sidecars > 1 {
		label = fmt.Sprintf("%d sidecars", sidecars)
	}
	used, peak := "rate-limit use, "+label, "rate-limit peak window, "+label
	ctx := context.Background()
	emu, base := startEmulator(b, emulator.Config{Seed: rateSeed, RandSeed: 17, SkipSeedEvents: true,
		Latency: 5 * time.Millisecond, RateLimit: rateAllowed, RateLimitWindow: rateInterval})
	db := pgtest.NewDB(b)
	key := secret.GenerateKey()
	for range sidecars {
		startSidecar(b, db, key, "-")
	}
	emu.ResetRequests()
	if _, err := createSync(ctx, db.Pool, syncSpec{name: "budget", collections: allCollections(), baseURL: base,
		allowed: rateAllowed, interval: rateInterval, pollMS: 600_000}); err != nil {
		fail(b, []string{used, peak}, err)
	}
	var first time.Time
	deadline := time.Now().Add(30 * time.Second)
	for first.IsZero() {
		if reqs := emu.Requests(); len(reqs) > 0 {
			first = reqs[0].Time
		} else if time.Now().After(deadline) {
			fail(b, []string{used, peak}, fmt.Errorf("no request reached the emulator in 30s"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	from, to := first.Add(rateWarmup), first.Add(rateWarmup+rateWindow())
	time.Sleep(time.Until(to) + 100*time.Millisecond) // a rate is measured over wall-clock time

	var times []time.Time
	limited := 0
	for _, r := range emu.Requests() {
		if r.Time.Before(to) {
			times = append(times, r.Time)
		}
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	var live int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sync_collections WHERE state = 'live'`).Scan(&live); err != nil {
		fail(b, []string{used, peak}, err)
	}
	if live > 0 {
		fail(b, []string{used, peak}, fmt.Errorf("%d collections finished their backfill inside the window: demand fell, raise rateSeed", live))
	}
	allowedRate := float64(rateAllowed) / rateInterval.Seconds()
	inWindow := CountBetween(times, from, to)
	rate := float64(inWindow) / rateWindow().Seconds()
	worst := MaxInWindow(times, rateInterval)
	b.Logf("%s: %d requests in %v after a %v warm-up (%.1f/s of %.0f/s allowed); busiest %v: %d requests; %d answered 429",
		label, inWindow, rateWindow(), rateWarmup, rate, allowedRate, rateInterval, worst, limited)
	b.ReportMetric(rate/allowedRate, fmt.Sprintf("use-%d", sidecars))
	cond := fmt.Sprintf("%d req per %v budget, %d collections backfilling, %v window after %v warm-up",
		rateAllowed, rateInterval, len(stripeLists), rateWindow(), rateWarmup)
	results.Add(
		Measured(used, rate, "req/s", allowedRate, "allowed", Between(0.9, 1.0), cond),
		Measured(peak, float64(worst), "req", float64(rateAllowed), "allowed per "+rateInterval.String(), AtMost(1.0),
			fmt.Sprintf("most requests in any sliding %v from the first request; %d answered 429", rateInterval, limited)),
	)
}
