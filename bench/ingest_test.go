package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
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

// ingestRounds is how many times the backfill and its baseline are measured. On a shared 2-core
// machine one COPY of the same objects takes from 2.5 to 3.6 s from run to run, and the backfill
// varies as much: the figure is the round with the median ratio.
func ingestRounds() int { return sized(3, 1) }

// BenchmarkIngest compares a backfill end to end (emulator with no rate limit and no latency →
// synced tables and their events) with raw pgx COPY of the same objects into (id, jsonb) tables.
// Each round uses a fresh database and sidecar: the COPY, then the backfill.
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
	var rounds []ingestTimes
	for round := range ingestRounds() {
		r, err := ingestRound(ctx, b, base, objects, want)
		if err != nil {
			fail(b, []string{name}, fmt.Errorf("round %d: %w", round+1, err))
		}
		b.Logf("round %d: raw COPY %d records in %v (%.0f records/s); end to end in %v (%.0f records/s, ratio %.2f), sidecar + emulator CPU %v",
			round+1, want, r.copy.Round(time.Millisecond), perSecond(want, r.copy), r.e2e.Round(time.Millisecond), perSecond(want, r.e2e),
			r.ratio(), r.cpu.Round(time.Millisecond))
		rounds = append(rounds, r)
	}
	// The round with the median ratio: each round's backfill and COPY ran under the same conditions.
	slices.SortFunc(rounds, func(a, b ingestTimes) int { return cmp.Compare(a.ratio(), b.ratio()) })
	r := rounds[(len(rounds)-1)/2]
	copyRate, e2eRate := perSecond(want, r.copy), perSecond(want, r.e2e)
	ratios := make([]string, len(rounds))
	for i, x := range rounds {
		ratios[i] = fmt.Sprintf("%.2f", x.ratio())
	}
	b.ReportMetric(e2eRate, "records/s")
	b.ReportMetric(copyRate, "copy-records/s")
	results.Add(Measured(name, e2eRate, "records/s", copyRate, "raw pgx COPY", AtLeast(0.5),
		fmt.Sprintf("%s records in %d collections; tables + events in %.1f s, of which sidecar + emulator CPU %.1f s; median of %d rounds (ratios %s)",
			FormatValue(float64(want), ""), len(stripeLists), r.e2e.Seconds(), r.cpu.Seconds(), len(rounds), strings.Join(ratios, ", "))))
}

// ingestTimes is what one round of BenchmarkIngest measured.
type ingestTimes struct {
	copy, e2e time.Duration
	cpu       time.Duration // of this process (sidecar and emulator) during the backfill
}

// perSecond is records over d.
func perSecond(records int, d time.Duration) float64 { return float64(records) / d.Seconds() }

// ratio is the backfill's rate over COPY's.
func (t ingestTimes) ratio() float64 { return t.copy.Seconds() / t.e2e.Seconds() }

// ingestRound copies the objects into a fresh database, then backfills them with a sidecar from the
// emulator at base, and checks that every record and its event arrived.
func ingestRound(ctx context.Context, b *testing.B, base string, objects map[string][]listedObject, want int) (ingestTimes, error) {
	var t ingestTimes
	db := pgtest.NewDB(b)
	sc := startSidecar(b, db, secret.GenerateKey(), "-")
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		sc.Stop(sctx)
	}()
	if err := checkpoint(ctx, db.Pool); err != nil {
		return t, err
	}
	var err error
	if t.copy, err = copyObjects(ctx, db.URL, objects); err != nil {
		return t, err
	}
	// Autovacuum would vacuum and analyze the copied tables while the backfill runs, charging the
	// baseline's upkeep to the backfill: they have served their purpose.
	if _, err := db.Pool.Exec(ctx, `DROP SCHEMA bench_copy CASCADE`); err != nil {
		return t, fmt.Errorf("dropping the copied tables: %w", err)
	}
	if err := checkpoint(ctx, db.Pool); err != nil {
		return t, err
	}
	cpuBefore, err := ReadCPUTime(os.Getpid())
	if err != nil {
		return t, err
	}
	start := time.Now()
	syncID, err := createSync(ctx, db.Pool, syncSpec{name: "ingest", collections: allCollections(), baseURL: base, pollMS: 600_000})
	if err != nil {
		return t, err
	}
	if err := waitLive(ctx, db.Pool, 5*time.Minute, 20*time.Millisecond); err != nil {
		return t, err
	}
	t.e2e = time.Since(start)
	cpuAfter, err := ReadCPUTime(os.Getpid())
	if err != nil {
		return t, err
	}
	// The sidecar and the emulator share this process: its CPU time against the wall-clock time
	// tells whether they or Postgres held the backfill back.
	t.cpu = cpuAfter - cpuBefore
	var records, events int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT sum(records_count) FROM sequin.sync_collections WHERE sync_id = $1),
		(SELECT count(*) FROM sequin.events WHERE sync_id = $1)`, syncID).Scan(&records, &events); err != nil {
		return t, err
	}
	if records != want || events != want {
		return t, fmt.Errorf("synced %d records and %d events, want %d of each", records, events, want)
	}
	return t, nil
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
