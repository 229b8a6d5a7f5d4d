package consume_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/consume"
)

// receiver is a webhook endpoint that checks signatures, fails while told to, and keeps what it
// accepted.
type receiver struct {
	secret string
	// fail decides whether to answer 500 to a batch.
	fail func(batch []map[string]any) bool

	mu       sync.Mutex
	accepted []map[string]any // event documents, in the order accepted
	requests int
	rejected int
	problems []string
	headers  http.Header
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	rc.headers = r.Header.Clone()
	if !consume.Verify(rc.secret, body, r.Header.Get(consume.SignatureHeader)) {
		rc.problems = append(rc.problems, "bad signature: "+r.Header.Get(consume.SignatureHeader))
	}
	if err := consume.VerifyTimestamped(rc.secret, body, r.Header.Get(consume.TimestampedSignatureHeader), time.Now(), time.Minute); err != nil {
		rc.problems = append(rc.problems, fmt.Sprintf("bad timestamped signature %q: %v", r.Header.Get(consume.TimestampedSignatureHeader), err))
	}
	var payload struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &payload); err != nil || len(payload.Data) == 0 {
		rc.problems = append(rc.problems, fmt.Sprintf("bad body %q: %v", body, err))
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if rc.fail != nil && rc.fail(payload.Data) {
		rc.rejected++
		http.Error(w, "receiver is down", http.StatusInternalServerError)
		return
	}
	rc.accepted = append(rc.accepted, payload.Data...)
	w.WriteHeader(http.StatusNoContent)
}

// versions returns, per upstream id, the versions accepted in order.
func (rc *receiver) versions() map[string][]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string][]int{}
	for _, d := range rc.accepted {
		id := d["upstream_id"].(string)
		out[id] = append(out[id], int(d["data"].(map[string]any)["version"].(float64)))
	}
	return out
}

func (e *env) health(t testing.TB, consumer string) (string, string) {
	t.Helper()
	var h string
	var msg *string
	require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT health, health_message FROM sequin.consumers WHERE id = $1`, consumer).Scan(&h, &msg))
	if msg == nil {
		return h, ""
	}
	return h, *msg
}

// A receiver that fails gets the batches again, with backoff, until it accepts them; the consumer's
// health says it is failing meanwhile. Every event arrives, signed, each record's in order.
func TestWebhookRetriesAFailingReceiver(t *testing.T) {
	t.Parallel()
	e := setup(t)
	total := e.history(t, 12, 3)
	var down atomic.Bool
	down.Store(true)
	rc := &receiver{secret: "whsec_test", fail: func([]map[string]any) bool { return down.Load() }}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	e.startService(t)

	c := e.consumer(t, "hook", "webhook", fmt.Sprintf(`config => '{"url": "%s/hook?token=abc", "secret": "whsec_test", "batch_size": 5,
		"backoff_ms": 20, "max_backoff_ms": 200, "headers": {"X-Tenant": "t1"}}'`, srv.URL))
	require.Eventually(t, func() bool {
		h, msg := e.health(t, c)
		return h == "customer_intervention" && msg != ""
	}, 10*time.Second, 10*time.Millisecond, "the failing endpoint shows in the consumer's health")
	h, msg := e.health(t, c)
	require.Equal(t, "customer_intervention", h)
	require.Contains(t, msg, "500 Internal Server Error: receiver is down")
	require.NotContains(t, msg, "token=abc", "the URL's query stays out of messages")
	require.Equal(t, total, e.outbox(t, c), "nothing is lost while the endpoint fails")
	require.Eventually(t, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.rejected >= 3
	}, 10*time.Second, 5*time.Millisecond, "the endpoint is retried")

	down.Store(false)
	require.Eventually(t, func() bool { return e.outbox(t, c) == 0 }, 15*time.Second, 10*time.Millisecond)
	h, msg = e.health(t, c)
	require.Equal(t, "healthy", h)
	require.Empty(t, msg)

	rc.mu.Lock()
	require.Empty(t, rc.problems)
	require.Equal(t, "t1", rc.headers.Get("X-Tenant"))
	require.Equal(t, "application/json", rc.headers.Get("Content-Type"))
	rc.mu.Unlock()
	got := rc.versions()
	require.Len(t, got, 12)
	for id, vs := range got {
		require.Equal(t, []int{1, 2, 3}, vs, "record %s: every version once, in order", id)
	}
}

// After its budget (max_retries + 1 deliveries) a message goes to the dead letters and its record's
// next event goes out; other records are not held up.
func TestWebhookDeadLettersAfterRetryBudget(t *testing.T) {
	t.Parallel()
	e := setup(t)
	seqs := e.insert(t, event{"poison", 1}, event{"fine", 1}, event{"poison", 2}, event{"fine", 2})
	rc := &receiver{secret: "s", fail: func(batch []map[string]any) bool {
		for _, d := range batch {
			if d["upstream_id"] == "poison" && d["data"].(map[string]any)["version"].(float64) == 1 {
				return true
			}
		}
		return false
	}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	c := e.consumer(t, "picky", "webhook", fmt.Sprintf(`config => '{"url": "%s", "secret": "s", "batch_size": 1, "max_retries": 2,
		"backoff_ms": 10, "max_backoff_ms": 40}'`, srv.URL))
	e.startService(t)

	require.Eventually(t, func() bool {
		return e.count(t, `SELECT count(*) FROM sequin.consumer_messages WHERE consumer_id = $1 AND state = 'pending'`, c) == 0
	}, 15*time.Second, 10*time.Millisecond)
	require.Equal(t, map[string][]int{"fine": {1, 2}, "poison": {2}}, rc.versions())
	var seq int64
	var deliveries int
	var lastErr string
	require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT seq, deliver_count, last_error FROM sequin.consumer_dead_letters
		WHERE consumer_id = $1`, c).Scan(&seq, &deliveries, &lastErr))
	require.Equal(t, seqs[0], seq)
	require.Equal(t, 3, deliveries)
	require.Contains(t, lastErr, "500")
	rc.mu.Lock()
	require.Equal(t, 3, rc.rejected, "three deliveries of the poison message, no more")
	rc.mu.Unlock()
	h, msg := e.health(t, c)
	require.Equal(t, "healthy", h, "deliveries after the dead letter succeeded: %s", msg)
}

// After a pause, resume_consumer tries a fixed endpoint at once instead of waiting out the backoff.
func TestWebhookResumeRetriesAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.history(t, 3, 1)
	var down atomic.Bool
	down.Store(true)
	rc := &receiver{secret: "s", fail: func([]map[string]any) bool { return down.Load() }}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	// An hour of backoff: only resume_consumer can bring the messages back within the test.
	c := e.consumer(t, "patient", "webhook", fmt.Sprintf(`config => '{"url": "%s", "secret": "s", "backoff_ms": 3600000}'`, srv.URL))
	e.startService(t)
	require.Eventually(t, func() bool {
		h, _ := e.health(t, c)
		return h == "customer_intervention"
	}, 10*time.Second, 10*time.Millisecond)

	_, err := e.db.Pool.Exec(context.Background(), `SELECT sequin.pause_consumer('patient')`)
	require.NoError(t, err)
	down.Store(false)
	_, err = e.db.Pool.Exec(context.Background(), `SELECT sequin.resume_consumer('patient')`)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return e.outbox(t, c) == 0 }, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, map[string][]int{"r000": {1}, "r001": {1}, "r002": {1}}, rc.versions())
}
