package emulator

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lastEvent returns the newest event of a type.
func lastEvent(t *testing.T, c *apiClient, typ string) map[string]any {
	t.Helper()
	res := c.get("/v1/events", url.Values{"type": {typ}, "limit": {"1"}})
	mustOK(t, res)
	require.NotEmpty(t, res.data(), "no %s event", typ)
	return res.data()[0]
}

func TestCustomerLifecycleOverHTTP(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 10, Now: func() time.Time { return fixedNow }})

	created := mustOK(t, c.post("/v1/customers", url.Values{
		"email": {"ada@example.com"}, "name": {"Ada"}, "metadata[plan]": {"pro"}, "metadata[team]": {"core"},
		"address[city]": {"London"}, "address[country]": {"GB"}, "preferred_locales[0]": {"en"}, "preferred_locales[1]": {"fr"},
		"balance": {"-500"}, "expand[]": {"default_source"},
	}))
	id := created["id"].(string)
	require.True(t, strings.HasPrefix(id, "cus_"))
	require.Equal(t, "customer", created["object"])
	require.Equal(t, "ada@example.com", created["email"])
	require.Equal(t, float64(fixedNow.Unix()), created["created"])
	require.Equal(t, false, created["livemode"])
	require.Equal(t, map[string]any{"plan": "pro", "team": "core"}, created["metadata"])
	require.Equal(t, map[string]any{"city": "London", "country": "GB", "line1": nil, "line2": nil, "postal_code": nil, "state": nil}, created["address"])
	require.Equal(t, []any{"en", "fr"}, created["preferred_locales"])
	require.Equal(t, float64(-500), created["balance"])
	require.Equal(t, 11, s.Count("customer"))

	ev := lastEvent(t, c, "customer.created")
	require.Equal(t, id, ev["data"].(map[string]any)["object"].(map[string]any)["id"])
	require.Equal(t, APIVersion, ev["api_version"])
	require.True(t, strings.HasPrefix(ev["request"].(map[string]any)["id"].(string), "req_"))
	require.NotContains(t, ev["data"], "previous_attributes")

	got := mustOK(t, c.get("/v1/customers/"+id, nil))
	require.Equal(t, created, got)

	// Update: change the name, remove one metadata key, add another; unset the description.
	updated := mustOK(t, c.post("/v1/customers/"+id, url.Values{
		"name": {"Ada Lovelace"}, "metadata[team]": {""}, "metadata[tier]": {"gold"}, "description": {""},
	}))
	require.Equal(t, "Ada Lovelace", updated["name"])
	require.Equal(t, map[string]any{"plan": "pro", "tier": "gold"}, updated["metadata"])
	require.Nil(t, updated["description"])
	ev = lastEvent(t, c, "customer.updated")
	data := ev["data"].(map[string]any)
	require.Equal(t, updated, data["object"])
	require.Equal(t, map[string]any{"name": "Ada", "metadata": map[string]any{"plan": "pro", "team": "core"}}, data["previous_attributes"])

	// A no-op update changes nothing and emits nothing.
	before := s.Count("event")
	mustOK(t, c.post("/v1/customers/"+id, url.Values{"name": {"Ada Lovelace"}}))
	require.Equal(t, before, s.Count("event"))

	// metadata= clears all metadata.
	cleared := mustOK(t, c.post("/v1/customers/"+id, url.Values{"metadata": {""}}))
	require.Equal(t, map[string]any{}, cleared["metadata"])

	// Delete.
	res := c.del("/v1/customers/" + id)
	require.Equal(t, map[string]any{"id": id, "object": "customer", "deleted": true}, mustOK(t, res))
	require.Equal(t, map[string]any{"id": id, "object": "customer", "deleted": true}, mustOK(t, c.get("/v1/customers/"+id, nil)))
	require.NotContains(t, c.walk("/v1/customers", nil, 100), id)
	require.Equal(t, 10, s.Count("customer"))
	ev = lastEvent(t, c, "customer.deleted")
	require.Equal(t, id, ev["data"].(map[string]any)["object"].(map[string]any)["id"])
	res = c.post("/v1/customers/"+id, url.Values{"name": {"x"}})
	require.Equal(t, http.StatusNotFound, res.status)
	res = c.del("/v1/customers/" + id)
	require.Equal(t, http.StatusNotFound, res.status)
}

func TestErrorsLookLikeStripe(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 3})
	cases := []struct {
		method, path string
		form         url.Values
		status       int
		code, param  string
		message      string
	}{
		{"GET", "/v1/customers/cus_nope", nil, 404, "resource_missing", "id", "No such customer: 'cus_nope'"},
		{"GET", "/v1/invoices/in_nope", nil, 404, "resource_missing", "id", "No such invoice: 'in_nope'"},
		{"POST", "/v1/customers", url.Values{"foo": {"1"}}, 400, "parameter_unknown", "foo", "Received unknown parameter: foo"},
		{"POST", "/v1/customers", url.Values{"address[planet]": {"Mars"}}, 400, "parameter_unknown", "address[planet]", "Received unknown parameter: address[planet]"},
		{"POST", "/v1/customers", url.Values{"balance": {"lots"}}, 400, "parameter_invalid_integer", "balance", "Invalid integer: lots"},
		{"POST", "/v1/prices", url.Values{"product": {"prod_x"}, "unit_amount": {"100"}}, 400, "parameter_missing", "currency", "Missing required param: currency."},
		{"POST", "/v1/prices", url.Values{"currency": {"usd"}, "unit_amount": {"100"}}, 400, "parameter_missing", "product", "Missing required param: product."},
		{"POST", "/v1/prices", url.Values{"currency": {"usd"}, "product": {"prod_nope"}}, 400, "resource_missing", "product", "No such product: 'prod_nope'"},
		{"POST", "/v1/coupons", url.Values{"duration": {"once"}}, 400, "parameter_missing", "percent_off", ""},
		{"POST", "/v1/refunds", url.Values{"amount": {"100"}}, 400, "parameter_missing", "", ""},
		{"POST", "/v1/subscriptions", url.Values{"customer": {"cus_nope"}}, 400, "resource_missing", "customer", "No such customer: 'cus_nope'"},
		{"POST", "/v1/charges", url.Values{"currency": {"usd"}}, 400, "parameter_missing", "amount", "Missing required param: amount."},
		{"DELETE", "/v1/prices/price_123", nil, 404, "", "", "Unrecognized request URL (DELETE: /v1/prices/price_123). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."},
		{"POST", "/v1/balance_transactions", url.Values{}, 404, "", "", "Unrecognized request URL (POST: /v1/balance_transactions). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."},
		{"POST", "/v1/disputes", url.Values{}, 404, "", "", ""},
		{"POST", "/v1/events", url.Values{}, 404, "", "", ""},
		{"GET", "/v1/widgets", nil, 404, "", "", "Unrecognized request URL (GET: /v1/widgets). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."},
		{"GET", "/v2/customers", nil, 404, "", "", ""},
	}
	for _, tc := range cases {
		res := c.do(tc.method, tc.path, tc.form, nil)
		require.Equal(t, tc.status, res.status, "%s %s: %s", tc.method, tc.path, res.raw)
		require.Equal(t, "invalid_request_error", res.errField("type"), "%s %s", tc.method, tc.path)
		require.Equal(t, tc.code, res.errField("code"), "%s %s: %s", tc.method, tc.path, res.raw)
		require.Equal(t, tc.param, res.errField("param"), "%s %s", tc.method, tc.path)
		if tc.message != "" {
			require.Equal(t, tc.message, res.errField("message"), "%s %s", tc.method, tc.path)
		}
		require.True(t, strings.HasPrefix(res.header.Get("Request-Id"), "req_"))
	}
	require.Equal(t, 3, s.Count("customer"), "failed requests change nothing")

	// The direct API returns the same errors.
	_, err := s.Create("price", map[string]any{"product": "prod_x"})
	var e *Error
	require.True(t, errors.As(err, &e))
	require.Equal(t, "parameter_missing", e.Code)
	require.Error(t, s.Delete("price", s.List("price")[0]["id"].(string)))
}

func TestProductsPricesAndCoupons(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{})
	prod := mustOK(t, c.post("/v1/products", url.Values{"name": {"Widget"}, "id": {"prod_widget"},
		"default_price_data[currency]": {"USD"}, "default_price_data[unit_amount]": {"1500"},
		"default_price_data[recurring][interval]": {"month"}}))
	require.Equal(t, "prod_widget", prod["id"])
	priceID := prod["default_price"].(string)
	price, ok := s.Get("price", priceID)
	require.True(t, ok)
	require.Equal(t, "usd", price["currency"])
	require.Equal(t, "recurring", price["type"])
	require.Equal(t, float64(1), price["recurring"].(map[string]any)["interval_count"])
	require.Equal(t, "1500", price["unit_amount_decimal"])
	res := c.post("/v1/products", url.Values{"name": {"Again"}, "id": {"prod_widget"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Equal(t, "resource_already_exists", res.errField("code"))
	res = c.post("/v1/products", url.Values{"description": {"no name"}})
	require.Equal(t, "name", res.errField("param"))

	// Prices: create, filter, deactivate; they cannot be deleted.
	p2 := mustOK(t, c.post("/v1/prices", url.Values{"product": {"prod_widget"}, "currency": {"eur"}, "unit_amount": {"999"}}))
	require.Equal(t, "one_time", p2["type"])
	res = c.get("/v1/prices", url.Values{"product": {"prod_widget"}})
	require.Len(t, res.data(), 2)
	mustOK(t, c.post("/v1/prices/"+p2["id"].(string), url.Values{"active": {"false"}}))
	res = c.get("/v1/prices", url.Values{"product": {"prod_widget"}, "active": {"true"}})
	require.Equal(t, []string{priceID}, ids(res.data()))
	res = c.post("/v1/prices/"+p2["id"].(string), url.Values{"unit_amount": {"5"}})
	require.Equal(t, "parameter_unknown", res.errField("code"), "a price's amount cannot change")

	// Product update bumps updated; delete makes it disappear (404, unlike customers).
	upd := mustOK(t, c.post("/v1/products/prod_widget", url.Values{"name": {"Widget 2"}}))
	require.Equal(t, "Widget 2", upd["name"])
	ev := lastEvent(t, c, "product.updated")
	require.Contains(t, ev["data"].(map[string]any)["previous_attributes"], "name")
	require.Equal(t, map[string]any{"id": "prod_widget", "object": "product", "deleted": true}, mustOK(t, c.del("/v1/products/prod_widget")))
	res = c.get("/v1/products/prod_widget", nil)
	require.Equal(t, http.StatusNotFound, res.status)
	require.Equal(t, "No such product: 'prod_widget'", res.errField("message"))
	lastEvent(t, c, "product.deleted")

	// Coupons: random or chosen ids, percent or amount off, delete.
	cp := mustOK(t, c.post("/v1/coupons", url.Values{"percent_off": {"25.5"}, "duration": {"repeating"}, "duration_in_months": {"3"}}))
	require.Len(t, cp["id"], 8)
	require.Equal(t, 25.5, cp["percent_off"])
	res = c.post("/v1/coupons", url.Values{"amount_off": {"500"}})
	require.Equal(t, "currency", res.errField("param"))
	cp2 := mustOK(t, c.post("/v1/coupons", url.Values{"id": {"SAVE5"}, "amount_off": {"500"}, "currency": {"usd"}}))
	require.Equal(t, "SAVE5", cp2["id"])
	require.Equal(t, "once", cp2["duration"])
	mustOK(t, c.del("/v1/coupons/SAVE5"))
	require.Equal(t, http.StatusNotFound, c.get("/v1/coupons/SAVE5", nil).status)
	lastEvent(t, c, "coupon.deleted")
	require.Equal(t, 1, s.Count("coupon"))
}

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 5})
	cus := mustOK(t, c.post("/v1/customers", url.Values{"email": {"sub@example.com"}}))["id"].(string)
	var price string
	for _, p := range s.List("price") {
		if p["type"] == "recurring" && p["active"] == true {
			price = p["id"].(string)
		}
	}
	require.NotEmpty(t, price)

	res := c.post("/v1/subscriptions", url.Values{"customer": {cus}})
	require.Equal(t, "items", res.errField("param"))
	res = c.post("/v1/subscriptions", url.Values{"customer": {cus}, "items[0][price]": {"price_nope"}})
	require.Equal(t, "items[0][price]", res.errField("param"))

	sub := mustOK(t, c.post("/v1/subscriptions", url.Values{"customer": {cus}, "items[0][price]": {price},
		"items[0][quantity]": {"3"}, "metadata[source]": {"test"}}))
	id := sub["id"].(string)
	require.Equal(t, "active", sub["status"])
	items := sub["items"].(map[string]any)
	require.Equal(t, "list", items["object"])
	item := items["data"].([]any)[0].(map[string]any)
	require.Equal(t, float64(3), item["quantity"])
	require.Equal(t, price, item["price"].(map[string]any)["id"])
	require.Greater(t, num(sub["current_period_end"]), num(sub["current_period_start"]))
	lastEvent(t, c, "customer.subscription.created")

	// Update: quantity of the existing item, cancel at period end.
	upd := mustOK(t, c.post("/v1/subscriptions/"+id, url.Values{"items[0][id]": {item["id"].(string)},
		"items[0][quantity]": {"5"}, "cancel_at_period_end": {"true"}}))
	require.Equal(t, float64(5), upd["quantity"])
	require.Equal(t, upd["current_period_end"], upd["cancel_at"])
	ev := lastEvent(t, c, "customer.subscription.updated")
	prev := ev["data"].(map[string]any)["previous_attributes"].(map[string]any)
	require.Equal(t, false, prev["cancel_at_period_end"])
	require.Contains(t, prev, "items")
	require.Contains(t, prev, "quantity")

	// Trial subscriptions.
	trial := mustOK(t, c.post("/v1/subscriptions", url.Values{"customer": {cus}, "items[0][price]": {price}, "trial_period_days": {"14"}}))
	require.Equal(t, "trialing", trial["status"])
	require.Equal(t, num(trial["trial_start"])+14*86400, num(trial["trial_end"]))

	// Listing by customer, then DELETE cancels but the subscription stays retrievable.
	res = c.get("/v1/subscriptions", url.Values{"customer": {cus}})
	require.Len(t, res.data(), 2)
	canceled := mustOK(t, c.del("/v1/subscriptions/"+id))
	require.Equal(t, "canceled", canceled["status"])
	require.NotNil(t, canceled["canceled_at"])
	require.NotNil(t, canceled["ended_at"])
	require.Equal(t, "canceled", mustOK(t, c.get("/v1/subscriptions/"+id, nil))["status"])
	ev = lastEvent(t, c, "customer.subscription.deleted")
	require.Equal(t, "canceled", ev["data"].(map[string]any)["object"].(map[string]any)["status"])
	require.Len(t, c.get("/v1/subscriptions", url.Values{"customer": {cus}}).data(), 1)
	require.Len(t, c.get("/v1/subscriptions", url.Values{"customer": {cus}, "status": {"all"}}).data(), 2)
	res = c.post("/v1/subscriptions/"+id, url.Values{"description": {"x"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	mustOK(t, c.post("/v1/subscriptions/"+id, url.Values{"metadata[after]": {"cancel"}}))
	require.Equal(t, http.StatusBadRequest, c.del("/v1/subscriptions/"+id).status)

	// Deleting the customer cancels its remaining subscription.
	mustOK(t, c.del("/v1/customers/"+cus))
	got, _ := s.Get("subscription", trial["id"].(string))
	require.Equal(t, "canceled", got["status"])
}

func TestPaymentsFlow(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{})
	cus := mustOK(t, c.post("/v1/customers", url.Values{"email": {"pay@example.com"}, "name": {"Payer"}}))["id"].(string)

	// A payment intent confirmed at creation makes a charge and a balance transaction.
	pi := mustOK(t, c.post("/v1/payment_intents", url.Values{"amount": {"2000"}, "currency": {"usd"}, "customer": {cus},
		"payment_method": {"pm_card_visa"}, "confirm": {"true"}}))
	require.Equal(t, "succeeded", pi["status"])
	require.Equal(t, float64(2000), pi["amount_received"])
	chID := pi["latest_charge"].(string)
	ch := mustOK(t, c.get("/v1/charges/"+chID, url.Values{"expand[]": {"balance_transaction"}}))
	require.Equal(t, pi["id"], ch["payment_intent"])
	require.Equal(t, "Payer", ch["billing_details"].(map[string]any)["name"])
	txn := ch["balance_transaction"].(map[string]any)
	require.Equal(t, float64(2000-stripeFee(2000)), txn["net"])
	lastEvent(t, c, "payment_intent.created")
	lastEvent(t, c, "payment_intent.succeeded")
	lastEvent(t, c, "charge.succeeded")

	// Payment intents have no "updated" event in Stripe.
	before := s.Count("event")
	mustOK(t, c.post("/v1/payment_intents/"+pi["id"].(string), url.Values{"metadata[k]": {"v"}}))
	require.Equal(t, before, s.Count("event"))
	res := c.post("/v1/payment_intents/"+pi["id"].(string), url.Values{"amount": {"1"}})
	require.Equal(t, "payment_intent_unexpected_state", res.errField("code"))

	// Unconfirmed intents: confirm and cancel actions.
	pi2 := mustOK(t, c.post("/v1/payment_intents", url.Values{"amount": {"700"}, "currency": {"usd"}}))
	require.Equal(t, "requires_payment_method", pi2["status"])
	pi2 = mustOK(t, c.post("/v1/payment_intents/"+pi2["id"].(string)+"/confirm", url.Values{"payment_method": {"pm_card_visa"}}))
	require.Equal(t, "succeeded", pi2["status"])
	pi3 := mustOK(t, c.post("/v1/payment_intents", url.Values{"amount": {"700"}, "currency": {"usd"}}))
	pi3 = mustOK(t, c.post("/v1/payment_intents/"+pi3["id"].(string)+"/cancel", url.Values{"cancellation_reason": {"abandoned"}}))
	require.Equal(t, "canceled", pi3["status"])

	// Refunds: partial, then the rest; the charge follows.
	res = c.post("/v1/refunds", url.Values{"charge": {chID}, "amount": {"5000"}})
	require.Equal(t, "amount_too_large", res.errField("code"))
	re := mustOK(t, c.post("/v1/refunds", url.Values{"charge": {chID}, "amount": {"500"}, "reason": {"requested_by_customer"}}))
	require.Equal(t, float64(500), re["amount"])
	require.Equal(t, pi["id"], re["payment_intent"])
	ev := lastEvent(t, c, "charge.refunded")
	require.Equal(t, map[string]any{"amount_refunded": float64(0)}, ev["data"].(map[string]any)["previous_attributes"])
	mustOK(t, c.post("/v1/refunds", url.Values{"payment_intent": {pi["id"].(string)}}))
	ch = mustOK(t, c.get("/v1/charges/"+chID, nil))
	require.Equal(t, true, ch["refunded"])
	require.Equal(t, float64(2000), ch["amount_refunded"])
	res = c.post("/v1/refunds", url.Values{"charge": {chID}})
	require.Equal(t, "charge_already_refunded", res.errField("code"))
	res = c.get("/v1/refunds", url.Values{"charge": {chID}})
	require.Len(t, res.data(), 2)

	// A declined card answers 402 and leaves a failed charge.
	res = c.post("/v1/charges", url.Values{"amount": {"1000"}, "currency": {"usd"}, "source": {"tok_chargeDeclined"}})
	require.Equal(t, http.StatusPaymentRequired, res.status)
	require.Equal(t, "card_error", res.errField("type"))
	require.Equal(t, "card_declined", res.errField("code"))
	failed, ok := s.Get("charge", res.errField("charge"))
	require.True(t, ok)
	require.Equal(t, "failed", failed["status"])
	lastEvent(t, c, "charge.failed")

	// Disputes are created by the card network (here: the direct API), then updated and closed over HTTP.
	dp, err := s.Create("dispute", map[string]any{"charge": chID, "reason": "fraudulent"})
	require.NoError(t, err)
	lastEvent(t, c, "charge.dispute.created")
	dpID := dp["id"].(string)
	upd := mustOK(t, c.post("/v1/disputes/"+dpID, url.Values{"evidence[customer_name]": {"Payer"}, "submit": {"true"}}))
	require.Equal(t, "under_review", upd["status"])
	require.Equal(t, "Payer", upd["evidence"].(map[string]any)["customer_name"])
	lastEvent(t, c, "charge.dispute.updated")
	require.Equal(t, "lost", mustOK(t, c.post("/v1/disputes/"+dpID+"/close", nil))["status"])
	lastEvent(t, c, "charge.dispute.closed")
	require.Equal(t, http.StatusBadRequest, c.post("/v1/disputes/"+dpID+"/close", nil).status)
	got, _ := s.Get("charge", chID)
	require.Equal(t, true, got["disputed"])

	// Payouts.
	po := mustOK(t, c.post("/v1/payouts", url.Values{"amount": {"10000"}, "currency": {"usd"}}))
	require.Equal(t, "pending", po["status"])
	lastEvent(t, c, "payout.created")
	mustOK(t, c.post("/v1/payouts/"+po["id"].(string), url.Values{"metadata[batch]": {"7"}}))
	lastEvent(t, c, "payout.updated")
	require.Equal(t, "canceled", mustOK(t, c.post("/v1/payouts/"+po["id"].(string)+"/cancel", nil))["status"])
	lastEvent(t, c, "payout.canceled")
	res = c.get("/v1/balance_transactions", url.Values{"type": {"payout"}})
	require.Len(t, res.data(), 1)
	require.Equal(t, float64(-10000), res.data()[0]["amount"])
}

func TestInvoiceLifecycle(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{})
	cus := mustOK(t, c.post("/v1/customers", url.Values{"email": {"inv@example.com"}}))["id"].(string)
	inv := mustOK(t, c.post("/v1/invoices", url.Values{"customer": {cus}, "description": {"first"}}))
	require.Equal(t, "draft", inv["status"])
	require.Equal(t, "inv@example.com", inv["customer_email"])
	lastEvent(t, c, "invoice.created")
	mustOK(t, c.post("/v1/invoices/"+inv["id"].(string), url.Values{"footer": {"Thanks"}}))
	lastEvent(t, c, "invoice.updated")

	fin := mustOK(t, c.post("/v1/invoices/"+inv["id"].(string)+"/finalize", nil))
	require.Equal(t, "paid", fin["status"], "a zero-amount invoice is paid on finalization")
	require.NotNil(t, fin["number"])
	lastEvent(t, c, "invoice.finalized")
	lastEvent(t, c, "invoice.paid")
	require.Equal(t, http.StatusBadRequest, c.del("/v1/invoices/"+inv["id"].(string)).status)
	res := c.post("/v1/invoices/"+inv["id"].(string), url.Values{"currency": {"eur"}})
	require.Equal(t, http.StatusBadRequest, res.status)

	draft := mustOK(t, c.post("/v1/invoices", url.Values{"customer": {cus}}))
	require.Equal(t, map[string]any{"id": draft["id"], "object": "invoice", "deleted": true}, mustOK(t, c.del("/v1/invoices/"+draft["id"].(string))))
	lastEvent(t, c, "invoice.deleted")
	require.Equal(t, 1, s.Count("invoice"))

	// Seeded open invoices can be paid, which charges the customer.
	var open map[string]any
	for _, o := range New(Config{Seed: 200, RandSeed: 2}).List("invoice") {
		if o["status"] == "open" {
			open = o
			break
		}
	}
	require.NotNil(t, open)
	s2, c2 := startServer(t, Config{Seed: 200, RandSeed: 2})
	paid := mustOK(t, c2.post("/v1/invoices/"+open["id"].(string)+"/pay", nil))
	require.Equal(t, "paid", paid["status"])
	require.Equal(t, paid["amount_due"], paid["amount_paid"])
	ch, ok := s2.Get("charge", paid["charge"].(string))
	require.True(t, ok)
	require.Equal(t, paid["amount_due"], ch["amount"])
	ev := lastEvent(t, c2, "invoice.paid")
	require.Equal(t, "open", ev["data"].(map[string]any)["previous_attributes"].(map[string]any)["status"])
}

func TestExpand(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 20})
	sub := s.List("subscription")[0]
	got := mustOK(t, c.get("/v1/subscriptions/"+sub["id"].(string), url.Values{"expand[]": {"customer", "latest_invoice"}}))
	require.Equal(t, sub["customer"], got["customer"].(map[string]any)["id"])
	require.Equal(t, "invoice", got["latest_invoice"].(map[string]any)["object"])

	res := c.get("/v1/invoices", url.Values{"limit": {"3"}, "expand[]": {"data.customer", "data.subscription"}})
	for _, inv := range res.data() {
		require.Equal(t, "customer", inv["customer"].(map[string]any)["object"])
		require.Equal(t, "subscription", inv["subscription"].(map[string]any)["object"])
	}
	res = c.get("/v1/subscriptions", url.Values{"limit": {"2"}, "expand[]": {"data.items.data.price.product"}})
	for _, o := range res.data() {
		price := o["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"].(map[string]any)
		require.Equal(t, "product", price["product"].(map[string]any)["object"])
	}
	res = c.get("/v1/customers", url.Values{"expand[]": {"customer"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	res = c.get("/v1/customers/"+s.List("customer")[0]["id"].(string), url.Values{"expand[]": {"email"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Equal(t, "expand", res.errField("param"))
}
