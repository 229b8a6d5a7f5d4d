package ratelimit_test

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sidecar/ratelimit"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newCredential inserts a credential and returns its id.
func newCredential(t *testing.T, db *pgtest.DB) string {
	t.Helper()
	var id string
	err := db.Pool.QueryRow(context.Background(),
		`INSERT INTO sequin.credentials (provider, kind, pending_properties) VALUES ('stripe', 'api_key', '{}') RETURNING id::text`).Scan(&id)
	require.NoError(t, err)
	return id
}

// newSidecarStore returns a store with a pool of its own, as a separate sidecar process would have.
func newSidecarStore(t *testing.T, db *pgtest.DB) (*ratelimit.Store, *pgxpool.Pool) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), db.URL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return ratelimit.NewStore(pool, nil), pool
}

// recorder is an upstream server that records when each request arrives and how many are in flight.
type recorder struct {
	hold time.Duration

	mu          sync.Mutex
	arrivals    []time.Time
	delays      map[time.Time]time.Duration // arrival -> time since the client sent it
	inFlight    int
	maxInFlight int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	r.mu.Lock()
	r.arrivals = append(r.arrivals, now)
	if sent, err := strconv.ParseInt(req.Header.Get("X-Sent"), 10, 64); err == nil {
		if r.delays == nil {
			r.delays = map[time.Time]time.Duration{}
		}
		r.delays[now] = now.Sub(time.Unix(0, sent))
	}
	r.inFlight++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	r.mu.Unlock()
	if r.hold > 0 {
		time.Sleep(r.hold)
	}
	r.mu.Lock()
	r.inFlight--
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{}`))
}

// delivery returns the largest and 99th percentile time from client to server.
func (r *recorder) delivery() (worst, p99 time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []time.Duration
	for _, d := range r.delays {
		all = append(all, d)
	}
	if len(all) == 0 {
		return 0, 0
	}
	slices.Sort(all)
	return all[len(all)-1], all[len(all)*99/100]
}

// delayOf returns the time from client to server of the request that arrived at t.
func (r *recorder) delayOf(t time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delays[t]
}

func (r *recorder) snapshot() ([]time.Time, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.arrivals)
	slices.SortFunc(out, time.Time.Compare)
	return out, r.maxInFlight
}

// startRecorder serves a recorder on 127.0.0.1.
func startRecorder(t *testing.T, hold time.Duration) (*recorder, *httptest.Server) {
	t.Helper()
	rec := &recorder{hold: hold}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv
}

// hammer runs workers goroutines per limiter, each sending requests through a providers.Client
// until ctx ends, and returns how many requests each limiter's workers completed.
func hammer(ctx context.Context, t *testing.T, baseURL string, workers int, limiters ...providers.Limiter) []int {
	t.Helper()
	base := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(base.CloseIdleConnections)
	transport := stampSent{base}
	counts := make([]int, len(limiters))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, lim := range limiters {
		client := &providers.Client{BaseURL: baseURL, HTTP: &http.Client{Transport: transport}, Limiter: lim, MaxAttempts: 1}
		for range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					if _, err := client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: "/v1/things"}); err != nil {
						if ctx.Err() == nil {
							t.Errorf("request failed: %v", err)
						}
						return
					}
					mu.Lock()
					counts[i]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return counts
}

// stampSent tells the recorder when the client sent each request.
type stampSent struct{ base http.RoundTripper }

func (s stampSent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Sent", strconv.FormatInt(time.Now().UnixNano(), 10))
	return s.base.RoundTrip(r)
}

// maxInWindow returns the most arrivals (sorted) within any window of length w, and the shortest
// time spanned by n+1 consecutive arrivals, starting at arrival at.
func maxInWindow(arrivals []time.Time, w time.Duration, n int) (most int, tightest time.Duration, at int) {
	tightest = -1
	j := 0
	for i := range arrivals {
		for j < len(arrivals) && arrivals[j].Sub(arrivals[i]) < w {
			j++
		}
		most = max(most, j-i)
		if i+n < len(arrivals) {
			if span := arrivals[i+n].Sub(arrivals[i]); tightest < 0 || span < tightest {
				tightest, at = span, i
			}
		}
	}
	return most, tightest, at
}

// countingHandler counts log records by message.
type countingHandler struct {
	mu     sync.Mutex
	counts map[string]int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countingHandler) WithGroup(string) slog.Handler            { return h }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.counts == nil {
		h.counts = map[string]int{}
	}
	h.counts[r.Message]++
	return nil
}

func (h *countingHandler) snapshot() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.counts)
}

// heldLeases counts the leases of a credential that are currently held.
func heldLeases(t *testing.T, db *pgtest.DB, credentialID string) int {
	t.Helper()
	var n int
	require.NoError(t, db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM sequin.rate_limit_leases WHERE credential_id = $1 AND expires_at > now()`, credentialID).Scan(&n))
	return n
}
