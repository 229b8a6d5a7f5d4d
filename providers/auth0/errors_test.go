package auth0

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/sequinsync/sequin/providers"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		code   string
		msg    string
		wait   time.Duration
	}{
		{"missing user", 404, nil, `{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`, providers.ErrNotFound, "inexistent_user", "The user does not exist.", 0},
		{"bad token", 401, nil, `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`, providers.ErrUnauthorized, "", "Invalid token", 0},
		{"missing scope", 403, nil, `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users","errorCode":"insufficient_scope"}`, providers.ErrUnauthorized, "insufficient_scope", "Insufficient scope, expected any of: read:users", 0},
		{"exists", 409, nil, `{"statusCode":409,"error":"Conflict","message":"The user already exists.","errorCode":"auth0_idp_error"}`, providers.ErrInvalidRequest, "auth0_idp_error", "The user already exists.", 0},
		{"rate limited", 429, http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+7, 10)}}, `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`, providers.ErrRateLimited, "too_many_requests", "Global limit has been reached", 7 * time.Second},
		{"retry-after wins", 429, http.Header{"Retry-After": {"3"}, "X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+7, 10)}}, `{}`, providers.ErrRateLimited, "", "Too Many Requests", 3 * time.Second},
		{"paging window", 400, nil, `{"statusCode":400,"error":"Bad Request","message":"You can only page through the first 1000 records.","errorCode":"invalid_paging"}`, providers.ErrInvalidRequest, "invalid_paging", "You can only page through the first 1000 records.", 0},
		{"gateway html", 502, nil, `<html>bad gateway</html>`, providers.ErrRetryable, "", "<html>bad gateway</html>", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := classify(c.status, c.header, []byte(c.body), now)
			if e.Kind != c.kind || e.Code != c.code || e.Message != c.msg || e.RetryAfter != c.wait || e.Status != c.status {
				t.Errorf("classify = %+v, want kind %s code %q message %q wait %s", e, c.kind, c.code, c.msg, c.wait)
			}
		})
	}
}

func TestClassifyTokenError(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	resp := func(status int, h http.Header) *http.Response { return &http.Response{StatusCode: status, Header: h} }
	cases := []struct {
		name string
		err  error
		kind providers.ErrorKind
	}{
		{"refused", &oauth2.RetrieveError{Response: resp(401, http.Header{}), ErrorCode: "access_denied", ErrorDescription: "Unauthorized"}, providers.ErrUnauthorized},
		{"wrong audience", &oauth2.RetrieveError{Response: resp(403, http.Header{}), ErrorCode: "access_denied"}, providers.ErrUnauthorized},
		{"limited", &oauth2.RetrieveError{Response: resp(429, http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+2, 10)}})}, providers.ErrRateLimited},
		{"down", &oauth2.RetrieveError{Response: resp(503, http.Header{})}, providers.ErrRetryable},
		{"garbage", errors.New("oauth2: cannot parse json: unexpected end of JSON input"), providers.ErrMalformed},
	}
	for _, c := range cases {
		err := classifyTokenError(t.Context(), c.err, now)
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != c.kind {
			t.Errorf("%s: %v, want kind %s", c.name, err, c.kind)
		}
	}
	err := classifyTokenError(t.Context(), &oauth2.RetrieveError{Response: resp(429, http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+2, 10)}})}, now)
	if d, _ := providers.RetryAfter(err); d != 2*time.Second {
		t.Errorf("token 429 waits %s, want 2s", d)
	}
}

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"acme.us.auth0.com": "acme.us.auth0.com", "https://Acme.EU.auth0.com/": "acme.eu.auth0.com", "login.acme.com": "login.acme.com",
	} {
		if got, err := normalizeDomain(in); err != nil || got != want {
			t.Errorf("normalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "acme", "acme.auth0.com/api", "ac me.auth0.com"} {
		if _, err := normalizeDomain(bad); err == nil {
			t.Errorf("normalizeDomain(%q) accepted", bad)
		}
	}
}

func TestAuthenticateValidates(t *testing.T) {
	t.Parallel()
	p := New()
	good := map[string]any{"domain": "acme.us.auth0.com", "client_id": "id", "client_secret": "secret"}
	if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: KindClientCredentials, Properties: good}, nil, nil); err != nil {
		t.Fatalf("valid credential refused: %v", err)
	}
	for _, missing := range []string{"domain", "client_id", "client_secret"} {
		props := map[string]any{}
		for k, v := range good {
			if k != missing {
				props[k] = v
			}
		}
		if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: KindClientCredentials, Properties: props}, nil, nil); err == nil {
			t.Errorf("a credential without %s was accepted", missing)
		}
	}
	if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: "auth0_password", Properties: good}, nil, nil); err == nil {
		t.Error("an unknown kind was accepted")
	}
}
