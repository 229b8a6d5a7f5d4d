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
	// memorySampleEvery is how often RSS and progress are read.
	memorySampleEvery = 200 * time.Millisecond
	// memoryLimitMB is the design's ceiling for the sidecar's RSS.
	memoryLimitMB = 150
)

// memoryRecords is the size of the backfill, spread over the 12 Stripe collections.
func memoryRecords() int { return sized(1_000_000, 100_000) }

// memorySample is the sidecar's RSS at a point of the backfill.
type memorySample struct {
	progress float64 // fraction of the records synced
	rss      int64
}

// BenchmarkBackfillMemory runs `sequin run` as a process of its own through a backfill of a million
// records and samples its /proc status: the peak RSS (VmHWM) against the 150 MB ceiling, and whether
// RSS stays flat (the highest RSS of the second half of the backfill against that of the first).
func BenchmarkBackfillMemory(b *testing.B) {
	size := FormatValue(float64(memoryRecords()), "")
	peakName, flatName, rateName := "sidecar peak RSS, "+size+"-record backfill", "sidecar RSS, 2nd vs 1st half of backfill",
		"backfill ingest, "+size+" records, sidecar process"
	names := []string{peakName, flatName, rateName}
	ctx := context.Background()
	perCollection := (memoryRecords() + len(stripeLists) - 1) / len(stripeLists)
	emu, base := startEmulator(b, emulator.Config{Seed: perCollection, RandSeed: 5, SkipSeedEvents: true})
	want := expectedObjects(emu)
	db := pgtest.NewDB(b)
	p := startSidecarProcess(b, db.Pool, db.URL, secret.GenerateKey())
	idle, err := ReadMemory(p.pid)
	if err != nil {
		fail(b, names, err)
	}

	start := time.Now()
	syncID, err := createSync(ctx, db.Pool, syncSpec{name: "million", collections: allCollections(), baseURL: base, pollMS: 600_000})
	if err != nil {
		fail(b, names, err)
	}
	var samples []memorySample
	var last Memory
	deadline := start.Add(8 * time.Minute)
	for {
		if err := p.alive(); err != nil {
			fail(b, names, err)
		}
		m, err := ReadMemory(p.pid)
		if err != nil {
			fail(b, names, err)
		}
		last = m
		var synced int64
		var notLive int
		if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(records_count), 0), count(*) FILTER (WHERE state <> 'live')
			FROM sequin.sync_collections WHERE sync_id = $1`, syncID).Scan(&synced, &notLive); err != nil {
			fail(b, names, err)
		}
		samples = append(samples, memorySample{progress: float64(synced) / float64(want), rss: m.RSS})
		if notLive == 0 {
			break
		}
		if time.Now().After(deadline) {
			fail(b, names, fmt.Errorf("backfill of %d records not done in %v (%d synced)", want, deadline.Sub(start), synced))
		}
		time.Sleep(memorySampleEvery)
	}
	elapsed := time.Since(start)
	var events int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events WHERE sync_id = $1`, syncID).Scan(&events); err != nil {
		fail(b, names, err)
	}
	if events != want {
		fail(b, names, fmt.Errorf("%d events for %d records", events, want))
	}
	var firstHalf, secondHalf int64
	for _, s := range samples {
		if s.progress < 0.5 {
			firstHalf = max(firstHalf, s.rss)
		} else {
			secondHalf = max(secondHalf, s.rss)
		}
	}
	mb := func(n int64) float64 { return float64(n) / (1 << 20) }
	rate := float64(want) / elapsed.Seconds()
	b.Logf("%d records in %v (%.0f/s); RSS idle %.0f MB, peak %.0f MB, max 1st half %.0f MB, max 2nd half %.0f MB, %d samples",
		want, elapsed.Round(time.Second), rate, mb(idle.RSS), mb(last.Peak), mb(firstHalf), mb(secondHalf), len(samples))
	b.ReportMetric(mb(last.Peak), "peak-MB")
	results.Add(
		Measured(peakName, mb(last.Peak), "MB", memoryLimitMB, "ceiling", AtMost(1),
			fmt.Sprintf("VmHWM of `sequin run`; %.0f MB before the sync; %s records", mb(idle.RSS), FormatValue(float64(want), ""))),
		Measured(flatName, mb(secondHalf), "MB", mb(firstHalf), "max RSS of 1st half", AtMost(1.1),
			fmt.Sprintf("VmRSS sampled every %v (%d samples)", memorySampleEvery, len(samples))),
		Measured(rateName, rate, "records/s", 0, "", Target{}, fmt.Sprintf("%v for tables + events, emulator in the benchmark process", elapsed.Round(time.Second))),
	)
}
