package github

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	primary := `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`
	secondary := `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com"}`
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		wait   time.Duration
		msg    string
	}{
		{"primary limit, 403", 403, hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000090"), primary, providers.ErrRateLimited, 90 * time.Second, "API rate limit exceeded"},
		{"primary limit, 429", 429, hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000030"), primary, providers.ErrRateLimited, 30 * time.Second, ""},
		{"primary limit at its reset second", 403, hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000000"), primary, providers.ErrRateLimited, time.Second, ""},
		{"secondary limit with Retry-After", 403, hdr("Retry-After", "17", "X-RateLimit-Remaining", "4000"), secondary, providers.ErrRateLimited, 17 * time.Second, "secondary rate limit"},
		{"secondary limit without headers", 403, nil, secondary, providers.ErrRateLimited, time.Minute, ""},
		{"secondary limit, 429", 429, nil, secondary, providers.ErrRateLimited, time.Minute, ""},
		{"reset measured on GitHub's clock when ours is off", 403,
			hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000100", "Date", now.Add(-time.Hour).UTC().Format(http.TimeFormat)),
			primary, providers.ErrRateLimited, time.Hour + 100*time.Second, ""},
		{"permission", 403, hdr("X-RateLimit-Remaining", "4999"), `{"message":"Resource not accessible by personal access token"}`, providers.ErrUnauthorized, 0, "Resource not accessible"},
		{"SAML", 403, nil, `{"message":"Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."}`, providers.ErrUnauthorized, 0, "SAML"},
		{"bad credentials", 401, nil, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, providers.ErrUnauthorized, 0, "Bad credentials"},
		{"not found", 404, nil, `{"message":"Not Found"}`, providers.ErrNotFound, 0, "Not Found"},
		{"issues disabled", 410, nil, `{"message":"Issues are disabled for this repo"}`, providers.ErrNotFound, 0, ""},
		{"empty repository", 409, nil, `{"message":"Git Repository is empty."}`, providers.ErrInvalidRequest, 0, "empty"},
		{"validation", 422, nil, `{"message":"Validation Failed","errors":[{"resource":"Issue","field":"title","code":"missing_field"}]}`, providers.ErrInvalidRequest, 0, "Issue.title missing_field"},
		{"server error", 502, nil, `<html>bad gateway</html>`, providers.ErrRetryable, 0, "bad gateway"},
		{"empty body", 503, nil, ``, providers.ErrRetryable, 0, "Service Unavailable"},
	}
	for _, c := range cases {
		e := classify(c.status, c.header, []byte(c.body), now)
		if e.Kind != c.kind || e.RetryAfter != c.wait || e.Status != c.status {
			t.Errorf("%s: got %s (status %d, wait %s), want %s (wait %s)", c.name, e.Kind, e.Status, e.RetryAfter, c.kind, c.wait)
		}
		if !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: message %q does not say %q", c.name, e.Message, c.msg)
		}
	}
	if e := classify(422, nil, []byte(`{"message":"Validation Failed","errors":[{"code":"custom","message":"name already exists"}]}`), now); e.Code != "custom" {
		t.Errorf("the first error code is not kept: %+v", e)
	}
}

func TestClassifyRedactsTokens(t *testing.T) {
	t.Parallel()
	body := `{"message":"token ghp_abcdefghijklmnopqrstuvwxyz0123456789 and github_pat_11ABCDEFG0123456789_abcdefghij are not allowed"}`
	e := classify(401, nil, []byte(body), time.Now())
	if strings.Contains(e.Message, "abcdefghij") {
		t.Errorf("the message carries a token: %q", e.Message)
	}
	if !strings.Contains(e.Message, "ghp_***") || !strings.Contains(e.Message, "github_pat_***") {
		t.Errorf("the message does not say which kind of token: %q", e.Message)
	}
}
