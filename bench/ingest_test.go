package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// ingestPerCollection is the number of objects in each of the 12 Stripe collections: 120,000
// records, enough that table creation and job pick-up are a small part of the end-to-end time.
func ingestPerCollection() int { return sized(10_000, 2_000) }

// BenchmarkIngest compares a backfill end to end (emulator with no rate limit and no latency →
// synced tables and their events) with raw pgx COPY of the same objects into (id, jsonb) tables.
func BenchmarkIngest(b *testing.B) {
	const name = "backfill ingest, end to end"
	ctx := context.Background()
	emu, base := startEmulator(b, emulator.Config{Seed: ingestPerCollection(), RandSeed: 42, SkipSeedEvents: true})
	want := expectedObjects(emu)
	objects, err := fetchObjects(ctx, base)
	if err != nil {
		fail(b, []string{name}, err)
	}
	if n := countObjects(objects); n != want {
		fail(b, []string{name}, fmt.Errorf("listed %d objects from the emulator, it holds %d", n, want))
	}
	db := pgtest.NewDB(b)
	startSidecar(b, db, secret.GenerateKey(), "-")

	if err := checkpoint(ctx, db.Pool); err != nil {
		fail(b, []string{name}, err)
	}
	copyTime, err := copyObjects(ctx, db.URL, objects)
	if err != nil {
		fail(b, []string{name}, err)
	}
	copyRate := float64(want) / copyTime.Seconds()
	b.Logf("raw COPY: %d records in %v (%.0f records/s)", want, copyTime.Round(time.Millisecond), copyRate)

	if err := checkpoint(ctx, db.Pool); err != nil {
		fail(b, []string{name}, err)
	}
	cpuBefore, err := ReadCPUTime(os.Getpid())
	if err != nil {
		fail(b, []string{name}, err)
	}
	start := time.Now()
	syncID, err := createSync(ctx, db.Pool, syncSpec{name: "ingest", collections: allCollections(), baseURL: base, pollMS: 600_000})
	if err != nil {
		fail(b, []string{name}, err)
	}
	if err := waitLive(ctx, db.Pool, 5*time.Minute, 20*time.Millisecond); err != nil {
		fail(b, []string{name}, err)
	}
	e2e := time.Since(start)
	cpuAfter, err := ReadCPUTime(os.Getpid())
	if err != nil {
		fail(b, []string{name}, err)
	}
	// The sidecar and the emulator share this process: its CPU time against the wall-clock time
	// tells whether they or Postgres held the backfill back.
	ownCPU := cpuAfter - cpuBefore
	e2eRate := float64(want) / e2e.Seconds()
	b.Logf("end to end: %d records in %v (%.0f records/s); sidecar + emulator CPU %v", want, e2e.Round(time.Millisecond), e2eRate, ownCPU.Round(time.Millisecond))

	var records, events int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT sum(records_count) FROM sequin.sync_collections WHERE sync_id = $1),
		(SELECT count(*) FROM sequin.events WHERE sync_id = $1)`, syncID).Scan(&records, &events); err != nil {
		fail(b, []string{name}, err)
	}
	if records != want || events != want {
		fail(b, []string{name}, fmt.Errorf("synced %d records and %d events, want %d of each", records, events, want))
	}
	b.ReportMetric(e2eRate, "records/s")
	b.ReportMetric(copyRate, "copy-records/s")
	results.Add(Measured(name, e2eRate, "records/s", copyRate, "raw pgx COPY", AtLeast(0.5),
		fmt.Sprintf("%s records in %d collections; tables + events in %.1f s, of which sidecar + emulator CPU %.1f s",
			FormatValue(float64(want), ""), len(stripeLists), e2e.Seconds(), ownCPU.Seconds())))
}

// listedObject is one object as the list endpoint returned it.
type listedObject struct {
	id  string
	raw json.RawMessage
}

// fetchObjects lists every object of every collection from the emulator, as the provider does
// (100 per page, starting_after), keeping each object's JSON as served.
func fetchObjects(ctx context.Context, base string) (map[string][]listedObject, error) {
	out := map[string][]listedObject{}
	for _, l := range stripeLists {
		after := ""
		for {
			q, _ := url.ParseQuery(l.query)
			q.Set("limit", "100")
			if after != "" {
				q.Set("starting_after", after)
			}
			page, err := listPage(ctx, base+l.path+"?"+q.Encode())
			if err != nil {
				return nil, err
			}
			for _, raw := range page.Data {
				var head struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
					return nil, fmt.Errorf("listing %s: an object without an id", l.path)
				}
				out[l.name] = append(out[l.name], listedObject{id: head.ID, raw: raw})
				after = head.ID
			}
			if !page.HasMore || len(page.Data) == 0 {
				break
			}
		}
	}
	return out, nil
}

type stripeList struct {
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
}

func listPage(ctx context.Context, u string) (*stripeList, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("listing %s: %s: %s", u, resp.Status, firstLine(string(body)))
	}
	var l stripeList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("listing %s: %w", u, err)
	}
	return &l, nil
}

func countObjects(m map[string][]listedObject) int {
	n := 0
	for _, objs := range m {
		n += len(objs)
	}
	return n
}

// copyObjects creates one (id text primary key, _data jsonb) table per collection and COPYs the
// objects into them over one connection, returning the time of the COPYs alone.
func copyObjects(ctx context.Context, dbURL string, objects map[string][]listedObject) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA bench_copy`); err != nil {
		return 0, fmt.Errorf("creating schema: %w", err)
	}
	for name := range objects {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE bench_copy.%s (id text PRIMARY KEY, _data jsonb NOT NULL)`,
			pgx.Identifier{name}.Sanitize())); err != nil {
			return 0, fmt.Errorf("creating table %s: %w", name, err)
		}
	}
	var total time.Duration
	for name, objs := range objects {
		rows := make([][]any, len(objs))
		for i, o := range objs {
			rows[i] = []any{o.id, []byte(o.raw)}
		}
		start := time.Now()
		n, err := conn.CopyFrom(ctx, pgx.Identifier{"bench_copy", name}, []string{"id", "_data"}, pgx.CopyFromRows(rows))
		total += time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("copying %s: %w", name, err)
		}
		if int(n) != len(objs) {
			return 0, fmt.Errorf("copied %d %s rows, want %d", n, name, len(objs))
		}
	}
	return total, nil
}
