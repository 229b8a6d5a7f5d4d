package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

const (
	// idleTargetPercent is the design's ceiling, in percent of one core.
	idleTargetPercent = 5.0
)

// idleSyncs syncs of one collection each run on one sidecar.
func idleSyncs() int { return sized(1000, 200) }

// idlePollInterval is their poll interval; the CPU is measured over exactly one interval, after
// every sync has polled once, so that every sync polls once in the window.
func idlePollInterval() time.Duration { return sized(time.Minute, 10*time.Second) }

// BenchmarkIdleCPU runs `sequin run` as a process of its own with a thousand live syncs whose
// upstream does not change, and reads its CPU time (utime + stime from /proc/<pid>/stat) over one
// poll interval: what a sidecar costs while it only polls.
func BenchmarkIdleCPU(b *testing.B) {
	name := fmt.Sprintf("idle CPU, %s syncs", FormatValue(float64(idleSyncs()), ""))
	names := []string{name}
	ctx := context.Background()
	_, base := startEmulator(b, emulator.Config{Seed: 3, RandSeed: 11, SkipSeedEvents: true})
	db := pgtest.NewDB(b)
	p := startSidecarProcess(b, db.Pool, db.URL, secret.GenerateKey())

	start := time.Now()
	if _, err := db.Pool.Exec(ctx, `
		WITH cred AS (SELECT sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)) AS id)
		SELECT sequin.create_sync('stripe', 'account_' || g, ARRAY['stripe:customer'], cred.id,
			rate_limit => '{"allowed_requests": 100000, "interval": 1000}',
			options => jsonb_build_object('schema', 'acct_' || g, 'base_url', $2::text, 'poll_interval_ms', $3::int))
		FROM generate_series(1, $4::int) g, cred`, apiKey, base, idlePollInterval().Milliseconds(), idleSyncs()); err != nil {
		fail(b, names, err)
	}
	if err := waitLive(ctx, db.Pool, 5*time.Minute, 250*time.Millisecond); err != nil {
		fail(b, names, err)
	}
	live := time.Since(start)
	// Wait for every sync's first poll: from then on each polls once per interval.
	for {
		var unpolled int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sync_collections WHERE last_polled_at IS NULL`).Scan(&unpolled); err != nil {
			fail(b, names, err)
		}
		if unpolled == 0 {
			break
		}
		if time.Since(start) > live+2*idlePollInterval()+30*time.Second {
			fail(b, names, fmt.Errorf("%d syncs have not polled %v after their backfill", unpolled, 2*idlePollInterval()))
		}
		time.Sleep(250 * time.Millisecond)
	}
	cpu0, err := ReadCPUTime(p.pid)
	if err != nil {
		fail(b, names, err)
	}
	windowStart := time.Now()
	time.Sleep(idlePollInterval()) // CPU use is measured over wall-clock time
	cpu1, err := ReadCPUTime(p.pid)
	if err != nil {
		fail(b, names, err)
	}
	window := time.Since(windowStart)
	if err := p.alive(); err != nil {
		fail(b, names, err)
	}
	var polledInWindow int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sync_collections WHERE last_polled_at >= $1`, windowStart).Scan(&polledInWindow); err != nil {
		fail(b, names, err)
	}
	pct := 100 * (cpu1 - cpu0).Seconds() / window.Seconds()
	b.Logf("%d syncs live in %v; CPU %v over %v = %.2f%% of one core; %d syncs polled in the window",
		idleSyncs(), live.Round(time.Second), cpu1-cpu0, window.Round(time.Millisecond), pct, polledInWindow)
	b.ReportMetric(pct, "cpu-%")
	results.Add(Measured(name, pct, "% of a core", idleTargetPercent, "ceiling", AtMost(1),
		fmt.Sprintf("`sequin run`, poll interval %v, window %v; %d of %d syncs polled in it; backfill of all took %v",
			idlePollInterval(), window.Round(time.Second), polledInWindow, idleSyncs(), live.Round(time.Second))))
}
