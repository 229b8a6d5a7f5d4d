package console_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type mutationItem struct {
	ID          string  `json:"id"`
	SyncID      string  `json:"sync_id"`
	Kind        string  `json:"kind"`
	Status      string  `json:"status"`
	UpstreamID  *string `json:"upstream_id"`
	Error       *string `json:"error"`
	Attempts    int     `json:"attempts"`
	CompletedAt *string `json:"completed_at"`
}

type mutationPage struct {
	Data       []mutationItem `json:"data"`
	NextCursor *string        `json:"next_cursor"`
	HasMore    bool           `json:"has_more"`
}

func TestMutationsListedNewestFirstWithTheirOutcome(t *testing.T) {
	t.Parallel()
	b := setup(t, 5)
	syncID := b.createSync(t, "main", "stripe:customer")
	ctx := context.Background()
	customers := b.emu.List("customer")
	require.NotEmpty(t, customers)

	// Applied by the sidecar against the emulator: one succeeds, one names an object Stripe does not have.
	var ids []string
	for _, m := range []struct{ kind, data, upstream string }{
		{"update", `{"name": "Console Test"}`, customers[0]["id"].(string)},
		{"update", `{"name": "Ghost"}`, "cus_does_not_exist"},
		{"create", `{"email": "new@example.com"}`, ""},
	} {
		var upstream any
		if m.upstream != "" {
			upstream = m.upstream
		}
		var id string
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.mutate($1, 'customer', $2, $3::jsonb, $4)::text`,
			syncID, m.kind, m.data, upstream).Scan(&id))
		ids = append(ids, id)
	}
	require.Eventually(t, func() bool {
		var open int
		_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.mutations WHERE status IN ('pending', 'running')`).Scan(&open)
		return open == 0
	}, 20*time.Second, 50*time.Millisecond, "mutations were not applied")

	var first mutationPage
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/mutations?limit=2", &first).StatusCode)
	require.Len(t, first.Data, 2)
	require.True(t, first.HasMore)
	require.NotNil(t, first.NextCursor)
	var rest mutationPage
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/mutations?limit=2&cursor="+*first.NextCursor, &rest).StatusCode)
	require.Len(t, rest.Data, 1)
	require.False(t, rest.HasMore)
	require.Nil(t, rest.NextCursor)
	got := []string{first.Data[0].ID, first.Data[1].ID, rest.Data[0].ID}
	require.Equal(t, []string{ids[2], ids[1], ids[0]}, got, "newest first, no item twice across pages")

	var failed mutationPage
	b.get(t, "/console/api/mutations?status=failed&sync_id="+syncID, &failed)
	require.Len(t, failed.Data, 1)
	require.Equal(t, ids[1], failed.Data[0].ID)
	require.NotNil(t, failed.Data[0].Error)
	require.NotEmpty(t, *failed.Data[0].Error, "the upstream error is shown")
	var succeeded mutationPage
	b.get(t, "/console/api/mutations?status=succeeded", &succeeded)
	require.Len(t, succeeded.Data, 2)
	for _, m := range succeeded.Data {
		require.NotNil(t, m.UpstreamID, "a succeeded create learns its upstream id")
		require.NotNil(t, m.CompletedAt)
	}
	var otherSync mutationPage
	b.get(t, "/console/api/mutations?sync_id=00000000-0000-0000-0000-000000000000", &otherSync)
	require.Empty(t, otherSync.Data)

	for q, code := range map[string]string{
		"status=done":        "invalid_parameter",
		"sync_id=nope":       "invalid_parameter",
		"limit=0":            "invalid_parameter",
		"limit=501":          "invalid_parameter",
		"cursor=bm90IGpzb24": "invalid_parameter",
		"state=failed":       "unknown_parameter",
	} {
		var e apiError
		resp := b.get(t, "/console/api/mutations?"+q, &e)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
		require.Equal(t, code, e.Error.Code, q)
		require.Equal(t, strings.SplitN(q, "=", 2)[0], e.Error.Field, q)
		require.NotEmpty(t, e.Error.Message, q)
	}
}

type consumerItem struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	NumPending    *int   `json:"num_pending"`
	NumAckPending *int   `json:"num_ack_pending"`
	NumDead       *int   `json:"num_dead"`
}

type consumerList struct {
	Data     []consumerItem `json:"data"`
	Counters bool           `json:"counters"`
}

func TestConsumersWithCountersAndDeadLetters(t *testing.T) {
	t.Parallel()
	b := setup(t, 3)
	ctx := context.Background()
	var hasView bool
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT to_regclass('sequin.consumer_status') IS NOT NULL`).Scan(&hasView))
	if !hasView {
		t.Skip("this database defines no sequin.consumer_status; TestConsumersWithoutCounters covers the console's side")
	}
	b.createSync(t, "main", "stripe:customer")
	var consumerID string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_consumer('pull-all', 'http_pull')::text`).Scan(&consumerID))

	var l consumerList
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/consumers", &l).StatusCode)
	require.True(t, l.Counters)
	require.Len(t, l.Data, 1)
	c := l.Data[0]
	require.Equal(t, consumerID, c.ID)
	require.Equal(t, "http_pull", c.Kind)
	require.NotNil(t, c.NumPending)
	require.Equal(t, 3, *c.NumPending, "start_at all: the backfill's three events wait for the consumer")
	require.Equal(t, 0, *c.NumAckPending)
	require.Equal(t, 0, *c.NumDead)

	_, err := b.db.Pool.Exec(ctx, `UPDATE sequin.consumer_messages SET state = 'dead', deliver_count = 4, last_error = 'endpoint said 500'
		WHERE consumer_id = $1 AND seq = (SELECT min(seq) FROM sequin.consumer_messages WHERE consumer_id = $1)`, consumerID)
	require.NoError(t, err)
	b.get(t, "/console/api/consumers", &l)
	require.Equal(t, 2, *l.Data[0].NumPending)
	require.Equal(t, 1, *l.Data[0].NumDead)

	var dead struct {
		Data []struct {
			Seq          int64          `json:"seq"`
			DeliverCount int            `json:"deliver_count"`
			LastError    string         `json:"last_error"`
			Message      map[string]any `json:"message"`
		} `json:"data"`
	}
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/consumers/"+consumerID+"/dead-letters", &dead).StatusCode)
	require.Len(t, dead.Data, 1)
	require.Equal(t, "endpoint said 500", dead.Data[0].LastError)
	require.Equal(t, 4, dead.Data[0].DeliverCount)
	require.Equal(t, "inserted", dead.Data[0].Message["event"], "the dead letter carries its message")

	var e apiError
	require.Equal(t, http.StatusNotFound, b.get(t, "/console/api/consumers/pull-all/dead-letters", &e).StatusCode)
	require.Equal(t, http.StatusNotFound, b.get(t, "/console/api/consumers/00000000-0000-0000-0000-000000000000/dead-letters", &e).StatusCode)
	require.Contains(t, e.Error.Message, "no consumer")
	require.Equal(t, http.StatusBadRequest, b.get(t, "/console/api/consumers/"+consumerID+"/dead-letters?limit=x", &e).StatusCode)
}

// TestConsumersWithoutCounters: a database without the counters view still lists its consumers, with
// the counters null and counters false, so the page can say why they are missing.
func TestConsumersWithoutCounters(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	ctx := context.Background()
	_, err := b.db.Pool.Exec(ctx, `DROP VIEW IF EXISTS sequin.consumer_status; DROP VIEW IF EXISTS sequin.consumer_dead_letters`)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `INSERT INTO sequin.consumers (name, kind) VALUES ('hook', 'webhook'), ('pull', 'http_pull')`)
	require.NoError(t, err)

	var l consumerList
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/consumers", &l).StatusCode)
	require.False(t, l.Counters)
	require.Len(t, l.Data, 2)
	require.Equal(t, []string{"hook", "pull"}, []string{l.Data[0].Name, l.Data[1].Name}, "every kind, by name")
	for _, c := range l.Data {
		require.Nil(t, c.NumPending)
		require.Nil(t, c.NumDead)
	}
	var dead struct {
		Data []any `json:"data"`
	}
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/consumers/"+l.Data[0].ID+"/dead-letters", &dead).StatusCode)
	require.Empty(t, dead.Data)
}

func TestRecordLookupLastEventAndRateLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, 4)
	syncID := b.createSync(t, "main", "stripe:customer")
	customers := b.emu.List("customer")
	sort.Slice(customers, func(i, j int) bool { return customers[i]["id"].(string) < customers[j]["id"].(string) })
	want := customers[2]["id"].(string)

	for _, collection := range []string{"customer", "stripe:customer"} {
		var rec struct {
			UpstreamID string         `json:"upstream_id"`
			Collection string         `json:"collection_id"`
			Data       map[string]any `json:"data"`
		}
		resp := b.get(t, fmt.Sprintf("/console/api/record?sync_id=%s&collection_id=%s&upstream_id=%s", syncID, collection, want), &rec)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, want, rec.UpstreamID)
		require.Equal(t, "stripe:customer", rec.Collection)
		require.Equal(t, want, rec.Data["id"])
		require.Equal(t, customers[2]["email"], rec.Data["email"])
	}
	for q, status := range map[string]int{
		"sync_id=" + syncID + "&collection_id=customer&upstream_id=cus_nope":                      http.StatusNotFound,
		"sync_id=" + syncID + "&collection_id=customer&upstream_id=" + want[:len(want)-1]:         http.StatusNotFound,
		"sync_id=00000000-0000-0000-0000-000000000000&collection_id=customer&upstream_id=" + want: http.StatusNotFound,
		"sync_id=" + syncID + "&collection_id=customer":                                           http.StatusBadRequest,
		"collection_id=customer&upstream_id=" + want:                                              http.StatusBadRequest,
		"sync_id=" + syncID + "&collection_id=customer&upstream_id=" + want + "&deleted=true":     http.StatusBadRequest,
	} {
		var e apiError
		require.Equal(t, status, b.get(t, "/console/api/record?"+q, &e).StatusCode, q)
		require.NotEmpty(t, e.Error.Message, q)
	}

	// The tail starts from the same place the API's event list ends.
	var events struct {
		Data []struct {
			Seq int64 `json:"seq"`
		} `json:"data"`
	}
	b.get(t, "/v1/events?limit=1000", &events)
	require.Len(t, events.Data, 4)
	var last struct {
		Seq int64 `json:"seq"`
	}
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/events/last", &last).StatusCode)
	require.Equal(t, events.Data[len(events.Data)-1].Seq, last.Seq)

	var credentialID string
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT credential_id::text FROM sequin.syncs WHERE id = $1`, syncID).Scan(&credentialID))
	var limits struct {
		Data []struct {
			CredentialID    string `json:"credential_id"`
			ReservedAheadMS *int64 `json:"reserved_ahead_ms"`
			SlotSpacingUS   *int64 `json:"slot_spacing_us"`
			InFlight        int64  `json:"in_flight"`
		} `json:"data"`
	}
	require.Equal(t, http.StatusOK, b.get(t, "/console/api/rate-limits", &limits).StatusCode)
	require.Len(t, limits.Data, 1)
	require.Equal(t, credentialID, limits.Data[0].CredentialID)
	require.NotNil(t, limits.Data[0].SlotSpacingUS, "the backfill paced its requests through the shared budget")
	require.Greater(t, *limits.Data[0].SlotSpacingUS, int64(0))
	require.GreaterOrEqual(t, *limits.Data[0].ReservedAheadMS, int64(0))
	require.GreaterOrEqual(t, limits.Data[0].InFlight, int64(0))
}
