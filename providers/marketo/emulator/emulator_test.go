package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type testBundle struct {
	srv       *Server
	base, tok string
}

func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	srv := New(cfg)
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	resp, err := http.Get(base + "/identity/oauth/token?grant_type=client_credentials&client_id=id&client_secret=s")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	return &testBundle{srv: srv, base: base, tok: tok.AccessToken}
}

func (b *testBundle) call(t *testing.T, method, path, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+b.tok)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func TestErrorsInBody(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 2, RateLimit: 1, RateLimitWindow: time.Hour})
	if resp, body := b.call(t, http.MethodGet, "/rest/v1/lists.json", "", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"success":true`) {
		t.Fatalf("first call: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.call(t, http.MethodGet, "/rest/v1/lists.json", "", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"code":"606"`) {
		t.Errorf("over the limit: %d %s", resp.StatusCode, body)
	}
	b = setup(t, Config{Seed: 2})
	b.tok = "bogus"
	if _, body := b.call(t, http.MethodGet, "/rest/v1/lists.json", "", nil); !strings.Contains(string(body), `"code":"601"`) {
		t.Errorf("bad token: %s", body)
	}
}

func TestLeadSyncAndDelete(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 1})
	_, body := b.call(t, http.MethodPost, "/rest/v1/leads.json", `{"action":"updateOnly","lookupField":"id","input":[{"id":999,"title":"x"}]}`, nil)
	if !strings.Contains(string(body), `"code":"1004"`) || !strings.Contains(string(body), `"status":"skipped"`) {
		t.Errorf("update of a missing lead: %s", body)
	}
	in := `{"action":"createOrUpdate","lookupField":"email","input":[{"email":"x@example.com","firstName":"X"}]}`
	b.call(t, http.MethodPost, "/rest/v1/leads.json", in, nil)
	b.call(t, http.MethodPost, "/rest/v1/leads.json", in, nil)
	if n := len(b.srv.IDs("leads")); n != 2 {
		t.Errorf("%d leads after two upserts by email, want 2", n)
	}
	_, body = b.call(t, http.MethodPost, "/rest/v1/leads/delete.json", `{"input":[{"id":1}]}`, nil)
	if !strings.Contains(string(body), `"status":"deleted"`) {
		t.Errorf("delete: %s", body)
	}
	q := url.Values{"sinceDatetime": {time.Now().Add(-24 * time.Hour).Format(time.RFC3339)}}
	_, body = b.call(t, http.MethodGet, "/rest/v1/activities/pagingtoken.json?"+q.Encode(), "", nil)
	var tok struct {
		NextPageToken string `json:"nextPageToken"`
	}
	_ = json.Unmarshal(body, &tok)
	_, body = b.call(t, http.MethodGet, "/rest/v1/activities/deletedleads.json?nextPageToken="+tok.NextPageToken, "", nil)
	if !strings.Contains(string(body), `"activityTypeId":37`) {
		t.Errorf("deleted leads feed: %s", body)
	}
}

func TestBulkExtract(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Seed: 20})
	from := time.Now().AddDate(0, 0, -40).UTC().Format(time.RFC3339)
	_, body := b.call(t, http.MethodPost, "/bulk/v1/leads/export/create.json", `{"format":"CSV","filter":{"createdAt":{"startAt":"`+from+`","endAt":"`+time.Now().UTC().Format(time.RFC3339)+`"}}}`, nil)
	if !strings.Contains(string(body), `"code":"1003"`) {
		t.Errorf("a 40-day window: %s", body)
	}
	from = time.Now().AddDate(0, 0, -2).UTC().Format(time.RFC3339)
	_, body = b.call(t, http.MethodPost, "/bulk/v1/leads/export/create.json", `{"format":"CSV","filter":{"createdAt":{"startAt":"`+from+`","endAt":"`+time.Now().UTC().Format(time.RFC3339)+`"}}}`, nil)
	var created struct {
		Result []struct {
			ExportID string `json:"exportId"`
		} `json:"result"`
	}
	if json.Unmarshal(body, &created) != nil || len(created.Result) != 1 {
		t.Fatalf("create: %s", body)
	}
	id := created.Result[0].ExportID
	b.call(t, http.MethodPost, "/bulk/v1/leads/export/"+id+"/enqueue.json", "", nil)
	resp, body := b.call(t, http.MethodGet, "/bulk/v1/leads/export/"+id+"/file.json", "", http.Header{"Range": {"bytes=0-99"}})
	if resp.StatusCode != http.StatusPartialContent || len(body) != 100 || !strings.HasPrefix(string(body), "id,email,") {
		t.Errorf("ranged file: %d %q", resp.StatusCode, body)
	}
	resp, body = b.call(t, http.MethodGet, "/bulk/v1/leads/export/"+id+"/file.json", "", nil)
	if lines := strings.Count(string(body), "\n"); resp.StatusCode != 200 || lines != 21 {
		t.Errorf("whole file: %d, %d lines", resp.StatusCode, lines)
	}
}
