package httpapi_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

func TestListEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := b.openAPI(t)
	syncA := b.sync(t, "a", "s_a")
	syncB := "00000000-0000-0000-0000-00000000000b" // dropped syncs keep their events until retention
	// Events as the engine writes them.
	for i := range 5 {
		b.exec(t, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data, previous_data)
			VALUES ($1, $2, $3, now(), $4, jsonb_build_object('name', $3::text), $5)`,
			syncA, []string{"acme:widget", "acme:gadget"}[i%2], fmt.Sprintf("w%d", i), []string{"inserted", "updated"}[min(i, 1)],
			map[bool]any{true: nil, false: `{"name": "old"}`}[i == 0])
	}
	b.exec(t, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, event, data) VALUES ($1, 'acme:widget', 'x', 'deleted', '{}')`, syncB)

	r := b.do(t, "GET", "/v1/events", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	requireShape(t, doc, "EventList", r.body)
	events := r.data(t)
	require.Len(t, events, 6)
	first := events[0].(map[string]any)
	require.Equal(t, "inserted", first["event"])
	require.Equal(t, map[string]any{"name": "w0"}, first["data"])
	require.Nil(t, first["previous_data"])
	require.Equal(t, map[string]any{"name": "old"}, events[1].(map[string]any)["previous_data"])
	lastSeq := int64(events[5].(map[string]any)["seq"].(float64))
	require.Equal(t, strconv.FormatInt(lastSeq, 10), r.body["next_cursor"])
	require.Equal(t, false, r.body["has_more"])

	// Paging by cursor and by after_seq visits each event once, in seq order.
	var seqs []float64
	path := "/v1/events?limit=4&sync_id=" + syncA
	for {
		r := b.do(t, "GET", path, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		for _, e := range r.data(t) {
			require.Equal(t, syncA, e.(map[string]any)["sync_id"])
			seqs = append(seqs, e.(map[string]any)["seq"].(float64))
		}
		if r.body["has_more"] == false {
			break
		}
		path = "/v1/events?limit=4&sync_id=" + syncA + "&cursor=" + r.body["next_cursor"].(string)
	}
	require.Len(t, seqs, 5)
	require.IsIncreasing(t, seqs)

	r = b.do(t, "GET", fmt.Sprintf("/v1/events?after_seq=%d", int64(seqs[2])), nil)
	require.Len(t, r.data(t), 3)

	// Nothing new: the cursor stays where it was, to poll again from.
	r = b.do(t, "GET", fmt.Sprintf("/v1/events?after_seq=%d", lastSeq), nil)
	require.Empty(t, r.data(t))
	require.Equal(t, strconv.FormatInt(lastSeq, 10), r.body["next_cursor"])
	r = b.do(t, "GET", "/v1/events?sync_id=00000000-0000-0000-0000-000000000001", nil)
	require.Empty(t, r.data(t))
	require.Nil(t, r.body["next_cursor"])

	// Collection filters: full ids anywhere, bare names with sync_id.
	r = b.do(t, "GET", "/v1/events?sync_id="+syncA+"&collection_id=gadget", nil)
	require.Len(t, r.data(t), 2)
	r = b.do(t, "GET", "/v1/events?collection_id=acme:widget", nil)
	require.Len(t, r.data(t), 4, "three of sync a, one of the dropped sync")

	for _, q := range []string{"sync_id=nope", "after_seq=-1", "after_seq=x", "limit=5000", "cursor=abc"} {
		e := b.do(t, "GET", "/v1/events?"+q, nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
		require.NotEmpty(t, e["field"], q)
	}
	b.do(t, "GET", "/v1/events?after=1", nil).requireError(t, http.StatusBadRequest, httpapi.CodeUnknownParameter)
}
