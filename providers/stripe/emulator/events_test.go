package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEventsListAndFilters(t *testing.T) {
	t.Parallel()
	const n = 30
	s, c := startServer(t, Config{Seed: n, RandSeed: 8})
	all := c.walk("/v1/events", nil, 100)
	require.Len(t, all, 11*n)
	require.Equal(t, ids(s.List("event")), all)

	// Seeded objects have creation events whose snapshot is the object and whose time is its creation.
	seeded := map[string]map[string]any{}
	for _, o := range s.List("customer") {
		seeded[o["id"].(string)] = o
	}
	res := c.get("/v1/events", url.Values{"type": {"customer.created"}, "limit": {"100"}})
	require.Len(t, res.data(), n)
	for _, ev := range res.data() {
		obj := ev["data"].(map[string]any)["object"].(map[string]any)
		require.Equal(t, seeded[obj["id"].(string)], obj)
		require.Equal(t, obj["created"], ev["created"])
		require.True(t, strings.HasPrefix(ev["id"].(string), "evt_"))
		require.Equal(t, "event", ev["object"])
		require.Equal(t, float64(0), ev["pending_webhooks"])
	}

	// Changes add events; the wildcard and types[] select them.
	cus := s.List("customer")[0]["id"].(string)
	_, err := s.Update("customer", cus, map[string]any{"name": "Changed"})
	require.NoError(t, err)
	prod := s.List("product")[0]["id"].(string)
	_, err = s.Update("product", prod, map[string]any{"metadata": map[string]string{"x": "y"}})
	require.NoError(t, err)
	require.NoError(t, s.Delete("customer", s.List("customer")[1]["id"].(string)))

	// As in Stripe, * matches across dots: customer.* includes customer.subscription.* events.
	got := c.walk("/v1/events", url.Values{"type": {"customer.*"}}, 7)
	want := []string{}
	for _, ev := range s.List("event") {
		if strings.HasPrefix(ev["type"].(string), "customer.") {
			want = append(want, ev["id"].(string))
		}
	}
	require.GreaterOrEqual(t, len(want), 2*n+2)
	require.Equal(t, want, got)
	for _, id := range got {
		ev, ok := s.Get("event", id)
		require.True(t, ok)
		require.True(t, strings.HasPrefix(ev["type"].(string), "customer."))
	}
	require.GreaterOrEqual(t, len(c.walk("/v1/events", url.Values{"type": {"customer.subscription.*"}}, 100)), n)
	require.Len(t, c.walk("/v1/events", url.Values{"type": {"customer.subscription.created"}}, 100), n)
	require.Len(t, c.walk("/v1/events", url.Values{"type": {"*.updated"}}, 100), 2)

	res = c.get("/v1/events", url.Values{"types[]": {"customer.updated", "product.updated", "customer.deleted"}})
	types := []string{}
	for _, ev := range res.data() {
		types = append(types, ev["type"].(string))
	}
	require.Equal(t, []string{"customer.deleted", "product.updated", "customer.updated"}, types, "newest first")

	upd := res.data()[2]
	require.Equal(t, map[string]any{"name": seeded[cus]["name"]}, upd["data"].(map[string]any)["previous_attributes"])
	require.Equal(t, map[string]any{"id": nil, "idempotency_key": nil}, upd["request"], "changes made directly have no request")

	tooMany := url.Values{}
	for i := 0; i < 21; i++ {
		tooMany.Add("types[]", "customer.updated")
	}
	require.Equal(t, http.StatusBadRequest, c.get("/v1/events", tooMany).status)
	require.Equal(t, http.StatusBadRequest, c.get("/v1/events", url.Values{"type": {"a"}, "types[]": {"b"}}).status)

	// Newer-than polling: ending_before the newest known event returns what happened since.
	newest := all[0]
	res = c.get("/v1/events", url.Values{"ending_before": {newest}, "limit": {"100"}})
	require.Equal(t, s.Count("event")-11*n, len(res.data()))
	require.Equal(t, false, res.body["has_more"])

	// created filters and retrieval.
	ev := mustOK(t, c.get("/v1/events/"+got[0], nil))
	require.Equal(t, got[0], ev["id"])
	res = c.get("/v1/events", url.Values{"created[gte]": {itoa(num(ev["created"]))}, "limit": {"100"}})
	require.Contains(t, ids(res.data()), got[0])
	res = c.get("/v1/events/evt_nope", nil)
	require.Equal(t, http.StatusNotFound, res.status)
	require.Equal(t, "No such event: 'evt_nope'", res.errField("message"))
}

func TestEventsCarryTheRequestAndIdempotencyKey(t *testing.T) {
	t.Parallel()
	_, c := startServer(t, Config{})
	res := c.do(http.MethodPost, "/v1/customers", url.Values{"email": {"k@example.com"}}, map[string]string{"Idempotency-Key": "key-1"})
	mustOK(t, res)
	ev := lastEvent(t, c, "customer.created")
	require.Equal(t, map[string]any{"id": res.header.Get("Request-Id"), "idempotency_key": "key-1"}, ev["request"])
}
