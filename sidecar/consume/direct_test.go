package consume_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/consume"
	"github.com/sequinsync/sequin/sidecar/httpapi"
	"github.com/sequinsync/sequin/sidecar/stream"
)

// directMessages makes n messages over records r000.., versions 1..perRecord, in version order, as
// the stream hands them over.
func directMessages(records, perRecord int) []stream.DirectMessage {
	var out []stream.DirectMessage
	seq := int64(0)
	for v := 1; v <= perRecord; v++ {
		for i := range records {
			seq++
			id := fmt.Sprintf("r%03d", i)
			out = append(out, stream.DirectMessage{Seq: seq, RecordKey: "acme:widget:" + id, CollectionID: "acme:widget",
				Body: []byte(fmt.Sprintf(`{"seq":%d,"event_id":"e%d","upstream_id":%q,"data":{"version":%d}}`, seq, seq, id, v))})
		}
	}
	return out
}

// Deliveries straight from the stream go out signed, in the consumer's batch size, several batches
// at once but each record's events in order; a failing endpoint gets the rest of its lane held back,
// and the consumer's health says so until a delivery succeeds again.
func TestDirectDelivery(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var down atomic.Bool
	rc := &receiver{secret: "whsec_direct", fail: func([]map[string]any) bool { return down.Load() }}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	s := e.startService(t)
	ctx := context.Background()
	require.Nil(t, s.Deliver(ctx, "00000000-0000-0000-0000-000000000000", directMessages(1, 1)), "no deliverer: nothing sent")

	c := e.consumer(t, "hook", "webhook", fmt.Sprintf(`config => '{"url": "%s", "secret": "whsec_direct", "batch_size": 7,
		"max_in_flight": 3, "backoff_ms": 50, "max_backoff_ms": 1000}'`, srv.URL), "start_at => 'new'")
	msgs := directMessages(20, 4)
	var results []stream.DirectResult
	require.Eventually(t, func() bool {
		results = s.Deliver(ctx, c, msgs)
		return results != nil
	}, 10*time.Second, 20*time.Millisecond, "the service starts a deliverer for the new consumer")
	for i, r := range results {
		require.True(t, r.Delivered, "message %d", i)
	}
	got := rc.versions()
	require.Len(t, got, 20)
	for id, vs := range got {
		require.Equal(t, []int{1, 2, 3, 4}, vs, "record %s: in order", id)
	}
	rc.mu.Lock()
	require.Empty(t, rc.problems)
	require.GreaterOrEqual(t, rc.requests, 80/7)
	rc.mu.Unlock()
	h, _ := e.health(t, c)
	require.Equal(t, "healthy", h)

	down.Store(true)
	results = s.Deliver(ctx, c, directMessages(20, 1))
	require.Len(t, results, 20)
	sent := 0
	for _, r := range results {
		require.False(t, r.Delivered)
		if r.Sent {
			sent++
			require.Contains(t, r.Err, "500 Internal Server Error")
			require.Positive(t, r.RetryIn)
		}
	}
	require.Positive(t, sent)
	h, msg := e.health(t, c)
	require.Equal(t, "customer_intervention", h)
	require.Contains(t, msg, "receiver is down")

	down.Store(false)
	for _, r := range s.Deliver(ctx, c, directMessages(3, 1)) {
		require.True(t, r.Delivered)
	}
	h, _ = e.health(t, c)
	require.Equal(t, "healthy", h)
}

// pullServer serves the pull API of s's process (nil: the outbox only). Waiting next calls look at
// the outbox by themselves only every 30s: what answers them sooner is a wake-up.
func pullServer(t *testing.T, e *env, s *consume.Service) *pullClient {
	t.Helper()
	api := &httpapi.Server{Pool: e.db.Pool, Logger: quietLogger(), Registry: prometheus.NewRegistry(), Version: "test"}
	pull := &consume.PullAPI{Pool: e.db.Pool, Logger: quietLogger(), Direct: s, Poll: 30 * time.Second}
	for _, p := range consume.PullRoutes {
		api.Mount(p, pull)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	var token string
	require.NoError(t, e.db.Pool.QueryRow(t.Context(), `SELECT sequin.create_api_token('puller')`).Scan(&token))
	return &pullClient{url: srv.URL, token: token}
}

// pulledDoc is one message of a next answer.
type pulledDoc struct {
	token string
	seq   int64
	id    string
}

func (c *pullClient) next(t *testing.T, consumer string, size int) []pulledDoc {
	t.Helper()
	status, body := c.post(t, "/v1/http-consumers/"+consumer+"/next", map[string]any{"batch_size": size})
	require.Equal(t, http.StatusOK, status, body)
	var out []pulledDoc
	for _, m := range body["data"].([]any) {
		msg := m.(map[string]any)
		rec := msg["record"].(map[string]any)
		out = append(out, pulledDoc{token: msg["ack_token"].(string), seq: int64(rec["seq"].(float64)), id: rec["upstream_id"].(string)})
	}
	return out
}

func (c *pullClient) settle(t *testing.T, consumer, action string, docs ...pulledDoc) int {
	t.Helper()
	tokens := []string{}
	for _, d := range docs {
		tokens = append(tokens, d.token)
	}
	status, body := c.post(t, "/v1/http-consumers/"+consumer+"/"+action, map[string]any{"ack_tokens": tokens})
	require.Equal(t, http.StatusOK, status, body)
	return int(body[action+"ed"].(float64))
}

// A batch the stream offers an HTTP pull consumer whose pullers call this process is handed out
// from memory, a record's messages one at a time, with acks and nacks settled in memory. What is
// left when the batch closes is reported with its hand-out: out under its token, given back, or
// dead-lettered once its deliveries are used up. Acks of such messages wait until the outbox has
// them.
func TestDirectPull(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.consumer(t, "pull", "http_pull", "ack_wait_ms => 100", "max_deliver => 2", "start_at => 'new'")
	// Long enough that a slow test machine does not close a batch between two calls.
	s := e.startService(t, func(s *consume.Service) { s.PullIdle = time.Second })
	c := pullServer(t, e, s)
	ctx := context.Background()
	msgs := directMessages(3, 2) // seqs 1-3: r000-r002 v1; seqs 4-6: their v2
	// Just started, the service offers batches before it knows where the pullers are; none came.
	require.Equal(t, make([]stream.DirectResult, len(msgs)), s.Deliver(ctx, id, msgs))
	time.Sleep(time.Second)
	require.Nil(t, s.Deliver(ctx, id, msgs), "no puller here: nothing offered")
	require.Empty(t, c.next(t, id, 10))

	results := make(chan []stream.DirectResult, 1)
	go func() { results <- s.Deliver(ctx, id, msgs) }()
	var first []pulledDoc
	require.Eventually(t, func() bool {
		first = c.next(t, id, 10)
		return len(first) > 0
	}, 5*time.Second, 5*time.Millisecond, "the batch is offered")
	require.Equal(t, []int64{1, 2, 3}, []int64{first[0].seq, first[1].seq, first[2].seq}, "v1 of each record; their v2 wait")
	require.Len(t, first, 3)
	require.Equal(t, 2, c.settle(t, id, "ack", first[0], first[1]))
	require.Equal(t, 1, c.settle(t, id, "nack", first[2]))
	require.Equal(t, 0, c.settle(t, id, "ack", first[0]), "acked already")

	second := c.next(t, id, 10)
	require.Len(t, second, 3, "r000 v2, r001 v2, r002 v1 again")
	require.Equal(t, []int64{3, 4, 5}, []int64{second[0].seq, second[1].seq, second[2].seq})
	require.Equal(t, 1, c.settle(t, id, "ack", second[1]))
	require.Equal(t, 0, c.settle(t, id, "ack", first[2]), "a token of an earlier hand-out")

	// Nobody settles the rest: the batch closes once its pullers are idle, after the 100ms leases ran out.
	var res []stream.DirectResult
	select {
	case res = <-results:
	case <-time.After(10 * time.Second):
		t.Fatal("the batch did not close")
	}
	require.Len(t, res, 6)
	for _, i := range []int{0, 1, 3} {
		require.True(t, res[i].Delivered, "seq %d acked", i+1)
	}
	require.True(t, res[2].Sent && res[2].Dead, "r002 v1: two deliveries, the last not acked: %+v", res[2])
	require.Equal(t, 2, res[2].Deliveries)
	require.Contains(t, res[2].Err, "2 deliveries without an ack")
	require.True(t, res[4].Sent && !res[4].Dead, "r001 v2 is still out: %+v", res[4])
	require.Equal(t, 1, res[4].Deliveries)
	require.Equal(t, second[2].token, "5."+res[4].Token, "with its token, so that its ack still counts")
	require.Zero(t, res[4].RetryIn, "its lease is over")
	require.Equal(t, stream.DirectResult{}, res[5], "r002 v2 was never handed out")

	// An ack of a closed batch's message waits for the batch's outbox rows, then goes to the outbox.
	acked := make(chan int, 1)
	go func() { acked <- c.settle(t, id, "ack", second[2]) }()
	select {
	case n := <-acked:
		t.Fatalf("the ack was answered (%d) before the outbox had the batch", n)
	case <-time.After(150 * time.Millisecond):
	}
	_, err := e.db.Pool.Exec(ctx, `INSERT INTO sequin.consumer_messages (consumer_id, seq, record_key, sync_id, deliver_count, ack_token)
		VALUES ($1, 5, 'acme:widget:r001', $2, 1, $3)`, id, e.sync, res[4].Token)
	require.NoError(t, err)
	s.Settled()
	select {
	case n := <-acked:
		require.Equal(t, 1, n)
	case <-time.After(5 * time.Second):
		t.Fatal("the ack still waits after the batch settled")
	}
	require.Zero(t, e.outbox(t, id))

	// The puller gone for a second: nothing is offered any more.
	time.Sleep(1100 * time.Millisecond)
	require.Nil(t, s.Deliver(ctx, id, directMessages(1, 1)))
}

// next with wait_ms waits for messages when there are none: a batch the stream offers, or messages
// added to the outbox, answer it at once; otherwise it answers empty once the wait is over.
func TestPullWaits(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.consumer(t, "pull", "http_pull", "start_at => 'new'")
	s := e.startService(t, func(s *consume.Service) { s.PullIdle = time.Second })
	c := pullServer(t, e, s)
	ctx := context.Background()
	time.Sleep(time.Second) // past the service's first second, when it offers batches to every consumer

	waitNext := func(waitMS int) chan []pulledDoc {
		out := make(chan []pulledDoc, 1)
		go func() {
			status, body := c.post(t, "/v1/http-consumers/"+id+"/next", map[string]any{"batch_size": 10, "wait_ms": waitMS})
			var docs []pulledDoc
			if status == http.StatusOK {
				for _, m := range body["data"].([]any) {
					msg := m.(map[string]any)
					rec := msg["record"].(map[string]any)
					docs = append(docs, pulledDoc{token: msg["ack_token"].(string), seq: int64(rec["seq"].(float64))})
				}
			}
			out <- docs
		}()
		return out
	}

	start := time.Now()
	require.Empty(t, <-waitNext(300), "nothing came")
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "it waited")

	// A batch offered by the stream while a puller waits (its last call over a second ago, so only
	// the waiting call makes the consumer one pulled from here).
	time.Sleep(1100 * time.Millisecond)
	got := waitNext(20_000)
	time.Sleep(300 * time.Millisecond) // the call is waiting
	require.NotNil(t, s.Deliver(ctx, id, directMessages(2, 1)), "the waiting puller is offered the batch")
	select {
	case docs := <-got:
		require.Len(t, docs, 2)
		require.Equal(t, []int64{1, 2}, []int64{docs[0].seq, docs[1].seq})
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting next did not get the batch")
	}

	// Messages added to the outbox (the stream announces them) end a wait too.
	got = waitNext(20_000)
	time.Sleep(200 * time.Millisecond)
	seqs := e.insert(t, event{"a", 1})
	_, err := e.db.Pool.Exec(ctx, `INSERT INTO sequin.consumer_messages (consumer_id, seq, record_key, sync_id)
		VALUES ($1, $2, 'acme:widget:a', $3)`, id, seqs[0], e.sync)
	require.NoError(t, err)
	_, err = e.db.Pool.Exec(ctx, `SELECT pg_notify('sequin_consumers', 'messages')`)
	require.NoError(t, err)
	select {
	case docs := <-got:
		require.Len(t, docs, 1)
		require.Equal(t, seqs[0], docs[0].seq)
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting next did not get the outbox's message")
	}

	status, body := c.post(t, "/v1/http-consumers/"+id+"/next", map[string]any{"wait_ms": 30_001})
	require.Equal(t, http.StatusUnprocessableEntity, status, body)
	require.Equal(t, "wait_ms", body["error"].(map[string]any)["field"])
}
