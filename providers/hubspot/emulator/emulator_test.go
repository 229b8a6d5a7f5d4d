package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/hubspot/emulator"
)

const token = "pat-na1-test"

// testBundle is a running emulator and a way to call it.
type testBundle struct {
	srv *emulator.Server
	url string
}

func setup(t *testing.T, cfg emulator.Config) *testBundle {
	t.Helper()
	if cfg.AccessTokens == nil {
		cfg.AccessTokens = []string{token}
	}
	srv := emulator.New(cfg)
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testBundle{srv: srv, url: u}
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// call sends a request with the test token (or auth, when not empty) and decodes the answer.
func (b *testBundle) call(t *testing.T, method, path string, body any, auth ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if len(auth) > 0 {
		req.Header.Set("Authorization", auth[0])
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// results returns the ids of a list or search answer.
func (a answer) results() []string {
	var ids []string
	list, _ := a.body["results"].([]any)
	for _, r := range list {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	return ids
}

// next returns paging.next.after.
func (a answer) next() string {
	p, _ := a.body["paging"].(map[string]any)
	n, _ := p["next"].(map[string]any)
	s, _ := n["after"].(string)
	return s
}

// expectError checks an error answer's status and category.
func (a answer) expectError(t *testing.T, status int, category string) {
	t.Helper()
	got, _ := a.body["category"].(string)
	if got == "" {
		got, _ = a.body["errorType"].(string)
	}
	if a.status != status || got != category || a.body["status"] != "error" || a.body["correlationId"] == nil || a.body["message"] == "" {
		t.Errorf("answer %d %s, want %d with category %s", a.status, a.raw, status, category)
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }
	srv := emulator.New(emulator.Config{Seed: 300, Now: clock})
	for _, typ := range append(emulator.Types(), emulator.Owners) {
		if n := srv.Count(typ); n != 300 {
			t.Errorf("%s: %d seeded, want 300", typ, n)
		}
		if ids := srv.List(typ); len(ids) != 300 {
			t.Errorf("%s: %d listed, want 300", typ, len(ids))
		}
	}
	sum := srv.Summary()
	if sum["collections"].(map[string]any)["contacts"] != 300 || sum["access_tokens"] == nil {
		t.Errorf("summary %v", sum)
	}
	// The same seed and clock make the same account.
	again := emulator.New(emulator.Config{Seed: 300, Now: clock})
	id := srv.List("deals")[150]
	a, _ := srv.Get("deals", id)
	b, _ := again.Get("deals", id)
	if !bytes.Equal(a, b) {
		t.Errorf("deal %s differs between two emulators of the same seed:\n%s\n%s", id, a, b)
	}
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 25})
	var all []string
	after := ""
	for {
		a := b.call(t, "GET", "/crm/v3/objects/contacts?limit=10&properties=email,firstname&after="+after, nil)
		if a.status != 200 {
			t.Fatalf("list: %d %s", a.status, a.raw)
		}
		all = append(all, a.results()...)
		if after = a.next(); after == "" {
			break
		}
	}
	if strings.Join(all, ",") != strings.Join(b.srv.List("contacts"), ",") {
		t.Errorf("paged %v, want %v", all, b.srv.List("contacts"))
	}
	first := b.call(t, "GET", "/crm/v3/objects/contacts?limit=1&properties=email,nope", nil)
	props := first.body["results"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	if len(props) != 1 || props["email"] == nil {
		t.Errorf("properties %v, want only email", props)
	}
	b.call(t, "GET", "/crm/v3/objects/contacts?limit=101", nil).expectError(t, 400, "VALIDATION_ERROR")
	b.call(t, "GET", "/crm/v3/objects/contacts?after=xyz", nil).expectError(t, 400, "VALIDATION_ERROR")
	b.call(t, "GET", "/crm/v3/objects/widgets", nil).expectError(t, 400, "VALIDATION_ERROR")
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 1})
	b.call(t, "GET", "/crm/v3/objects/deals", nil, "").expectError(t, 401, "INVALID_AUTHENTICATION")
	b.call(t, "GET", "/crm/v3/objects/deals", nil, "Bearer pat-na1-other").expectError(t, 401, "INVALID_AUTHENTICATION")
	open := setup(t, emulator.Config{AccessTokens: []string{}})
	if a := open.call(t, "GET", "/crm/v3/objects/deals", nil, "Bearer pat-eu1-anything"); a.status != 200 {
		t.Errorf("any pat- token: %d", a.status)
	}
	open.call(t, "GET", "/crm/v3/objects/deals", nil, "Bearer sk_test_x").expectError(t, 401, "INVALID_AUTHENTICATION")
}

func TestOAuthTokenEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{ClientID: "id", ClientSecret: "secret"})
	post := func(form url.Values) answer {
		resp, err := http.PostForm(b.url+"/oauth/v1/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, raw: raw}
		_ = json.Unmarshal(raw, &a.body)
		return a
	}
	a := post(url.Values{"grant_type": {"refresh_token"}, "client_id": {"id"}, "client_secret": {"secret"}, "refresh_token": {"r1"}})
	access, _ := a.body["access_token"].(string)
	if a.status != 200 || access == "" || a.body["expires_in"] != 1800.0 {
		t.Fatalf("token: %d %s", a.status, a.raw)
	}
	if got := b.call(t, "GET", "/crm/v3/owners", nil, "Bearer "+access); got.status != 200 {
		t.Errorf("issued token refused: %d", got.status)
	}
	for status, form := range map[string]url.Values{
		"BAD_CLIENT_ID":     {"grant_type": {"refresh_token"}, "client_id": {"x"}, "client_secret": {"secret"}, "refresh_token": {"r1"}},
		"BAD_CLIENT_SECRET": {"grant_type": {"refresh_token"}, "client_id": {"id"}, "client_secret": {"x"}, "refresh_token": {"r1"}},
		"BAD_REFRESH_TOKEN": {"grant_type": {"refresh_token"}, "client_id": {"id"}, "client_secret": {"secret"}},
	} {
		if a := post(form); a.status != 400 || a.body["status"] != status {
			t.Errorf("%s: %d %s", status, a.status, a.raw)
		}
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{RateLimit: 2, RateLimitWindow: 300 * time.Millisecond, SearchRateLimit: 1})
	for i := range 2 {
		a := b.call(t, "GET", "/crm/v3/owners", nil)
		if a.status != 200 || a.header.Get("X-HubSpot-RateLimit-Max") != "2" || a.header.Get("X-HubSpot-RateLimit-Remaining") != []string{"1", "0"}[i] {
			t.Fatalf("request %d: %d %v", i, a.status, a.header)
		}
	}
	a := b.call(t, "GET", "/crm/v3/owners", nil)
	a.expectError(t, 429, "RATE_LIMIT")
	if a.body["policyName"] != "TEN_SECONDLY_ROLLING" || a.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "300" {
		t.Errorf("429: %v %s", a.header, a.raw)
	}
	time.Sleep(350 * time.Millisecond)
	if a := b.call(t, "GET", "/crm/v3/owners", nil); a.status != 200 {
		t.Errorf("after the window: %d", a.status)
	}
	// Searches have their own per-second limit.
	if a := b.call(t, "POST", "/crm/v3/objects/contacts/search", map[string]any{}); a.status != 200 {
		t.Errorf("search: %d %s", a.status, a.raw)
	}
	a = b.call(t, "POST", "/crm/v3/objects/contacts/search", map[string]any{})
	a.expectError(t, 429, "RATE_LIMIT")
	if a.body["policyName"] != "SECONDLY" {
		t.Errorf("search 429: %s", a.raw)
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	start := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := start
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	tick := func() { mu.Lock(); clock = clock.Add(time.Second); mu.Unlock() }
	b := setup(t, emulator.Config{Now: now})
	var ids []string
	for i, p := range []map[string]any{
		{"name": "Alpha Widgets", "domain": "alpha.com", "numberofemployees": "10", "industry": "RETAIL"},
		{"name": "Beta Tools", "domain": "beta.io", "numberofemployees": "250", "industry": "COMPUTER_SOFTWARE"},
		{"name": "Gamma", "domain": "gamma.com", "numberofemployees": "5000"},
	} {
		id, err := b.srv.Create("companies", p)
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		ids = append(ids, id)
		tick()
	}
	search := func(body map[string]any) answer { return b.call(t, "POST", "/crm/v3/objects/companies/search", body) }
	f := func(prop, op string, v any) map[string]any {
		return map[string]any{"filterGroups": []any{map[string]any{"filters": []any{map[string]any{"propertyName": prop, "operator": op, "value": v}}}}}
	}
	for name, tc := range map[string]struct {
		body map[string]any
		want []string
	}{
		"everything":        {map[string]any{}, ids},
		"eq ignores case":   {f("name", "EQ", "beta tools"), ids[1:2]},
		"gte number":        {f("numberofemployees", "GTE", "250"), ids[1:]},
		"date ms":           {f("hs_lastmodifieddate", "GT", start.Add(500*time.Millisecond).UnixMilli()), ids[1:]},
		"date iso":          {f("createdate", "LT", "2024-03-01T12:00:01Z"), ids[:1]},
		"has property":      {f("industry", "HAS_PROPERTY", nil), ids[:2]},
		"not has property":  {f("industry", "NOT_HAS_PROPERTY", nil), ids[2:]},
		"contains token":    {f("name", "CONTAINS_TOKEN", "widgets"), ids[:1]},
		"contains wildcard": {f("domain", "CONTAINS_TOKEN", "*.com"), []string{ids[0], ids[2]}},
		"free text":         {map[string]any{"query": "gam"}, ids[2:]},
		"sort descending": {map[string]any{"sorts": []any{map[string]any{"propertyName": "numberofemployees", "direction": "DESCENDING"}}},
			[]string{ids[2], ids[1], ids[0]}},
		"short sort": {map[string]any{"sorts": []any{"-createdate"}}, []string{ids[2], ids[1], ids[0]}},
		"between": {map[string]any{"filterGroups": []any{map[string]any{"filters": []any{
			map[string]any{"propertyName": "numberofemployees", "operator": "BETWEEN", "value": "100", "highValue": "1000"}}}}}, ids[1:2]},
		"in": {map[string]any{"filterGroups": []any{map[string]any{"filters": []any{
			map[string]any{"propertyName": "industry", "operator": "IN", "values": []any{"retail", "other"}}}}}}, ids[:1]},
		"or of groups": {map[string]any{"filterGroups": []any{
			map[string]any{"filters": []any{map[string]any{"propertyName": "name", "operator": "EQ", "value": "Gamma"}}},
			map[string]any{"filters": []any{map[string]any{"propertyName": "domain", "operator": "EQ", "value": "alpha.com"}}}}},
			[]string{ids[0], ids[2]}},
	} {
		a := search(tc.body)
		if a.status != 200 || strings.Join(a.results(), ",") != strings.Join(tc.want, ",") || a.body["total"] != float64(len(tc.want)) {
			t.Errorf("%s: %d %v (total %v), want %v", name, a.status, a.results(), a.body["total"], tc.want)
		}
	}
	// Paging is by offset, with a total.
	a := search(map[string]any{"limit": 2})
	if a.next() != "2" || len(a.results()) != 2 {
		t.Errorf("first page: %s", a.raw)
	}
	if a := search(map[string]any{"limit": 2, "after": "2"}); a.next() != "" || strings.Join(a.results(), ",") != ids[2] {
		t.Errorf("second page: %s", a.raw)
	}
	for name, body := range map[string]map[string]any{
		"beyond the window": {"after": "10000"},
		"limit too high":    {"limit": 201},
		"two sorts":         {"sorts": []any{"name", "domain"}},
		"unknown property":  f("nope", "EQ", "1"),
		"bad operator":      f("name", "LIKE", "x"),
		"bad number":        f("numberofemployees", "GT", "many"),
	} {
		if a := search(body); a.status != 400 || a.body["category"] != "VALIDATION_ERROR" {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	// Archived objects are never found.
	if err := b.srv.Delete("companies", ids[0]); err != nil {
		t.Fatal(err)
	}
	if a := search(map[string]any{}); strings.Join(a.results(), ",") != strings.Join(ids[1:], ",") {
		t.Errorf("after archiving: %v", a.results())
	}
}

func TestSearchWindow(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 10_050})
	a := b.call(t, "POST", "/crm/v3/objects/line_items/search", map[string]any{"limit": 200, "after": "9900"})
	if a.status != 200 || len(a.results()) != 100 || a.next() != "10000" || a.body["total"] != 10_050.0 {
		t.Errorf("the window's last page: %d results, next %q, total %v", len(a.results()), a.next(), a.body["total"])
	}
	b.call(t, "POST", "/crm/v3/objects/line_items/search", map[string]any{"after": a.next()}).expectError(t, 400, "VALIDATION_ERROR")
}

func TestWrites(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2})
	created := b.call(t, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{
		"email": "grace@example.com", "firstname": "Grace", "hs_unique_creation_key": "k1", "notes_last_updated": 1709294400000}})
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	id := created.body["id"].(string)
	props := created.body["properties"].(map[string]any)
	if props["notes_last_updated"] != "2024-03-01T12:00:00.000Z" || props["hs_object_id"] != id || props["createdate"] == nil {
		t.Errorf("created %s", created.raw)
	}
	b.call(t, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "grace@example.com"}}).
		expectError(t, 409, "CONFLICT")
	b.call(t, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"hs_unique_creation_key": "k1"}}).
		expectError(t, 409, "CONFLICT")
	bad := b.call(t, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{
		"nope": "1", "lifecyclestage": "alien", "createdate": "2024-01-01", "associatedcompanyid": "x"}})
	bad.expectError(t, 400, "VALIDATION_ERROR")
	if errs, _ := bad.body["errors"].([]any); len(errs) != 4 {
		t.Errorf("validation errors %s", bad.raw)
	}
	if a := b.call(t, "GET", "/crm/v3/objects/contacts/k1?idProperty=hs_unique_creation_key", nil); a.status != 200 || a.body["id"] != id {
		t.Errorf("by unique key: %d %s", a.status, a.raw)
	}
	if a := b.call(t, "GET", "/crm/v3/objects/contacts/grace@example.com?idProperty=email", nil); a.body["id"] != id {
		t.Errorf("by email: %s", a.raw)
	}
	b.call(t, "GET", "/crm/v3/objects/contacts/x?idProperty=firstname", nil).expectError(t, 400, "VALIDATION_ERROR")

	before := b.call(t, "GET", "/crm/v3/objects/contacts/"+id, nil).body["updatedAt"]
	time.Sleep(2 * time.Millisecond)
	same := b.call(t, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"firstname": "Grace"}})
	if same.status != 200 || same.body["updatedAt"] != before {
		t.Errorf("an update changing nothing moved updatedAt: %s", same.raw)
	}
	upd := b.call(t, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"firstname": "", "jobtitle": "Admiral"}})
	if p := upd.body["properties"].(map[string]any); upd.status != 200 || p["firstname"] != nil || p["jobtitle"] != "Admiral" || upd.body["updatedAt"] == before {
		t.Errorf("update: %s", upd.raw)
	}
	b.call(t, "PATCH", "/crm/v3/objects/contacts/424242", map[string]any{"properties": map[string]any{"firstname": "X"}}).expectError(t, 404, "OBJECT_NOT_FOUND")

	if a := b.call(t, "DELETE", "/crm/v3/objects/contacts/"+id, nil); a.status != 204 {
		t.Fatalf("archive: %d", a.status)
	}
	if a := b.call(t, "DELETE", "/crm/v3/objects/contacts/"+id, nil); a.status != 204 {
		t.Errorf("archiving again: %d", a.status)
	}
	b.call(t, "GET", "/crm/v3/objects/contacts/"+id, nil).expectError(t, 404, "OBJECT_NOT_FOUND")
	arch := b.call(t, "GET", "/crm/v3/objects/contacts?archived=true", nil)
	if strings.Join(arch.results(), ",") != id || arch.body["results"].([]any)[0].(map[string]any)["archivedAt"] == nil {
		t.Errorf("archived list: %s", arch.raw)
	}
	// The archived contact's unique values are free again.
	if a := b.call(t, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "grace@example.com"}}); a.status != 201 {
		t.Errorf("re-creating an archived contact's email: %d %s", a.status, a.raw)
	}
	if a := b.call(t, "GET", "/crm/v3/properties/contacts", nil); a.status != 200 || len(a.body["results"].([]any)) < 10 {
		t.Errorf("properties: %d", a.status)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 1})
	b.srv.InjectFault(emulator.Fault{Method: "POST", PathPrefix: "/crm/v3/objects/deals", Status: 502, AfterApply: true})
	before := b.srv.Count("deals")
	b.call(t, "POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "Lost answer"}}).
		expectError(t, 502, "INTERNAL_ERROR")
	if b.srv.Count("deals") != before+1 {
		t.Error("an apply-then-fail create was not applied")
	}
	b.srv.InjectFault(emulator.Fault{Status: 429, Count: 2, RetryAfter: 3})
	for range 2 {
		a := b.call(t, "GET", "/crm/v3/owners", nil)
		if a.status != 429 || a.header.Get("Retry-After") != "3" {
			t.Errorf("fault: %d %v", a.status, a.header)
		}
	}
	if a := b.call(t, "GET", "/crm/v3/owners", nil); a.status != 200 {
		t.Errorf("after the faults: %d", a.status)
	}
	b.srv.InjectFault(emulator.Fault{Status: 200, Body: `{"results":[`})
	if a := b.call(t, "GET", "/crm/v3/owners", nil); string(a.raw) != `{"results":[` {
		t.Errorf("body fault: %s", a.raw)
	}
	reqs := b.srv.Requests()
	if len(reqs) != 5 || reqs[0].Method != "POST" || reqs[0].Status != 502 || !bytes.Contains(reqs[0].Body, []byte("Lost answer")) {
		t.Errorf("request log %+v", reqs)
	}
}

func TestPipelinesAndOwners(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3})
	if a := b.call(t, "GET", "/crm/v3/pipelines/deals", nil); len(a.results()) != 2 {
		t.Errorf("deal pipelines: %s", a.raw)
	}
	if a := b.call(t, "GET", "/crm/v3/pipelines/0-5/0", nil); a.status != 200 || len(a.body["stages"].([]any)) != 4 {
		t.Errorf("ticket pipeline: %s", a.raw)
	}
	b.call(t, "GET", "/crm/v3/pipelines/deals/nope", nil).expectError(t, 404, "OBJECT_NOT_FOUND")
	b.call(t, "GET", "/crm/v3/pipelines/quotes", nil).expectError(t, 400, "VALIDATION_ERROR")
	owners := b.srv.List(emulator.Owners)
	one := b.call(t, "GET", "/crm/v3/owners/"+owners[0], nil)
	if one.status != 200 || one.body["email"] == nil {
		t.Fatalf("owner: %s", one.raw)
	}
	byEmail := b.call(t, "GET", "/crm/v3/owners?email="+url.QueryEscape(one.body["email"].(string)), nil)
	if strings.Join(byEmail.results(), ",") != owners[0] {
		t.Errorf("owners by email: %s", byEmail.raw)
	}
	if err := b.srv.Delete(emulator.Owners, owners[0]); err != nil {
		t.Fatal(err)
	}
	if a := b.call(t, "GET", "/crm/v3/owners?archived=true", nil); strings.Join(a.results(), ",") != owners[0] {
		t.Errorf("archived owners: %s", a.raw)
	}
	// A deactivated owner can no longer own records.
	b.call(t, "POST", "/crm/v3/objects/tickets", map[string]any{"properties": map[string]any{"subject": "x", "hubspot_owner_id": owners[0]}}).
		expectError(t, 400, "VALIDATION_ERROR")
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 10)
	var hookURL string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), body}
	}))
	t.Cleanup(hook.Close)
	hookURL = hook.URL + "/webhooks/abc?x=1"
	b := setup(t, emulator.Config{Seed: 1, WebhookURL: hookURL, WebhookSecret: "s3cret"})
	id, err := b.srv.Create("contacts", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Update("contacts", id, map[string]any{"firstname": "Z", "jobtitle": "Chief"}); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Delete("contacts", id); err != nil {
		t.Fatal(err)
	}
	var events []emulator.Event
	deadline := time.After(5 * time.Second)
	for len(events) < 4 {
		select {
		case d := <-got:
			var ms int64
			_ = json.Unmarshal([]byte(d.header.Get("X-HubSpot-Request-Timestamp")), &ms)
			at := time.UnixMilli(ms)
			want := emulator.SignWebhook("s3cret", "POST", hookURL, d.body, at)
			if d.header.Get("X-HubSpot-Signature-v3") != want.Get("X-HubSpot-Signature-v3") || d.header.Get("X-HubSpot-Signature") != want.Get("X-HubSpot-Signature") {
				t.Errorf("delivery is not signed for %s", hookURL)
			}
			var batch []emulator.Event
			if err := json.Unmarshal(d.body, &batch); err != nil {
				t.Fatal(err)
			}
			events = append(events, batch...)
		case <-deadline:
			t.Fatalf("received %d events", len(events))
		}
	}
	var types []string
	for _, e := range events {
		types = append(types, e.SubscriptionType)
		if e.ObjectID == 0 || e.PortalID != 62515 {
			t.Errorf("event %+v", e)
		}
	}
	want := "contact.creation,contact.propertyChange,contact.propertyChange,contact.deletion"
	if strings.Join(types, ",") != want {
		t.Errorf("events %v, want %s", types, want)
	}
}
