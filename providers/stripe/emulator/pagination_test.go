package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPaginationWalksEverySeededObjectOnce(t *testing.T) {
	t.Parallel()
	const n = 257
	s, c := startServer(t, Config{Seed: n, RandSeed: 3})
	for _, spec := range specs {
		q := url.Values{}
		if spec.name == "subscription" {
			q.Set("status", "all")
		}
		got := c.walk("/v1/"+spec.coll, q, 100)
		require.Len(t, got, n, spec.name)
		require.Equal(t, ids(s.List(spec.name)), got, "%s: newest first, each once", spec.name)
	}
	// Small pages too, on one collection.
	require.Equal(t, ids(s.List("customer")), c.walk("/v1/customers", nil, 7))
}

func TestListOrderIsCreatedDescThenInsertionDesc(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 300, RandSeed: 9})
	all := c.walk("/v1/customers", nil, 100)
	byID := map[string]map[string]any{}
	for _, o := range s.List("customer") {
		byID[o["id"].(string)] = o
	}
	ties := 0
	for i := 1; i < len(all); i++ {
		prev, cur := num(byID[all[i-1]]["created"]), num(byID[all[i]]["created"])
		require.GreaterOrEqual(t, prev, cur)
		if prev == cur {
			ties++
		}
	}
	require.Positive(t, ties, "the seed has objects created in the same second, as Stripe data does")
}

func TestPaginationBackwardsWithEndingBefore(t *testing.T) {
	t.Parallel()
	const n = 233
	s, c := startServer(t, Config{Seed: n, RandSeed: 4})
	want := ids(s.List("customer")) // newest first
	oldest := want[len(want)-1]
	got := []string{oldest}
	cursor := oldest
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000)
		res := c.get("/v1/customers", url.Values{"limit": {"10"}, "ending_before": {cursor}})
		body := mustOK(t, res)
		page := ids(res.data())
		require.NotEmpty(t, page)
		// Pages are still newest first, and hold the objects just newer than the cursor.
		idx := slices.Index(want, cursor)
		require.Equal(t, want[idx-len(page):idx], page)
		got = append(got, reversed(page)...)
		cursor = page[0]
		if body["has_more"] != true {
			break
		}
	}
	require.Equal(t, reversed(want), got, "every object once, oldest to newest")

	// ending_before the newest: nothing newer.
	res := c.get("/v1/customers", url.Values{"ending_before": {want[0]}})
	body := mustOK(t, res)
	require.Empty(t, res.data())
	require.Equal(t, false, body["has_more"])
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestListParameterErrors(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 5})
	first := s.List("customer")[0]["id"].(string)

	for _, limit := range []string{"0", "101", "-3"} {
		res := c.get("/v1/customers", url.Values{"limit": {limit}})
		require.Equal(t, http.StatusBadRequest, res.status, limit)
		require.Equal(t, "limit", res.errField("param"))
		require.Equal(t, "invalid_request_error", res.errField("type"))
	}
	res := c.get("/v1/customers", url.Values{"limit": {"abc"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Equal(t, "parameter_invalid_integer", res.errField("code"))

	res = c.get("/v1/customers", url.Values{"limit": {"100"}})
	mustOK(t, res)
	require.Len(t, res.data(), 5)
	res = c.get("/v1/customers", nil)
	require.Len(t, res.data(), 5)
	require.Equal(t, "/v1/customers", res.body["url"])
	require.Equal(t, "list", res.body["object"])

	res = c.get("/v1/customers", url.Values{"starting_after": {"cus_missing"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Equal(t, "resource_missing", res.errField("code"))
	require.Equal(t, "starting_after", res.errField("param"))
	require.Equal(t, "No such customer: 'cus_missing'", res.errField("message"))

	res = c.get("/v1/customers", url.Values{"ending_before": {"cus_missing"}})
	require.Equal(t, "ending_before", res.errField("param"))

	res = c.get("/v1/customers", url.Values{"starting_after": {first}, "ending_before": {first}})
	require.Equal(t, http.StatusBadRequest, res.status)

	res = c.get("/v1/customers", url.Values{"foo": {"bar"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Equal(t, "parameter_unknown", res.errField("code"))
	require.Equal(t, "foo", res.errField("param"))
	require.Equal(t, "Received unknown parameter: foo", res.errField("message"))

	res = c.get("/v1/customers", url.Values{"limit": {"3"}, "created[gte]": {"0"}, "created[lt]": {"99999999999"}})
	require.Len(t, res.data(), 3)
	require.Equal(t, true, res.body["has_more"])
	res = c.get("/v1/customers", url.Values{"created[after]": {"1"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Equal(t, "created[after]", res.errField("param"))
}

func TestCursorOnADeletedObjectStillWorks(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 30})
	all := ids(s.List("customer"))
	require.NoError(t, s.Delete("customer", all[9]))
	res := c.get("/v1/customers", url.Values{"starting_after": {all[9]}, "limit": {"5"}})
	require.Equal(t, all[10:15], ids(res.data()))
	got := c.walk("/v1/customers", nil, 9)
	require.Len(t, got, 29)
	require.NotContains(t, got, all[9])
}

func TestCreatedFilters(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 200, RandSeed: 5})
	all := s.List("invoice")
	lo, hi := num(all[150]["created"]), num(all[40]["created"])
	count := func(pred func(int64) bool) int {
		n := 0
		for _, o := range all {
			if pred(num(o["created"])) {
				n++
			}
		}
		return n
	}
	cases := []struct {
		q    url.Values
		pred func(int64) bool
	}{
		{url.Values{"created[gte]": {itoa(lo)}, "created[lt]": {itoa(hi)}}, func(x int64) bool { return x >= lo && x < hi }},
		{url.Values{"created[gt]": {itoa(lo)}, "created[lte]": {itoa(hi)}}, func(x int64) bool { return x > lo && x <= hi }},
		{url.Values{"created[gt]": {itoa(hi)}}, func(x int64) bool { return x > hi }},
		{url.Values{"created[lte]": {itoa(lo)}}, func(x int64) bool { return x <= lo }},
		{url.Values{"created": {itoa(lo)}}, func(x int64) bool { return x == lo }},
	}
	for _, tc := range cases {
		got := c.walk("/v1/invoices", tc.q, 13)
		require.Len(t, got, count(tc.pred), "%v", tc.q)
		for _, id := range got {
			o, ok := s.Get("invoice", id)
			require.True(t, ok)
			require.True(t, tc.pred(num(o["created"])), "%v: %s", tc.q, id)
		}
	}
	// Cursors combine with created filters.
	q := url.Values{"created[gte]": {itoa(lo)}, "created[lt]": {itoa(hi)}}
	page := c.get("/v1/invoices", url.Values{"created[gte]": {itoa(lo)}, "created[lt]": {itoa(hi)}, "limit": {"3"}})
	rest := c.walk("/v1/invoices", url.Values{"created[gte]": {itoa(lo)}, "created[lt]": {itoa(hi)}, "starting_after": {ids(page.data())[2]}}, 50)
	require.Equal(t, c.walk("/v1/invoices", q, 50), append(ids(page.data()), rest...))
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 150, RandSeed: 6})

	sub := s.List("subscription")[3]
	cus := sub["customer"].(string)
	want := 0
	for _, o := range s.List("subscription") {
		if o["customer"] == cus && o["status"] != "canceled" {
			want++
		}
	}
	got := c.walk("/v1/subscriptions", url.Values{"customer": {cus}}, 10)
	require.Len(t, got, want)

	// Subscriptions: canceled ones only with status=all or status=canceled.
	canceled := 0
	for _, o := range s.List("subscription") {
		if o["status"] == "canceled" {
			canceled++
		}
	}
	require.Positive(t, canceled)
	require.Len(t, c.walk("/v1/subscriptions", nil, 100), 150-canceled)
	require.Len(t, c.walk("/v1/subscriptions", url.Values{"status": {"all"}}, 100), 150)
	require.Len(t, c.walk("/v1/subscriptions", url.Values{"status": {"canceled"}}, 100), canceled)
	res := c.get("/v1/subscriptions", url.Values{"status": {"bogus"}})
	require.Equal(t, http.StatusBadRequest, res.status)

	// Subscriptions by price.
	price := sub["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"].(map[string]any)["id"].(string)
	for _, id := range c.walk("/v1/subscriptions", url.Values{"price": {price}, "status": {"all"}}, 10) {
		o, _ := s.Get("subscription", id)
		require.Equal(t, price, o["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"].(map[string]any)["id"])
	}

	// Invoices by status, customer and subscription.
	for _, status := range []string{"paid", "open", "draft"} {
		for _, id := range c.walk("/v1/invoices", url.Values{"status": {status}}, 100) {
			o, _ := s.Get("invoice", id)
			require.Equal(t, status, o["status"])
		}
	}
	inv := s.List("invoice")[0]
	got = c.walk("/v1/invoices", url.Values{"subscription": {inv["subscription"].(string)}}, 10)
	require.Equal(t, []string{inv["id"].(string)}, got)

	// Customers by email.
	email := s.List("customer")[17]["email"].(string)
	res = c.get("/v1/customers", url.Values{"email": {email}})
	require.Len(t, res.data(), 1)
	require.Equal(t, email, res.data()[0]["email"])

	// Prices by product and active, products by active.
	prod := s.List("price")[8]["product"].(string)
	res = c.get("/v1/prices", url.Values{"product": {prod}})
	require.Len(t, res.data(), 1)
	inactive := 0
	for _, o := range s.List("product") {
		if o["active"] == false {
			inactive++
		}
	}
	require.Len(t, c.walk("/v1/products", url.Values{"active": {"false"}}, 100), inactive)
	require.Len(t, c.walk("/v1/products", url.Values{"active": {"true"}}, 100), 150-inactive)
	for _, id := range c.walk("/v1/prices", url.Values{"active": {"true"}}, 100) {
		o, _ := s.Get("price", id)
		require.Equal(t, true, o["active"])
	}

	// Charges and payment intents by customer.
	ch := s.List("charge")[5]
	for _, path := range []string{"/v1/charges", "/v1/payment_intents"} {
		for _, o := range c.get(path, url.Values{"customer": {ch["customer"].(string)}, "limit": {"100"}}).data() {
			require.Equal(t, ch["customer"], o["customer"])
		}
	}
}

func TestSeededFilterValuesMatchTheObjects(t *testing.T) {
	t.Parallel()
	g := newSeeder(77, 400, fixedNow.Unix())
	for c, spec := range specs {
		for i := 0; i < g.n; i++ {
			obj := g.generate(c, i)
			require.Equal(t, spec.extractVals(obj), g.vals(c, i), "%s %d", spec.name, i)
			require.Equal(t, g.id(c, i), obj["id"])
			require.Equal(t, g.created(c, i), num(obj["created"]))
		}
	}
}

func TestSeedingIsDeterministic(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 40, RandSeed: 12, Now: func() time.Time { return fixedNow }}
	a, b := New(cfg), New(cfg)
	for _, spec := range append(specs, eventSpec) {
		require.Equal(t, a.List(spec.name), b.List(spec.name), spec.name)
	}
	cfg.RandSeed = 13
	require.NotEqual(t, a.List("customer"), New(cfg).List("customer"))
	require.Equal(t, 40, a.Count("customer"))
	require.Equal(t, 11*40, a.Count("event"), "a creation event for every seeded object but balance transactions")
	require.Zero(t, New(Config{Seed: 40, SkipSeedEvents: true}).Count("event"))
	for _, o := range a.List("customer") {
		require.Less(t, num(o["created"]), fixedNow.Unix())
	}
}
