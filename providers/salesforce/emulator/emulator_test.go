package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

type testBundle struct {
	srv   *Server
	url   string
	token string
}

func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	cfg.ClientID, cfg.ClientSecret = "client", "secret"
	srv := New(cfg)
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	b := &testBundle{srv: srv, url: u}
	status, body := b.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"client"},
		"client_secret": {"secret"}, "refresh_token": {"refresh-1"}})
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok map[string]any
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	b.token = tok["access_token"].(string)
	return b
}

func (b *testBundle) tokenRequest(t *testing.T, form url.Values) (int, []byte) {
	t.Helper()
	resp, err := http.PostForm(b.url+"/services/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// call sends an API request (path after /services/data/v60.0) and decodes the answer into out.
func (b *testBundle) call(t *testing.T, method, path string, body any, out any, header ...string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.url+"/services/data/v"+APIVersion+path, rd)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, raw, err)
		}
	}
	return resp
}

// errorCode returns the errorCode of a Salesforce error array.
func errorCode(t *testing.T, v any) string {
	t.Helper()
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("not an error array: %v", v)
	}
	return list[0].(map[string]any)["errorCode"].(string)
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{RefreshTokens: []string{"refresh-1"}})
	good := url.Values{"grant_type": {"refresh_token"}, "client_id": {"client"}, "client_secret": {"secret"}, "refresh_token": {"refresh-1"}}
	status, body := b.tokenRequest(t, good)
	var tok map[string]any
	_ = json.Unmarshal(body, &tok)
	if status != 200 || tok["instance_url"] != b.url || tok["token_type"] != "Bearer" ||
		!strings.HasSuffix(tok["id"].(string), "/"+b.srv.IDs("User")[0]) || !strings.Contains(tok["access_token"].(string), "!") {
		t.Fatalf("token answer %d %s", status, body)
	}
	for name, tc := range map[string]struct {
		change func(url.Values)
		code   string
	}{
		"wrong client":   {func(v url.Values) { v.Set("client_id", "x") }, "invalid_client_id"},
		"wrong secret":   {func(v url.Values) { v.Set("client_secret", "x") }, "invalid_client"},
		"revoked token":  {func(v url.Values) { v.Set("refresh_token", "other") }, "invalid_grant"},
		"password grant": {func(v url.Values) { v.Set("grant_type", "password") }, "unsupported_grant_type"},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = append([]string(nil), v...)
		}
		tc.change(form)
		status, body := b.tokenRequest(t, form)
		var e map[string]any
		_ = json.Unmarshal(body, &e)
		if status != http.StatusBadRequest || e["error"] != tc.code || e["error_description"] == "" {
			t.Errorf("%s: %d %s, want 400 %s", name, status, body, tc.code)
		}
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	var out any
	if resp := b.call(t, "GET", "/sobjects", nil, &out); resp.StatusCode != 200 || resp.Header.Get("Sforce-Limit-Info") != "api-usage=1/15000" {
		t.Fatalf("describeGlobal: %d, limit info %q", resp.StatusCode, resp.Header.Get("Sforce-Limit-Info"))
	}
	b.srv.RevokeSessions()
	resp := b.call(t, "GET", "/sobjects", nil, &out)
	if resp.StatusCode != http.StatusUnauthorized || errorCode(t, out) != "INVALID_SESSION_ID" || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("after revoking sessions: %d %v", resp.StatusCode, out)
	}
}

func TestQueryPaging(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 450})
	var page struct {
		TotalSize int              `json:"totalSize"`
		Done      bool             `json:"done"`
		Next      string           `json:"nextRecordsUrl"`
		Records   []map[string]any `json:"records"`
	}
	q := "/query?q=" + url.QueryEscape("SELECT Id, Name, BillingAddress FROM Account ORDER BY Id")
	b.call(t, "GET", q, nil, &page, "Sforce-Query-Options", "batchSize=200")
	seen := map[string]bool{}
	sizes := []int{}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		if page.TotalSize != 450 {
			t.Fatalf("totalSize %d", page.TotalSize)
		}
		sizes = append(sizes, len(page.Records))
		for _, r := range page.Records {
			id := r["Id"].(string)
			if seen[id] || len(r) != 4 || r["attributes"].(map[string]any)["type"] != "Account" {
				t.Fatalf("record %v (seen %v)", r, seen[id])
			}
			seen[id] = true
		}
		if page.Done {
			if page.Next != "" {
				t.Fatal("last page has a nextRecordsUrl")
			}
			break
		}
		if !regexp.MustCompile(`^/services/data/v60\.0/query/01g\w{15}-\d+$`).MatchString(page.Next) {
			t.Fatalf("nextRecordsUrl %q", page.Next)
		}
		next := strings.TrimPrefix(page.Next, "/services/data/v60.0")
		page.Records, page.Next = nil, ""
		b.call(t, "GET", next, nil, &page)
	}
	if len(seen) != 450 || len(sizes) != 3 || sizes[0] != 200 || sizes[2] != 50 {
		t.Errorf("pages %v, %d records", sizes, len(seen))
	}

	// An expired cursor is refused.
	b.call(t, "GET", q, nil, &page, "Sforce-Query-Options", "batchSize=200")
	b.srv.ExpireQueryLocators()
	var out any
	if resp := b.call(t, "GET", strings.TrimPrefix(page.Next, "/services/data/v60.0"), nil, &out); resp.StatusCode != 400 || errorCode(t, out) != "INVALID_QUERY_LOCATOR" {
		t.Errorf("expired locator: %d %v", resp.StatusCode, out)
	}
	var count struct {
		TotalSize int `json:"totalSize"`
	}
	b.call(t, "GET", "/query?q="+url.QueryEscape("SELECT COUNT() FROM Contact WHERE CreatedDate >= 2000-01-01T00:00:00Z"), nil, &count)
	if count.TotalSize != 450 {
		t.Errorf("COUNT() = %d", count.TotalSize)
	}
}

func TestRecordLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 2})
	var created map[string]any
	resp := b.call(t, "POST", "/sobjects/Account", map[string]any{"Name": "Lifecycle", "BillingCity": "Paris", "AnnualRevenue": 10}, &created)
	id, _ := created["id"].(string)
	if resp.StatusCode != 201 || created["success"] != true || !validID(id) || !strings.HasSuffix(resp.Header.Get("Location"), "/sobjects/Account/"+id) {
		t.Fatalf("create: %d %v", resp.StatusCode, created)
	}
	var rec map[string]any
	b.call(t, "GET", "/sobjects/Account/"+id, nil, &rec)
	addr, _ := rec["BillingAddress"].(map[string]any)
	if rec["Name"] != "Lifecycle" || rec["IsDeleted"] != false || addr["city"] != "Paris" || rec["OwnerId"] == nil ||
		rec["CreatedDate"] != rec["SystemModstamp"] {
		t.Fatalf("record %v", rec)
	}
	stamp := rec["SystemModstamp"].(string)
	if resp := b.call(t, "PATCH", "/sobjects/Account/"+id, map[string]any{"Name": "Renamed", "BillingCity": nil}, nil); resp.StatusCode != 204 {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	rec = nil
	b.call(t, "GET", "/sobjects/Account/"+id[:15]+"?fields=Name,BillingAddress,SystemModstamp", nil, &rec)
	if rec["Name"] != "Renamed" || rec["BillingAddress"] != nil || rec["SystemModstamp"].(string) <= stamp || len(rec) != 4 {
		t.Fatalf("after update: %v", rec)
	}
	if resp := b.call(t, "DELETE", "/sobjects/Account/"+id, nil, nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	var out any
	if resp := b.call(t, "GET", "/sobjects/Account/"+id, nil, &out); resp.StatusCode != 404 || errorCode(t, out) != "NOT_FOUND" {
		t.Errorf("get deleted: %d %v", resp.StatusCode, out)
	}
	if resp := b.call(t, "DELETE", "/sobjects/Account/"+id, nil, &out); resp.StatusCode != 404 || errorCode(t, out) != "ENTITY_IS_DELETED" {
		t.Errorf("delete again: %d %v", resp.StatusCode, out)
	}
	var all struct {
		Records []map[string]any `json:"records"`
	}
	soql := url.QueryEscape("SELECT Id, IsDeleted FROM Account WHERE Id = '" + id + "'")
	b.call(t, "GET", "/query?q="+soql, nil, &all)
	if len(all.Records) != 0 {
		t.Errorf("query shows a deleted record: %v", all.Records)
	}
	b.call(t, "GET", "/queryAll?q="+soql, nil, &all)
	if len(all.Records) != 1 || all.Records[0]["IsDeleted"] != true {
		t.Errorf("queryAll: %v", all.Records)
	}
	if resp := b.call(t, "DELETE", "/sobjects/User/"+b.srv.IDs("User")[0], nil, &out); resp.StatusCode != 400 || errorCode(t, out) != "INVALID_TYPE_FOR_OPERATION" {
		t.Errorf("delete a user: %d %v", resp.StatusCode, out)
	}
}

func TestWriteValidation(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	for name, tc := range map[string]struct {
		body map[string]any
		code string
	}{
		"missing required": {map[string]any{"Industry": "Retail"}, "REQUIRED_FIELD_MISSING"},
		"read-only":        {map[string]any{"Name": "x", "CreatedDate": "2024-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE"},
		"unknown field":    {map[string]any{"Name": "x", "Nope__c": 1}, "INVALID_FIELD"},
		"wrong type":       {map[string]any{"Name": "x", "AnnualRevenue": "lots"}, "JSON_PARSER_ERROR"},
		"fraction in int":  {map[string]any{"Name": "x", "NumberOfEmployees": 1.5}, "JSON_PARSER_ERROR"},
		"bad reference":    {map[string]any{"Name": "x", "ParentId": "nope"}, "MALFORMED_ID"},
		"too long":         {map[string]any{"Name": strings.Repeat("x", 256)}, "STRING_TOO_LONG"},
	} {
		var out any
		if resp := b.call(t, "POST", "/sobjects/Account", tc.body, &out); resp.StatusCode != 400 || errorCode(t, out) != tc.code {
			t.Errorf("%s: %d %v, want %s", name, resp.StatusCode, out, tc.code)
		}
	}
	if n := b.srv.Count("Account"); n != 1 {
		t.Errorf("%d accounts after refused creates, want 1", n)
	}
}

func TestUpsert(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	path := "/sobjects/Account/Sequin_Mutation_Id__c/key-1"
	var first, second map[string]any
	if resp := b.call(t, "PATCH", path, map[string]any{"Name": "Upserted"}, &first); resp.StatusCode != 201 || first["created"] != true {
		t.Fatalf("first upsert: %d %v", resp.StatusCode, first)
	}
	if resp := b.call(t, "PATCH", path, map[string]any{"Name": "Upserted again"}, &second); resp.StatusCode != 200 || second["created"] != false || second["id"] != first["id"] {
		t.Fatalf("second upsert: %d %v", resp.StatusCode, second)
	}
	var rec map[string]any
	b.call(t, "GET", path, nil, &rec)
	if rec["Name"] != "Upserted again" || rec["Sequin_Mutation_Id__c"] != "key-1" {
		t.Errorf("record %v", rec)
	}
	var out any
	if resp := b.call(t, "POST", "/sobjects/Account", map[string]any{"Name": "dup", "Sequin_Mutation_Id__c": "KEY-1"}, &out); resp.StatusCode != 400 || errorCode(t, out) != "DUPLICATE_VALUE" {
		t.Errorf("duplicate external id: %d %v", resp.StatusCode, out)
	}
	if resp := b.call(t, "PATCH", "/sobjects/Account/Name/x", map[string]any{}, &out); resp.StatusCode != 404 {
		t.Errorf("upsert by a field that is no external id: %d %v", resp.StatusCode, out)
	}
}

func TestComposite(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	type result struct {
		Body           any    `json:"body"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		ReferenceID    string `json:"referenceId"`
	}
	var out struct {
		CompositeResponse []result `json:"compositeResponse"`
	}
	base := "/services/data/v60.0/sobjects"
	b.call(t, "POST", "/composite", map[string]any{"allOrNone": true, "compositeRequest": []any{
		map[string]any{"method": "POST", "url": base + "/Account", "referenceId": "acct", "body": map[string]any{"Name": "Composite"}},
		map[string]any{"method": "POST", "url": base + "/Contact", "referenceId": "ct", "body": map[string]any{"LastName": "Ref", "AccountId": "@{acct.id}"}},
		map[string]any{"method": "GET", "url": base + "/Contact/@{ct.id}?fields=AccountId", "referenceId": "read"},
	}}, &out)
	if len(out.CompositeResponse) != 3 || out.CompositeResponse[0].HTTPStatusCode != 201 || out.CompositeResponse[2].HTTPStatusCode != 200 {
		t.Fatalf("composite: %+v", out)
	}
	acct := out.CompositeResponse[0].Body.(map[string]any)["id"]
	if got := out.CompositeResponse[2].Body.(map[string]any)["AccountId"]; got != acct {
		t.Errorf("the reference was not resolved: AccountId %v, want %v", got, acct)
	}

	accounts, contacts := b.srv.Count("Account"), b.srv.Count("Contact")
	b.call(t, "POST", "/composite", map[string]any{"allOrNone": true, "compositeRequest": []any{
		map[string]any{"method": "POST", "url": base + "/Account", "referenceId": "ok", "body": map[string]any{"Name": "Rolled back"}},
		map[string]any{"method": "POST", "url": base + "/Contact", "referenceId": "bad", "body": map[string]any{"FirstName": "No last name"}},
		map[string]any{"method": "GET", "url": base + "/Account/@{ok.id}", "referenceId": "after"},
	}}, &out)
	codes := []string{}
	for _, r := range out.CompositeResponse {
		codes = append(codes, errorCode(t, r.Body))
	}
	if strings.Join(codes, ",") != "PROCESSING_HALTED,REQUIRED_FIELD_MISSING,PROCESSING_HALTED" {
		t.Errorf("allOrNone failure codes %v", codes)
	}
	if b.srv.Count("Account") != accounts || b.srv.Count("Contact") != contacts {
		t.Error("a failed allOrNone composite left records behind")
	}
	var bad any
	if resp := b.call(t, "POST", "/composite", map[string]any{"compositeRequest": []any{map[string]any{"method": "GET", "url": "/elsewhere"}}}, &bad); resp.StatusCode != 400 {
		t.Errorf("invalid composite: %d %v", resp.StatusCode, bad)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1, RateLimit: 2, RateLimitWindow: time.Minute, DailyLimit: 100})
	var out any
	for range 2 {
		if resp := b.call(t, "GET", "/limits", nil, &out); resp.StatusCode != 200 {
			t.Fatalf("limits: %d", resp.StatusCode)
		}
	}
	resp := b.call(t, "GET", "/limits", nil, &out)
	if resp.StatusCode != 403 || errorCode(t, out) != "REQUEST_LIMIT_EXCEEDED" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the rate: %d %v (Retry-After %q)", resp.StatusCode, out, resp.Header.Get("Retry-After"))
	}

	d := setup(t, Config{Seed: 1, DailyLimit: 100})
	d.srv.SetAPIUsage(100)
	resp = d.call(t, "GET", "/limits", nil, &out)
	msg := out.([]any)[0].(map[string]any)["message"]
	if resp.StatusCode != 403 || msg != "TotalRequests Limit exceeded." || resp.Header.Get("Sforce-Limit-Info") != "api-usage=100/100" {
		t.Errorf("over the daily limit: %d %v %q", resp.StatusCode, out, resp.Header.Get("Sforce-Limit-Info"))
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	n := b.srv.Count("Account")
	b.srv.InjectFault(Fault{Method: "POST", Status: 500, AfterApply: true})
	var out any
	if resp := b.call(t, "POST", "/sobjects/Account", map[string]any{"Name": "Lost"}, &out); resp.StatusCode != 500 || errorCode(t, out) != "UNKNOWN_EXCEPTION" {
		t.Fatalf("fault: %d %v", resp.StatusCode, out)
	}
	if b.srv.Count("Account") != n+1 {
		t.Error("an after-apply fault did not apply the request")
	}
	b.srv.InjectFault(Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Body: "{"})
	resp := b.call(t, "GET", "/limits", nil, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1.5" {
		t.Errorf("429 fault: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	var global struct {
		SObjects []map[string]any `json:"sobjects"`
	}
	b.call(t, "GET", "/sobjects", nil, &global)
	names := map[string]map[string]any{}
	for _, o := range global.SObjects {
		names[o["name"].(string)] = o
	}
	if names["Invoice__c"]["queryable"] != true || names["AccountFeed"]["queryable"] != false || len(names) != len(catalogue) {
		t.Fatalf("describeGlobal: %v", names)
	}
	var d struct {
		Name   string           `json:"name"`
		Fields []map[string]any `json:"fields"`
	}
	b.call(t, "GET", "/sobjects/invoice__c/describe", nil, &d)
	types := map[string]any{}
	for _, f := range d.Fields {
		types[f["name"].(string)] = f["type"]
	}
	if d.Name != "Invoice__c" || types["Amount__c"] != "currency" || types["Billing_Location__c"] != "location" || types["IsDeleted"] != "boolean" {
		t.Errorf("describe: %s %v", d.Name, types)
	}
	var out any
	if resp := b.call(t, "GET", "/sobjects/Nope__c/describe", nil, &out); resp.StatusCode != 404 || errorCode(t, out) != "NOT_FOUND" {
		t.Errorf("unknown object: %d %v", resp.StatusCode, out)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := New(Config{Seed: 5, RandSeed: 7}), New(Config{Seed: 5, RandSeed: 7})
	for _, o := range Objects {
		ia, ib := a.IDs(o), b.IDs(o)
		if len(ia) == 0 || strings.Join(ia, ",") != strings.Join(ib, ",") {
			t.Fatalf("%s: ids %v and %v", o, ia, ib)
		}
		ra, _ := a.Get(o, ia[0])
		rb, _ := b.Get(o, ib[0])
		ja, _ := json.Marshal(ra)
		jb, _ := json.Marshal(rb)
		if o != "User" && !bytes.Equal(ja, jb) {
			// Field values depend on the clock only through dates relative to now.
			var ma, mb map[string]any
			_ = json.Unmarshal(ja, &ma)
			_ = json.Unmarshal(jb, &mb)
			if ma["Name"] != mb["Name"] {
				t.Errorf("%s: %s and %s", o, ja, jb)
			}
		}
	}
}
