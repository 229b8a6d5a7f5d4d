package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type testBundle struct {
	srv   *Server
	base  string
	token string
}

func setup(t *testing.T, seed int) *testBundle {
	t.Helper()
	srv := New(Config{Domain: "t.auth0.test", Clients: map[string]string{"cid": "csecret"}, Seed: seed})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	b := &testBundle{srv: srv, base: base}
	status, body := b.do(t, http.MethodPost, "/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {"cid"}, "client_secret": {"csecret"}, "audience": {"https://t.auth0.test/api/v2/"}}.Encode())
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &tok)
	b.token = tok.AccessToken
	return b
}

func (b *testBundle) do(t *testing.T, method, path, form string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(form))
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestTokenRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	b.token = ""
	for _, c := range []struct {
		form   url.Values
		status int
	}{
		{url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"wrong"}, "audience": {"https://t.auth0.test/api/v2/"}}, 401},
		{url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"csecret"}, "audience": {"https://other/api/v2/"}}, 403},
		{url.Values{"grant_type": {"password"}, "client_id": {"cid"}, "client_secret": {"csecret"}}, 403},
	} {
		if status, body := b.do(t, http.MethodPost, "/oauth/token", c.form.Encode()); status != c.status || !strings.Contains(string(body), `"error"`) {
			t.Errorf("token with %v: %d %s, want %d", c.form, status, body, c.status)
		}
	}
	if status, _ := b.do(t, http.MethodGet, "/api/v2/users", ""); status != 401 {
		t.Errorf("users without a token: %d", status)
	}
}

func TestUserSearchPagingLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, 3)
	if status, body := b.do(t, http.MethodGet, "/api/v2/users?page=10&per_page=100", ""); status != 400 || !strings.Contains(string(body), "first 1000 records") {
		t.Errorf("page past the window: %d %s", status, body)
	}
	if status, _ := b.do(t, http.MethodGet, "/api/v2/users?per_page=101", ""); status != 400 {
		t.Errorf("per_page 101: %d", status)
	}
	if status, _ := b.do(t, http.MethodGet, "/api/v2/users?q=updated_at:yesterday", ""); status != 400 {
		t.Errorf("unparsable q: %d", status)
	}
	ids := b.srv.IDs("users")
	if _, err := b.srv.Update("users", ids[0], nil); err != nil {
		t.Fatal(err)
	}
	o, _ := b.srv.Object("users", ids[0])
	q := url.Values{"q": {"updated_at:[" + o["updated_at"].(string) + " TO *]"}, "sort": {"updated_at:1"}, "include_totals": {"true"}, "per_page": {"10"}, "page": {"0"}}
	status, body := b.do(t, http.MethodGet, "/api/v2/users?"+q.Encode(), "")
	var page struct {
		Total int              `json:"total"`
		Users []map[string]any `json:"users"`
	}
	if err := json.Unmarshal(body, &page); status != 200 || err != nil || page.Total != 1 || page.Users[0]["user_id"] != ids[0] {
		t.Errorf("updated_at search: %d %s", status, body)
	}
}

func TestOrganizationCheckpointPaging(t *testing.T) {
	t.Parallel()
	b := setup(t, 5)
	seen := 0
	from := ""
	for range 10 {
		status, body := b.do(t, http.MethodGet, "/api/v2/organizations?take=2&from="+from, "")
		var page struct {
			Organizations []map[string]any `json:"organizations"`
			Next          string           `json:"next"`
		}
		if status != 200 || json.Unmarshal(body, &page) != nil {
			t.Fatalf("%d %s", status, body)
		}
		seen += len(page.Organizations)
		if page.Next == "" {
			break
		}
		from = page.Next
	}
	if seen != 5 {
		t.Errorf("checkpoint paging saw %d organizations, want 5", seen)
	}
}

func TestDeleteWritesAuditLog(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	id := b.srv.IDs("users")[0]
	if status, _ := b.do(t, http.MethodDelete, "/api/v2/users/"+url.PathEscape(id), ""); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	status, body := b.do(t, http.MethodGet, "/api/v2/logs?take=10&from=", "")
	if status != 200 || !strings.Contains(string(body), `"path":"/api/v2/users/`+url.PathEscape(id)+`"`) {
		t.Errorf("logs after delete: %d %s", status, body)
	}
	if b.srv.Count("users") != 1 {
		t.Errorf("%d users left, want 1", b.srv.Count("users"))
	}
}
