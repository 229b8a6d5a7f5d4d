package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type testBundle struct {
	srv          *Server
	base, access string
}

func setup(t *testing.T, seed int) *testBundle {
	t.Helper()
	srv := New(Config{RealmID: "1", ClientID: "cid", ClientSecret: "cs", RefreshTokens: []string{"r0"}, Seed: seed})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	b := &testBundle{srv: srv, base: base}
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/v1/tokens/bearer", strings.NewReader("grant_type=refresh_token&refresh_token=r0"))
	req.SetBasicAuth("cid", "cs")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	b.access = tok.AccessToken
	return b
}

func (b *testBundle) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.base+"/v3/company/1"+path, r)
	req.Header.Set("Authorization", "Bearer "+b.access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestQueryLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, 12)
	if err := b.srv.Delete("Customer", "3"); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		status, out := b.do(t, http.MethodGet, "/query?query="+url.QueryEscape(q), nil)
		if status != 200 {
			t.Fatalf("%s: %d %v", q, status, out)
		}
		qr := out["QueryResponse"].(map[string]any)
		list, _ := qr["Customer"].([]any)
		return len(list)
	}
	for q, want := range map[string]int{
		"SELECT * FROM Customer":                                          11,
		"SELECT * FROM Customer WHERE Active IN (true, false)":            12,
		"select * from Customer ORDERBY Id STARTPOSITION 11 MAXRESULTS 5": 1,
		"SELECT * FROM Customer WHERE Id IN ('1','2','3')":                2,
	} {
		if got := count(q); got != want {
			t.Errorf("%s: %d customers, want %d", q, got, want)
		}
	}
	if status, out := b.do(t, http.MethodGet, "/query?query="+url.QueryEscape("SELECT * FROM Nope"), nil); status != 400 || !strings.Contains(mustJSON(out), "4000") {
		t.Errorf("bad entity: %d %v", status, out)
	}
}

func TestRequestIDAndSyncToken(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	body := map[string]any{"DisplayName": "Once Only"}
	s1, o1 := b.do(t, http.MethodPost, "/customer?requestid=abc", body)
	s2, o2 := b.do(t, http.MethodPost, "/customer?requestid=abc", body)
	if s1 != 200 || s2 != 200 || mustJSON(o1) != mustJSON(o2) || b.srv.Count("Customer") != 2 {
		t.Fatalf("requestid replay: %d %d, %d customers", s1, s2, b.srv.Count("Customer"))
	}
	id := o1["Customer"].(map[string]any)["Id"]
	if s, out := b.do(t, http.MethodPost, "/customer", map[string]any{"Id": id, "SyncToken": "7", "sparse": true, "Notes": "x"}); s != 400 || !strings.Contains(mustJSON(out), "5010") {
		t.Errorf("stale SyncToken: %d %v", s, out)
	}
	if s, out := b.do(t, http.MethodPost, "/customer", map[string]any{"Id": id, "SyncToken": "0", "sparse": true, "Notes": "x"}); s != 200 || out["Customer"].(map[string]any)["SyncToken"] != "1" {
		t.Errorf("sparse update: %d %v", s, out)
	}
}

func TestCDCReportsDeletes(t *testing.T) {
	t.Parallel()
	b := setup(t, 3)
	if err := b.srv.Delete("Invoice", "2"); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"entities": {"Invoice"}, "changedSince": {"2020-01-01T00:00:00Z"}}
	if s, _ := b.do(t, http.MethodGet, "/cdc?"+q.Encode(), nil); s != 400 {
		t.Errorf("changedSince beyond 30 days: %d", s)
	}
	q.Set("changedSince", stamp(b.srv.cfg.Now().Add(-10*60*1e9)))
	s, out := b.do(t, http.MethodGet, "/cdc?"+q.Encode(), nil)
	if s != 200 || !strings.Contains(mustJSON(out), `"status":"Deleted"`) {
		t.Errorf("cdc: %d %v", s, out)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
