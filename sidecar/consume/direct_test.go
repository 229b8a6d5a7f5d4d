package consume_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
