package emulatorkit

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// get sends a GET to base+path and returns the status and body.
func get(t *testing.T, base, path string) (int, string) {
	t.Helper()
	return do(t, http.MethodGet, base+path)
}

func do(t *testing.T, method, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// start serves h on a loopback port and closes it at the end of the test.
func start(t *testing.T, l *Listener, h http.Handler) string {
	t.Helper()
	base, err := l.Start("127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return base
}

func TestListenerServesAndClosesTwice(t *testing.T) {
	t.Parallel()
	closed := 0
	l := &Listener{OnClose: func() { closed++ }}
	base := start(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello "+r.URL.Path)
	}))
	if l.URL() != base {
		t.Fatalf("URL() = %q, Start returned %q", l.URL(), base)
	}
	if status, body := get(t, base, "/x"); status != http.StatusOK || body != "hello /x" {
		t.Fatalf("got %d %q", status, body)
	}
	if _, err := l.Start("127.0.0.1:0", http.NotFoundHandler()); err == nil {
		t.Fatal("a second Start succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if closed != 1 {
		t.Fatalf("OnClose ran %d times, want 1", closed)
	}
	if _, err := http.Get(base + "/x"); err == nil {
		t.Fatal("the server still answers after Close")
	}
	if _, err := l.Start("127.0.0.1:0", http.NotFoundHandler()); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

func TestListenerCloseBeforeStart(t *testing.T) {
	t.Parallel()
	closed := false
	l := &Listener{OnClose: func() { closed = true }}
	if err := l.Close(); err != nil {
		t.Fatalf("Close before Start: %v", err)
	}
	if !closed {
		t.Fatal("OnClose did not run")
	}
	select {
	case <-l.Done():
	default:
		t.Fatal("Done is not closed")
	}
	if l.URL() != "" {
		t.Fatalf("URL() = %q before Start", l.URL())
	}
}

func TestListenerReportsLoopbackForUnspecifiedHost(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{":0", "0.0.0.0:0"} {
		var l Listener
		base, err := l.Start(addr, http.NotFoundHandler())
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Path != "" {
			t.Errorf("Start(%q) = %q, want http://127.0.0.1:<port>", addr, base)
		}
		if status, _ := get(t, base, "/"); status != http.StatusNotFound {
			t.Errorf("status %d", status)
		}
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestListenerStartFailsOnBadAddress(t *testing.T) {
	t.Parallel()
	var l Listener
	if _, err := l.Start("127.0.0.1:-1", http.NotFoundHandler()); err == nil {
		t.Fatal("Start on a bad address succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestListenerCloseEndsSleeps(t *testing.T) {
	t.Parallel()
	l := &Listener{Grace: 100 * time.Millisecond}
	slept := make(chan bool, 1)
	entered := make(chan struct{})
	base := start(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		ok := l.Sleep(r.Context(), time.Hour)
		slept <- ok
	}))
	go func() {
		if resp, err := http.Get(base + "/"); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-entered
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if <-slept {
		t.Fatal("Sleep reported a full sleep after Close")
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	var l Listener
	if !l.Sleep(context.Background(), 0) {
		t.Fatal("a zero sleep was cut short")
	}
	if !l.Sleep(context.Background(), time.Millisecond) {
		t.Fatal("a short sleep was cut short")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if l.Sleep(ctx, time.Hour) {
		t.Fatal("Sleep ignored a cancelled context")
	}
}

func TestRequestLogOverHTTP(t *testing.T) {
	t.Parallel()
	var log Log[Request]
	var l Listener
	base := start(t, &l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := NewStatusWriter(w)
		defer func() { log.Add(Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Status: sw.Status()}) }()
		switch r.URL.Path {
		case "/missing":
			http.NotFound(sw, r)
		case "/plain":
			_, _ = io.WriteString(sw, "ok")
		default:
			sw.WriteHeader(http.StatusTeapot)
		}
	}))
	get(t, base, "/missing")
	get(t, base, "/plain")
	do(t, http.MethodPost, base+"/teapot")
	got := log.Snapshot()
	want := []Request{{Method: "GET", Path: "/missing", Status: 404}, {Method: "GET", Path: "/plain", Status: 200},
		{Method: "POST", Path: "/teapot", Status: 418}}
	if len(got) != len(want) {
		t.Fatalf("logged %d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Method != w.Method || g.Path != w.Path || g.Status != w.Status || g.Time.IsZero() {
			t.Errorf("request %d = %+v, want %+v", i, g, w)
		}
	}
	got[0].Path = "/changed"
	if log.Snapshot()[0].Path != "/missing" {
		t.Fatal("Snapshot shares memory with the log")
	}
	if log.Count() != 3 {
		t.Fatalf("Count() = %d", log.Count())
	}
	log.Reset()
	if len(log.Snapshot()) != 0 || log.Count() != 0 {
		t.Fatal("Reset kept records")
	}
	get(t, base, "/plain")
	if n := len(log.Snapshot()); n != 1 {
		t.Fatalf("%d records after Reset and one request", n)
	}
}

func TestStatusWriterWrote(t *testing.T) {
	t.Parallel()
	var l Listener
	type seen struct {
		status int
		wrote  bool
	}
	ch := make(chan seen, 1)
	base := start(t, &l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := NewStatusWriter(w)
		if r.URL.Path == "/created" {
			sw.WriteHeader(http.StatusCreated)
		}
		ch <- seen{sw.Status(), sw.Wrote()}
	}))
	get(t, base, "/")
	if s := <-ch; s.status != http.StatusOK || s.wrote {
		t.Fatalf("untouched writer: %+v", s)
	}
	get(t, base, "/created")
	if s := <-ch; s.status != http.StatusCreated || !s.wrote {
		t.Fatalf("after WriteHeader(201): %+v", s)
	}
}

func TestLogMaxKeepsNewest(t *testing.T) {
	t.Parallel()
	l := Log[int]{Max: 4}
	seqs := make([]int, 10)
	for i := range seqs {
		seqs[i] = l.Add(i)
	}
	got := l.Snapshot()
	if len(got) > 4 || got[len(got)-1] != 9 {
		t.Fatalf("kept %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("kept %v, not the newest in order", got)
		}
	}
	if l.Count() != 10 {
		t.Fatalf("Count() = %d, want 10", l.Count())
	}
	l.Update(seqs[0], func(v *int) { *v = -1 })
	l.Update(seqs[9], func(v *int) { *v = 99 })
	got = l.Snapshot()
	if got[len(got)-1] != 99 {
		t.Fatalf("Update of the newest record: %v", got)
	}
	for _, v := range got {
		if v == -1 {
			t.Fatalf("Update of a dropped record changed a kept one: %v", got)
		}
	}
}

func TestLogConcurrentAdds(t *testing.T) {
	t.Parallel()
	var l Log[int]
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { l.Add(i) })
	}
	wg.Wait()
	if l.Count() != 50 || len(l.Snapshot()) != 50 {
		t.Fatalf("Count %d, kept %d", l.Count(), len(l.Snapshot()))
	}
}

func TestDiscard(t *testing.T) {
	t.Parallel()
	w := Discard()
	w.Header().Set("X-A", "1")
	w.WriteHeader(http.StatusTeapot)
	if n, err := w.Write([]byte("abc")); n != 3 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if w.Header().Get("X-A") != "1" {
		t.Fatal("Discard lost its header")
	}
}

func TestLimiterWindowIsSliding(t *testing.T) {
	t.Parallel()
	l := NewLimiter(3, time.Second)
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		ok, remaining, _ := l.Admit(t0.Add(time.Duration(i) * 100 * time.Millisecond))
		if !ok || remaining != 2-i {
			t.Fatalf("request %d: admitted %v, remaining %d", i, ok, remaining)
		}
	}
	steps := []struct {
		at   time.Duration
		ok   bool
		wait time.Duration
	}{
		{500 * time.Millisecond, false, 500 * time.Millisecond},
		{999 * time.Millisecond, false, time.Millisecond}, // the first request is still inside the window
		{1000 * time.Millisecond, true, 0},                // one window after the first request, its slot is free
		{1050 * time.Millisecond, false, 50 * time.Millisecond},
		{1100 * time.Millisecond, true, 0},
	}
	for _, s := range steps {
		ok, wait := l.Allow(t0.Add(s.at))
		if ok != s.ok || wait != s.wait {
			t.Errorf("at +%v: Allow = %v, %v; want %v, %v", s.at, ok, wait, s.ok, s.wait)
		}
	}
	if l.Limit() != 3 {
		t.Fatalf("Limit() = %d", l.Limit())
	}
}

func TestLimiterUnlimited(t *testing.T) {
	t.Parallel()
	var nilLimiter *Limiter
	for _, l := range []*Limiter{nilLimiter, NewLimiter(0, time.Second)} {
		for i := range 100 {
			if ok, _ := l.Allow(time.Unix(0, 0)); !ok {
				t.Fatalf("request %d refused by an unlimited limiter", i)
			}
		}
		if l.Limit() != 0 {
			t.Fatalf("Limit() = %d", l.Limit())
		}
	}
}

// clock is a settable time source for handlers under test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestLimiterAndFaultsOverHTTP(t *testing.T) {
	t.Parallel()
	type fault struct{ status int }
	clk := &clock{now: time.Unix(5000, 0)}
	lim := NewLimiter(2, 10*time.Second)
	var faults Queue[fault]
	var l Listener
	base := start(t, &l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := lim.Allow(clk.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if f := faults.Take(r.Method, r.URL.Path); f != nil {
			w.WriteHeader(f.status)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	faults.Push(fault{503}, "GET", "/a", 1)
	if s, _ := get(t, base, "/b"); s != http.StatusNoContent {
		t.Fatalf("/b: %d", s)
	}
	if s, _ := get(t, base, "/a/1"); s != http.StatusServiceUnavailable {
		t.Fatalf("/a/1: %d", s)
	}
	resp, err := http.Get(base + "/c")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "10" {
		t.Fatalf("third request in the window: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clk.Advance(4 * time.Second)
	resp, err = http.Get(base + "/c")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "6" {
		t.Fatalf("4s later: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clk.Advance(6 * time.Second)
	if s, _ := get(t, base, "/c"); s != http.StatusNoContent {
		t.Fatalf("once the window has passed: %d", s)
	}
}

func TestQueueOrderAndMatching(t *testing.T) {
	t.Parallel()
	var q Queue[string]
	q.Push("first-any", "", "", 2)
	q.Push("post-x", "post", "/x", 1)
	q.Push("zero-count", "GET", "/z", 0)
	if q.Len() != 3 {
		t.Fatalf("Len() = %d", q.Len())
	}
	steps := []struct{ method, path, want string }{
		{"GET", "/x/1", "first-any"}, // the first fault matches anything, twice
		{"POST", "/x/1", "first-any"},
		{"POST", "/y", ""},            // post-x wants a /x path
		{"POST", "/x", "post-x"},      // methods compare case-insensitively
		{"POST", "/x", ""},            // used up
		{"GET", "/z/9", "zero-count"}, // a count below one means once
		{"GET", "/z/9", ""},
	}
	for i, s := range steps {
		got := q.Take(s.method, s.path)
		switch {
		case s.want == "" && got != nil:
			t.Errorf("step %d: %s %s took %q, want none", i, s.method, s.path, *got)
		case s.want != "" && (got == nil || *got != s.want):
			t.Errorf("step %d: %s %s took %v, want %q", i, s.method, s.path, got, s.want)
		}
	}
	if q.Len() != 0 {
		t.Fatalf("Len() = %d after every fault was used", q.Len())
	}
}

func TestQueueTakeReturnsCopy(t *testing.T) {
	t.Parallel()
	type fault struct{ body string }
	var q Queue[fault]
	q.Push(fault{"a"}, "", "", 2)
	f := q.Take("GET", "/")
	f.body = "changed"
	if g := q.Take("GET", "/"); g == nil || g.body != "a" {
		t.Fatalf("second use = %+v", g)
	}
}

func TestCloseWithIdleConnection(t *testing.T) {
	t.Parallel()
	l := &Listener{Grace: 50 * time.Millisecond}
	base := start(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(base)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if err := l.Close(); err != nil {
		t.Fatalf("Close with a kept-alive idle connection: %v", err)
	}
}
