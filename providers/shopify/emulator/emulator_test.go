package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const token = "shpat_test"

type testBundle struct {
	srv  *Server
	base string
}

func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	if cfg.AccessTokens == nil {
		cfg.AccessTokens = []string{token}
	}
	srv := New(cfg)
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testBundle{srv: srv, base: base}
}

// call sends a request with the test token and decodes the JSON answer.
func (b *testBundle) call(t *testing.T, method, path string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.base+path, r)
	req.Header.Set("X-Shopify-Access-Token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(data) > 0 {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatalf("%s %s: HTTP %d, body %q is not JSON", method, path, resp.StatusCode, data)
		}
	}
	return resp, m
}

var pageInfoRe = regexp.MustCompile(`page_info=([A-Za-z0-9_-]+)>; rel="next"`)

// nextPage extracts the next page_info of a Link header.
func nextPage(resp *http.Response) string {
	m := pageInfoRe.FindStringSubmatch(resp.Header.Get("Link"))
	if m == nil {
		return ""
	}
	return m[1]
}

func TestSeedCountsAndDeterminism(t *testing.T) {
	t.Parallel()
	a, b := New(Config{Seed: 40}), New(Config{Seed: 40})
	for _, c := range Collections {
		if n := a.Count(c); n < 40 {
			t.Errorf("%s: %d objects, want at least the seed", c, n)
		}
		ids := a.IDs(c)
		if len(ids) != a.Count(c) {
			t.Errorf("%s: %d ids, count %d", c, len(ids), a.Count(c))
		}
		if !equalStrings(ids, b.IDs(c)) {
			t.Errorf("%s: two emulators with the same seed differ", c)
		}
		for _, id := range ids[:3] {
			x, _ := a.Object(c, id)
			y, _ := b.Object(c, id)
			if !bytes.Equal(x, y) {
				t.Errorf("%s %s differs between equal seeds", c, id)
			}
		}
	}
	if a.Count("products") != 40 || a.Count("customers") != 40 || a.Count("orders") != 40 {
		t.Errorf("top-level counts %v", a.Summary()["collections"])
	}
}

func TestSeedIsFast(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := New(Config{Seed: 10000})
	if s.Count("orders") != 10000 {
		t.Fatal("not seeded")
	}
	t.Logf("seeded 10k per collection in %s", time.Since(start))
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 2})
	for _, tok := range []string{"", "shpat_wrong"} {
		req, _ := http.NewRequest(http.MethodGet, b.base+"/products.json", nil)
		if tok != "" {
			req.Header.Set("X-Shopify-Access-Token", tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "[API] Invalid API key or access token") {
			t.Errorf("token %q: HTTP %d %s", tok, resp.StatusCode, body)
		}
	}
	// Without configured tokens, Shopify-shaped tokens are accepted.
	open := New(Config{Seed: 1})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/admin/api/2024-07/shop.json", nil)
	req.Header.Set("X-Shopify-Access-Token", "shpca_anything")
	open.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("shpca_ token refused: %d", rec.Code)
	}
}

func TestUnknownPathsAndVersions(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	root := strings.TrimSuffix(b.base, "/admin/api/"+APIVersion)
	for _, p := range []string{"/admin/api/latest/products.json", "/admin/products.json"} {
		req, _ := http.NewRequest(http.MethodGet, root+p, nil)
		req.Header.Set("X-Shopify-Access-Token", token)
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d", p, resp.StatusCode)
		}
	}
	resp, body := b.call(t, http.MethodGet, "/widgets.json", nil)
	if resp.StatusCode != http.StatusNotFound || body["errors"] != "Not Found" {
		t.Errorf("unknown resource: %d %v", resp.StatusCode, body)
	}
	resp, _ = b.call(t, http.MethodGet, "/products/abc.json", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("non-numeric id: %d", resp.StatusCode)
	}
}

func TestCursorPagination(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 120})
	seen := map[string]bool{}
	resp, body := b.call(t, http.MethodGet, "/products.json?limit=50", nil)
	pages := 1
	for {
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: HTTP %d %v", pages, resp.StatusCode, body)
		}
		for _, p := range body["products"].([]any) {
			id := p.(map[string]any)["id"].(json.Number).String()
			if seen[id] {
				t.Errorf("product %s on two pages", id)
			}
			seen[id] = true
		}
		if pages > 1 && !strings.Contains(resp.Header.Get("Link"), `rel="previous"`) {
			t.Errorf("page %d has no previous link: %q", pages, resp.Header.Get("Link"))
		}
		next := nextPage(resp)
		if next == "" {
			break
		}
		pages++
		resp, body = b.call(t, http.MethodGet, "/products.json?limit=50&page_info="+next, nil)
	}
	if len(seen) != 120 || pages != 3 {
		t.Errorf("%d products over %d pages, want 120 over 3", len(seen), pages)
	}
}

func TestPageInfoRules(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 60})
	resp, _ := b.call(t, http.MethodGet, "/products.json?limit=10&status=active", nil)
	next := nextPage(resp)
	if next == "" {
		t.Fatal("no next page")
	}
	// Filters may not be sent with page_info.
	resp, body := b.call(t, http.MethodGet, "/products.json?limit=10&status=active&page_info="+next, nil)
	errs, _ := body["errors"].(map[string]any)
	if resp.StatusCode != http.StatusBadRequest || errs["page_info"] != "Invalid value." {
		t.Errorf("page_info with a filter: HTTP %d %v", resp.StatusCode, body)
	}
	// A forged token is refused.
	resp, _ = b.call(t, http.MethodGet, "/products.json?page_info=bm90LWEtdG9rZW4", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged page_info: HTTP %d", resp.StatusCode)
	}
	// The token keeps the filters: every product of the second page is active.
	resp, body = b.call(t, http.MethodGet, "/products.json?limit=10&page_info="+next, nil)
	for _, p := range body["products"].([]any) {
		if p.(map[string]any)["status"] != "active" {
			t.Errorf("second page lost the status filter: %v", p.(map[string]any)["status"])
		}
	}
	// fields are honoured and carried into the links.
	resp, body = b.call(t, http.MethodGet, "/products.json?limit=10&fields=id,title", nil)
	first := body["products"].([]any)[0].(map[string]any)
	if len(first) != 2 || !strings.Contains(resp.Header.Get("Link"), "fields=id%2Ctitle") {
		t.Errorf("fields: %v, link %q", first, resp.Header.Get("Link"))
	}
	// Limits above 250 are capped; garbage is refused.
	resp, _ = b.call(t, http.MethodGet, "/products.json?limit=abc", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("limit=abc: HTTP %d", resp.StatusCode)
	}
	// A single page has no Link header.
	resp, _ = b.call(t, http.MethodGet, "/products.json?limit=250", nil)
	if resp.Header.Get("Link") != "" {
		t.Errorf("one page with a Link header: %q", resp.Header.Get("Link"))
	}
}

func TestOrdersStatusFilter(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 200})
	_, open := b.call(t, http.MethodGet, "/orders/count.json", nil)
	_, all := b.call(t, http.MethodGet, "/orders/count.json?status=any", nil)
	_, cancelled := b.call(t, http.MethodGet, "/orders/count.json?status=cancelled", nil)
	n := func(m map[string]any) int64 { v, _ := m["count"].(json.Number).Int64(); return v }
	if n(all) != 200 || n(open) >= n(all) || n(cancelled) == 0 {
		t.Errorf("counts: open %d, cancelled %d, any %d", n(open), n(cancelled), n(all))
	}
	resp, _ := b.call(t, http.MethodGet, "/orders.json?status=bogus", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status=bogus: HTTP %d", resp.StatusCode)
	}
}

func TestUpdatedAtFilterAndOrder(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	b := setup(t, Config{Seed: 30, Now: func() time.Time { return now }})
	ids := b.srv.IDs("customers")
	for _, id := range []string{ids[5], ids[2]} {
		if _, err := b.srv.Update("customers", id, nil); err != nil {
			t.Fatal(err)
		}
	}
	q := url.Values{"updated_at_min": {now.Add(-time.Second).Format(time.RFC3339)}, "order": {"updated_at asc"}}
	_, body := b.call(t, http.MethodGet, "/customers.json?"+q.Encode(), nil)
	got := body["customers"].([]any)
	if len(got) != 2 {
		t.Fatalf("updated since: %d customers", len(got))
	}
	// Same updated_at: ties are in id order.
	if got[0].(map[string]any)["id"].(json.Number).String() != ids[2] {
		t.Errorf("order: %v first, want %s", got[0].(map[string]any)["id"], ids[2])
	}
	resp, _ := b.call(t, http.MethodGet, "/customers.json?updated_at_min=yesterday", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad date: HTTP %d", resp.StatusCode)
	}
}

func TestProductLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 3})
	resp, body := b.call(t, http.MethodPost, "/products.json", map[string]any{"product": map[string]any{"title": ""}})
	errs, _ := body["errors"].(map[string]any)
	if resp.StatusCode != http.StatusUnprocessableEntity || errs["title"] == nil {
		t.Fatalf("blank title: HTTP %d %v", resp.StatusCode, body)
	}
	resp, body = b.call(t, http.MethodPost, "/products.json", map[string]any{"product": map[string]any{
		"title": "Wool Socks", "tags": "b, a, b", "metafields": []any{map[string]any{"namespace": "sequin", "key": "mutation_id", "value": "m1"}},
		"variants": []any{map[string]any{"option1": "S", "price": "9.5"}, map[string]any{"option1": "M", "price": 10}},
	}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: HTTP %d %v", resp.StatusCode, body)
	}
	p := body["product"].(map[string]any)
	id := p["id"].(json.Number).String()
	vs := p["variants"].([]any)
	if p["handle"] != "wool-socks" || p["tags"] != "a, b" || len(vs) != 2 || vs[0].(map[string]any)["price"] != "9.50" {
		t.Errorf("created %v", p)
	}
	_, mf := b.call(t, http.MethodGet, "/products/"+id+"/metafields.json?namespace=sequin&key=mutation_id", nil)
	if list := mf["metafields"].([]any); len(list) != 1 || list[0].(map[string]any)["value"] != "m1" {
		t.Errorf("metafields %v", mf)
	}
	if _, ok := p["metafields"]; ok {
		t.Error("metafields are served inside the product")
	}
	// Same title: a new handle.
	_, body = b.call(t, http.MethodPost, "/products.json", map[string]any{"product": map[string]any{"title": "Wool Socks"}})
	if h := body["product"].(map[string]any)["handle"]; h != "wool-socks-1" {
		t.Errorf("second handle %v", h)
	}
	// Variant by id.
	vid := vs[0].(map[string]any)["id"].(json.Number).String()
	resp, body = b.call(t, http.MethodPut, "/variants/"+vid+".json", map[string]any{"variant": map[string]any{"price": "12.00"}})
	if resp.StatusCode != http.StatusOK || body["variant"].(map[string]any)["price"] != "12.00" {
		t.Errorf("variant update: %d %v", resp.StatusCode, body)
	}
	// An update that changes nothing keeps updated_at.
	before, _ := b.srv.Get("products", id)
	b.call(t, http.MethodPut, "/products/"+id+".json", map[string]any{"product": map[string]any{"id": id, "title": "Wool Socks"}})
	after, _ := b.srv.Get("products", id)
	if before["updated_at"] != after["updated_at"] {
		t.Error("a no-op update moved updated_at")
	}
	resp, _ = b.call(t, http.MethodDelete, "/products/"+id+".json", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	resp, _ = b.call(t, http.MethodGet, "/variants/"+vid+".json", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("variant of a deleted product: %d", resp.StatusCode)
	}
	// The delete is in the Events API.
	_, ev := b.call(t, http.MethodGet, "/events.json?filter=Product&verb=destroy&limit=250", nil)
	found := false
	for _, e := range ev["events"].([]any) {
		found = found || e.(map[string]any)["subject_id"].(json.Number).String() == id
	}
	if !found {
		t.Error("no destroy event for the deleted product")
	}
}

func TestCustomerRules(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 5})
	c, _ := b.srv.Get("customers", b.srv.IDs("customers")[0])
	resp, body := b.call(t, http.MethodPost, "/customers.json", map[string]any{"customer": map[string]any{"email": c["email"]}})
	errs, _ := body["errors"].(map[string]any)
	if resp.StatusCode != http.StatusUnprocessableEntity || errs["email"] == nil {
		t.Errorf("duplicate email: HTTP %d %v", resp.StatusCode, body)
	}
	resp, _ = b.call(t, http.MethodPost, "/customers.json", map[string]any{"customer": map[string]any{"note": "x"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("nameless customer: HTTP %d", resp.StatusCode)
	}
	// Customers with orders cannot be deleted through the API.
	resp, _ = b.call(t, http.MethodDelete, "/customers/"+b.srv.IDs("customers")[0]+".json", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("deleting a customer with orders: HTTP %d", resp.StatusCode)
	}
	_, body = b.call(t, http.MethodGet, "/customers/search.json?query=email:"+url.QueryEscape(`"`+c["email"].(string)+`"`), nil)
	if list := body["customers"].([]any); len(list) != 1 {
		t.Errorf("search by email: %d results", len(list))
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1, RateLimit: 3, RateLimitWindow: time.Second})
	var limited *http.Response
	for range 5 {
		resp, _ := b.call(t, http.MethodGet, "/shop.json", nil)
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = resp
			break
		}
		if !regexp.MustCompile(`^\d+/3$`).MatchString(resp.Header.Get("X-Shopify-Shop-Api-Call-Limit")) {
			t.Errorf("call limit header %q", resp.Header.Get("X-Shopify-Shop-Api-Call-Limit"))
		}
	}
	if limited == nil {
		t.Fatal("no 429 after a burst over the bucket")
	}
	if ra := limited.Header.Get("Retry-After"); !regexp.MustCompile(`^\d+\.\d$`).MatchString(ra) {
		t.Errorf("Retry-After %q", ra)
	}
	time.Sleep(400 * time.Millisecond)
	if resp, _ := b.call(t, http.MethodGet, "/shop.json", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after the bucket leaked: HTTP %d", resp.StatusCode)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	b.srv.InjectFault(Fault{Method: http.MethodPost, PathPrefix: "/customers", Status: http.StatusInternalServerError, AfterApply: true})
	n := b.srv.Count("customers")
	resp, body := b.call(t, http.MethodPost, "/customers.json", map[string]any{"customer": map[string]any{"email": "lost@example.com"}})
	if resp.StatusCode != http.StatusInternalServerError || body["errors"] != "Internal Server Error" {
		t.Errorf("after-apply fault: HTTP %d %v", resp.StatusCode, body)
	}
	if b.srv.Count("customers") != n+1 {
		t.Error("an after-apply fault did not apply the create")
	}
	b.srv.InjectFault(Fault{Status: http.StatusTooManyRequests, Count: 2})
	for range 2 {
		resp, _ := b.call(t, http.MethodGet, "/shop.json", nil)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2.0" {
			t.Errorf("429 fault: HTTP %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if resp, _ := b.call(t, http.MethodGet, "/shop.json", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("fault outlived its count: %d", resp.StatusCode)
	}
	reqs := b.srv.Requests()
	if len(reqs) != 4 || reqs[0].Method != http.MethodPost || reqs[1].Status != http.StatusTooManyRequests {
		t.Errorf("request log %+v", reqs)
	}
}

func TestInventory(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 4})
	resp, body := b.call(t, http.MethodGet, "/inventory_levels.json", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("levels without ids: HTTP %d %v", resp.StatusCode, body)
	}
	item, loc := b.srv.unstockedLocked()
	resp, body = b.call(t, http.MethodPost, "/inventory_levels/set.json", map[string]any{"inventory_item_id": item, "location_id": loc, "available": 9})
	if resp.StatusCode != http.StatusOK || body["inventory_level"].(map[string]any)["available"].(json.Number).String() != "9" {
		t.Fatalf("set: %d %v", resp.StatusCode, body)
	}
	id := levelKey(item, loc)
	if _, ok := b.srv.Get("inventory_levels", id); !ok {
		t.Error("the new level is not listed")
	}
	// The variant's quantity follows its levels.
	prodID := b.srv.st.items[item].id
	p, _ := b.srv.Get("products", itoa(prodID))
	total := 0.0
	for _, v := range p["variants"].([]any) {
		if v.(map[string]any)["inventory_item_id"].(float64) == float64(item) {
			total = v.(map[string]any)["inventory_quantity"].(float64)
		}
	}
	sum := 0.0
	for _, l := range b.srv.List("inventory_levels") {
		if l["inventory_item_id"].(float64) == float64(item) {
			sum += l["available"].(float64)
		}
	}
	if total != sum {
		t.Errorf("variant quantity %v, levels sum %v", total, sum)
	}
	resp, _ = b.call(t, http.MethodDelete, "/inventory_levels.json?inventory_item_id="+itoa(item)+"&location_id="+itoa(loc), nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("disconnect: %d", resp.StatusCode)
	}
}

func (s *Server) unstockedLocked() (int64, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unstocked()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestWebhooksAreDeliveredSigned(t *testing.T) {
	t.Parallel()
	type delivery struct {
		topic string
		ok    bool
	}
	var mu sync.Mutex
	var got []delivery
	done := make(chan struct{}, 16)
	const secret = "shpss_hook"
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{r.Header.Get("X-Shopify-Topic"), r.Header.Get("X-Shopify-Hmac-Sha256") == Sign(secret, body)})
		mu.Unlock()
		done <- struct{}{}
	}))
	defer hook.Close()
	b := setup(t, Config{Seed: 2, WebhookURL: hook.URL, WebhookSecret: secret})
	if _, err := b.srv.Update("customers", b.srv.IDs("customers")[0], nil); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Delete("orders", b.srv.IDs("orders")[0]); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("webhooks not delivered")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != (delivery{"customers/update", true}) || got[1] != (delivery{"orders/delete", true}) {
		t.Errorf("deliveries %+v", got)
	}
}

func TestSignedWebhook(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 2, WebhookSecret: "k"})
	at := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	h, body, err := s.SignedWebhook("orders", s.IDs("orders")[0], at)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Shopify-Topic") != "orders/updated" || h.Get("X-Shopify-Hmac-Sha256") != Sign("k", body) ||
		h.Get("X-Shopify-Triggered-At") != "2024-07-01T12:00:00Z" {
		t.Errorf("headers %v", h)
	}
	if _, _, err := s.SignedWebhook("variants", s.IDs("variants")[0], at); err == nil {
		t.Error("variants have no webhook topic of their own")
	}
}

func TestGoAPI(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 3})
	for _, c := range Collections {
		obj, err := s.Create(c, nil)
		if err != nil {
			t.Fatalf("Create(%s): %v", c, err)
		}
		id := ObjectID(c, obj)
		if _, ok := s.Get(c, id); !ok {
			t.Errorf("%s %s not found after Create", c, id)
		}
		before, _ := s.Object(c, id)
		if _, err := s.Update(c, id, nil); err != nil {
			t.Errorf("Update(%s): %v", c, err)
		}
		after, _ := s.Object(c, id)
		if bytes.Equal(before, after) {
			t.Errorf("Update(%s, nil) changed nothing", c)
		}
		if c == "fulfillments" {
			continue
		}
		if err := s.Delete(c, id); err != nil {
			t.Errorf("Delete(%s): %v", c, err)
		}
		if _, ok := s.Get(c, id); ok {
			t.Errorf("%s %s still there after Delete", c, id)
		}
	}
	if _, err := s.Create("widgets", nil); err == nil {
		t.Error("unknown collection accepted")
	}
	if len(s.List("products")) != s.Count("products") {
		t.Error("List and Count disagree")
	}
	sum := s.Summary()
	if sum["shop"] != "sequin-demo.myshopify.com" || sum["collections"].(map[string]any)["products"] != s.Count("products") {
		t.Errorf("summary %v", sum)
	}
}

func TestLocationsAndManyGroups(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 10, Locations: 60})
	if n := len(s.st.locations.order); n != 60 {
		t.Fatalf("%d locations", n)
	}
	get := func(n int) int {
		var ids []string
		for _, l := range s.st.locations.order[:n] {
			ids = append(ids, itoa(l.id))
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/admin/api/2024-07/inventory_levels.json?location_ids="+strings.Join(ids, ","), nil)
		req.Header.Set("X-Shopify-Access-Token", "shpat_x")
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := get(50); code != http.StatusOK {
		t.Errorf("50 locations: HTTP %d", code)
	}
	if code := get(51); code != http.StatusUnprocessableEntity {
		t.Errorf("51 locations: HTTP %d", code)
	}
}
