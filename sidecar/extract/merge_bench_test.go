package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// benchPageRecords is the size of one merge in the benchmarks, as a backfill merges pages waiting
// together.
const benchPageRecords = 500

// BenchmarkMergeFirstBackfill merges the objects of every Stripe collection into empty tables, a page
// of 500 records at a time on one connection, and reports the time per record. The same objects are
// written with COPY into (id, _data) tables in the same run, the floor that Merge is compared with:
// copy_ratio is merge time over COPY time, pg_cpu_copy_ratio the same for the server process's CPU
// time, which other work on the machine disturbs less. Merge writes each object twice (row and
// event), so about 2 is the floor.
func BenchmarkMergeFirstBackfill(b *testing.B) {
	ctx := context.Background()
	pages := stripePages(b, 2000)
	var merged, copied, mergeCPU, copyCPU time.Duration
	var n int
	for b.Loop() {
		b.StopTimer()
		db := pgtest.NewDB(b)
		for i, p := range pages {
			if i == 0 || pages[i-1].target.Table != p.target.Table {
				if err := EnsureTable(ctx, db.Pool, p.target); err != nil {
					b.Fatal(err)
				}
			}
		}
		conn, err := db.Pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		cpu0 := backendCPU(conn.Conn())
		b.StartTimer()
		for _, p := range pages {
			n += len(p.records)
			start := time.Now()
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				_, err := Merge(ctx, tx, p.target, p.records)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			merged += time.Since(start)
		}
		b.StopTimer()
		mergeCPU += backendCPU(conn.Conn()) - cpu0
		cpu0 = backendCPU(conn.Conn())
		for _, p := range pages {
			tbl := pgx.Identifier{"bench_copy", p.target.Table}
			if _, err := db.Pool.Exec(ctx, fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS bench_copy;
				CREATE TABLE IF NOT EXISTS %s (id text PRIMARY KEY, _data jsonb NOT NULL)`, tbl.Sanitize())); err != nil {
				b.Fatal(err)
			}
			rows := make([][]any, len(p.records))
			for i, r := range p.records {
				rows[i] = []any{r.ID, string(r.Data)}
			}
			start := time.Now()
			if _, err := conn.CopyFrom(ctx, tbl, []string{"id", "_data"}, pgx.CopyFromRows(rows)); err != nil {
				b.Fatal(err)
			}
			copied += time.Since(start)
		}
		copyCPU += backendCPU(conn.Conn()) - cpu0
		conn.Release()
		b.StartTimer()
	}
	b.ReportMetric(float64(merged.Microseconds())/float64(n), "µs/record")
	b.ReportMetric(float64(merged)/float64(copied), "copy_ratio")
	if copyCPU > 0 {
		b.ReportMetric(float64(mergeCPU.Microseconds())/float64(n), "pg_cpu_µs/record")
		b.ReportMetric(float64(mergeCPU)/float64(copyCPU), "pg_cpu_copy_ratio")
	}
}

type benchPage struct {
	target  Target
	records []providers.Record
}

// stripePages lists perCollection objects of every Stripe collection from the emulator, in pages of
// benchPageRecords records, with the tables created.
func stripePages(b *testing.B, perCollection int) []benchPage {
	b.Helper()
	srv := httptest.NewServer(emulator.New(emulator.Config{Seed: perCollection, RandSeed: 7, SkipSeedEvents: true}))
	b.Cleanup(srv.Close)
	var pages []benchPage
	for _, c := range stripe.New().Collections() {
		if c.ID == "stripe:event" {
			continue
		}
		name := strings.TrimPrefix(c.ID, "stripe:")
		target := Target{SyncID: "11111111-1111-1111-1111-111111111111", Collection: c, Schema: "stripe", Table: name}
		var recs []providers.Record
		after := ""
		for {
			u := fmt.Sprintf("%s/v1/%ss?limit=100", srv.URL, name)
			if after != "" {
				u += "&starting_after=" + after
			}
			page := listStripe(b, u)
			for _, o := range page.Data {
				var head struct {
					ID      string `json:"id"`
					Created int64  `json:"created"`
				}
				if err := json.Unmarshal(o, &head); err != nil {
					b.Fatal(err)
				}
				recs = append(recs, providers.Record{ID: head.ID, UpdatedAt: time.Unix(head.Created, 0), Data: o})
				after = head.ID
			}
			if !page.HasMore {
				break
			}
		}
		if len(recs) == 0 {
			b.Fatalf("no %s objects from the emulator", name)
		}
		for len(recs) > 0 {
			k := min(benchPageRecords, len(recs))
			pages = append(pages, benchPage{target: target, records: recs[:k]})
			recs = recs[k:]
		}
	}
	return pages
}

func listStripe(b *testing.B, u string) (page struct {
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
}) {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer sk_test_bench")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d %s", u, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &page); err != nil {
		b.Fatal(err)
	}
	return page
}

// backendCPU is the CPU time the server process of conn has used, read from /proc: the test
// server runs on this machine unless TEST_DATABASE_URL names another, and then it is 0.
func backendCPU(conn *pgx.Conn) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", conn.PgConn().PID()))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var ticks int64
	for _, x := range f[11:13] {
		v, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0
		}
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}
