package shopify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestParseCallLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want callLimit
		ok   bool
	}{
		{"32/40", callLimit{32, 40}, true},
		{" 0/400 ", callLimit{0, 400}, true},
		{"40/40", callLimit{40, 40}, true},
		{"", callLimit{}, false},
		{"41/40", callLimit{}, false},
		{"-1/40", callLimit{}, false},
		{"1/0", callLimit{}, false},
		{"1/", callLimit{}, false},
		{"a/40", callLimit{}, false},
		{"40", callLimit{}, false},
		{"1/40/2", callLimit{}, false},
		{"1/9999999", callLimit{}, false},
	} {
		got, ok := parseCallLimit(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseCallLimit(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseCallLimit(f *testing.F) {
	for _, s := range []string{"32/40", "0/400", "", "x/y", "40/40", "1/-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cl, ok := parseCallLimit(s)
		if ok && (cl.capacity <= 0 || cl.used < 0 || cl.used > cl.capacity) {
			t.Fatalf("parseCallLimit(%q) accepted %+v", s, cl)
		}
	})
}

func TestLeakRate(t *testing.T) {
	t.Parallel()
	for capacity, want := range map[int]float64{40: 2, 80: 4, 400: 20, 2: 2} {
		if got := (callLimit{capacity: capacity}).leakRate(); got != want {
			t.Errorf("leak rate of a bucket of %d = %g, want %g", capacity, got, want)
		}
	}
}

// pacerBundle is a pacer in front of a real server that reports the fill the test sets, with a fake
// clock that sleeping advances.
type pacerBundle struct {
	pacer  *bucketPacer
	client *http.Client
	url    string

	mu     sync.Mutex
	report string
	clock  time.Time
	slept  []time.Duration
}

func setupPacer(t *testing.T) *pacerBundle {
	t.Helper()
	b := &pacerBundle{clock: time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		if b.report != "" {
			w.Header().Set(callLimitHeader, b.report)
		}
		b.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	b.pacer = newBucketPacer(http.DefaultTransport)
	b.pacer.now = func() time.Time { b.mu.Lock(); defer b.mu.Unlock(); return b.clock }
	b.pacer.sleep = func(_ context.Context, d time.Duration) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.slept = append(b.slept, d)
		b.clock = b.clock.Add(d)
		return nil
	}
	b.client = &http.Client{Transport: b.pacer}
	b.url = srv.URL
	return b
}

// send makes one request after setting what the server reports, and returns how long it waited.
func (b *pacerBundle) send(t *testing.T, report string) time.Duration {
	t.Helper()
	b.mu.Lock()
	b.report, b.slept = report, nil
	b.mu.Unlock()
	resp, err := b.client.Get(b.url)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	var total time.Duration
	for _, d := range b.slept {
		total += d
	}
	return total
}

func (b *pacerBundle) advance(d time.Duration) {
	b.mu.Lock()
	b.clock = b.clock.Add(d)
	b.mu.Unlock()
}

func TestBucketPacer(t *testing.T) {
	t.Parallel()

	t.Run("no report, no wait", func(t *testing.T) {
		t.Parallel()
		b := setupPacer(t)
		for range 3 {
			if d := b.send(t, ""); d != 0 {
				t.Fatalf("waited %s without any report of the bucket", d)
			}
		}
	})

	t.Run("room left", func(t *testing.T) {
		t.Parallel()
		b := setupPacer(t)
		b.send(t, "10/40")
		if d := b.send(t, "11/40"); d != 0 {
			t.Errorf("waited %s with the bucket a quarter full", d)
		}
	})

	t.Run("nearly full", func(t *testing.T) {
		t.Parallel()
		b := setupPacer(t)
		b.send(t, "39/40")
		// 39 in the bucket, 4 kept free: 4 must leak (at 2 a second) before the next request.
		if d := b.send(t, "37/40"); d != 2*time.Second {
			t.Errorf("waited %s after 39/40, want 2s", d)
		}
		// Time passing drains the estimate: after 10 s the bucket is empty.
		b.advance(10 * time.Second)
		b.send(t, "1/40")
		if d := b.send(t, "2/40"); d != 0 {
			t.Errorf("waited %s with an empty bucket", d)
		}
	})

	t.Run("plus plan leaks faster", func(t *testing.T) {
		t.Parallel()
		b := setupPacer(t)
		b.send(t, "370/400")
		// Headroom 40, leak 20 a second: (370+1-360)/20 = 0.55 s.
		if d := b.send(t, "360/400"); d != 550*time.Millisecond {
			t.Errorf("waited %s after 370/400, want 550ms", d)
		}
	})

	t.Run("waiting requests queue", func(t *testing.T) {
		t.Parallel()
		b := setupPacer(t)
		b.send(t, "36/40")
		// Three requests reserved at the same instant take consecutive slots, half a second apart.
		var waits []time.Duration
		for range 3 {
			waits = append(waits, b.pacer.reserve())
		}
		want := []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
		for i := range want {
			if waits[i] != want[i] {
				t.Fatalf("waits %v, want %v", waits, want)
			}
		}
	})

	t.Run("throttled answer", func(t *testing.T) {
		t.Parallel()
		b := setupPacer(t)
		b.send(t, "40/40")
		if d := b.send(t, "38/40"); d != 2500*time.Millisecond {
			t.Errorf("waited %s after a full bucket, want 2.5s", d)
		}
	})
}

func TestBucketPacerCancel(t *testing.T) {
	t.Parallel()
	b := setupPacer(t)
	b.send(t, "40/40")
	b.pacer.sleep = sleepCtx
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.url, nil)
	if _, err := b.client.Do(req); err == nil {
		t.Fatal("a request waiting for the bucket ignored its cancelled context")
	}
	if b.pacer.waiting != 0 {
		t.Errorf("%d requests still counted as waiting", b.pacer.waiting)
	}
}
