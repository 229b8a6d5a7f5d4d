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

// testServer starts a seeded emulator and returns it with an access token.
func testServer(t *testing.T, seed int) (*Server, string, string) {
	t.Helper()
	s := New(Config{Seed: seed})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	req, _ := http.NewRequest(http.MethodPost, base+"/ccx/oauth2/acme/token",
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"sequin"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("sequin", "sequin")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status := call(t, req, &tok); status != 200 || tok.AccessToken == "" {
		t.Fatalf("token: HTTP %d, %+v", status, tok)
	}
	return s, base, tok.AccessToken
}

// call sends req and decodes the JSON answer into out.
func call(t *testing.T, req *http.Request, out any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return resp.StatusCode
}

func get(t *testing.T, base, token, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return call(t, req, out)
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	s, base, tok := testServer(t, 45)
	var page struct {
		Total int              `json:"total"`
		Data  []map[string]any `json:"data"`
	}
	if st := get(t, base, tok, "/ccx/api/v1/acme/workers", &page); st != 200 || page.Total != 45 || len(page.Data) != 20 {
		t.Fatalf("default page: HTTP %d, total %d, %d objects; want 45 and 20", st, page.Total, len(page.Data))
	}
	if st := get(t, base, tok, "/ccx/api/v1/acme/workers?limit=100&offset=40", &page); st != 200 || len(page.Data) != 5 {
		t.Fatalf("last page: HTTP %d, %d objects; want 5", st, len(page.Data))
	}
	ids := s.IDs("workers")
	if page.Data[0]["id"] != ids[40] || page.Data[0]["href"] != base+"/ccx/api/v1/acme/workers/"+ids[40] {
		t.Errorf("object at offset 40 = %v, want %s with its href", page.Data[0], ids[40])
	}
	var e struct {
		Error  string `json:"error"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if st := get(t, base, tok, "/ccx/api/v1/acme/workers?limit=101", &e); st != 400 || len(e.Errors) != 1 || e.Errors[0].Field != "limit" {
		t.Errorf("limit=101: HTTP %d, %+v; want 400 naming limit", st, e)
	}
	if st := get(t, base, tok, "/ccx/api/v1/acme/workers/nope", &e); st != 404 || e.Error == "" {
		t.Errorf("missing worker: HTTP %d, %+v; want 404 with an error", st, e)
	}
	if st := get(t, base, "bogus", "/ccx/api/v1/acme/workers", &e); st != 401 || e.Error != "invalid_token" {
		t.Errorf("bad token: HTTP %d, %+v; want 401 invalid_token", st, e)
	}
}

func TestReportListsChangesFromPrompt(t *testing.T) {
	t.Parallel()
	s, base, tok := testServer(t, 10)
	from := time.Now().UTC().Add(-time.Second)
	ids := s.IDs("positions")
	if err := s.Update("positions", ids[3], nil); err != nil {
		t.Fatal(err)
	}
	created, err := s.Create("positions", nil)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Entries []struct {
			WID         string `json:"WID"`
			LastUpdated string `json:"Last_Updated"`
		} `json:"Report_Entry"`
	}
	q := url.Values{"format": {"json"}, "Updated_From": {from.Format("2006-01-02T15:04:05.000-07:00")}}
	if st := get(t, base, tok, "/ccx/service/customreport2/acme/ISU_Sequin/Sequin_Positions_Changed?"+q.Encode(), &rep); st != 200 {
		t.Fatalf("report: HTTP %d", st)
	}
	if len(rep.Entries) != 2 || rep.Entries[0].WID != ids[3] || rep.Entries[1].WID != created {
		t.Fatalf("report = %+v, want the updated %s and the created %s", rep.Entries, ids[3], created)
	}
	a, _ := time.Parse(time.RFC3339Nano, rep.Entries[0].LastUpdated)
	b, _ := time.Parse(time.RFC3339Nano, rep.Entries[1].LastUpdated)
	if !b.After(a) || a.Before(from) {
		t.Errorf("moments %s, %s: want both after the prompt and strictly increasing", rep.Entries[0].LastUpdated, rep.Entries[1].LastUpdated)
	}
	var all struct {
		Entries []any `json:"Report_Entry"`
	}
	if get(t, base, tok, "/ccx/service/customreport2/acme/ISU_Sequin/Sequin_Positions_Changed?format=json", &all); len(all.Entries) != 11 {
		t.Errorf("report without a prompt lists %d objects, want all 11", len(all.Entries))
	}
	var e map[string]any
	if st := get(t, base, tok, "/ccx/service/customreport2/acme/ISU_Sequin/Unknown?format=json", &e); st != 404 {
		t.Errorf("unknown report: HTTP %d, want 404", st)
	}
}

func TestTokenEndpointRefuses(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, c := range []struct {
		user, pass, refresh string
		status              int
		code                string
	}{
		{"sequin", "wrong", "sequin", 401, "invalid_client"},
		{"sequin", "sequin", "revoked", 400, "invalid_grant"},
	} {
		req, _ := http.NewRequest(http.MethodPost, base+"/ccx/oauth2/acme/token",
			strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.refresh}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.user, c.pass)
		var e struct {
			Error string `json:"error"`
		}
		if st := call(t, req, &e); st != c.status || e.Error != c.code {
			t.Errorf("token with %s/%s/%s: HTTP %d %q, want %d %q", c.user, c.pass, c.refresh, st, e.Error, c.status, c.code)
		}
	}
}

func TestRateLimitAnswers429(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 1, RateLimit: 1, RateLimitWindow: time.Hour})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var e map[string]any
	get(t, base, "", "/ccx/api/v1/acme/workers", &e) // admitted (and refused as unauthenticated)
	resp, err := http.Get(base + "/ccx/api/v1/acme/workers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second request: HTTP %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
