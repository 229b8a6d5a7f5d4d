package linear

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassifyError(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(1_700_000_000_000)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).UnixMilli(), 10) }
	const (
		ratelimited = `{"errors":[{"message":"Rate limit exceeded","extensions":{"type":"ratelimited","code":"RATELIMITED","statusCode":400,"userError":true,"userPresentableMessage":"You have exceeded the request limit."}}]}`
		auth        = `{"errors":[{"message":"Authentication required, not authenticated","extensions":{"type":"authentication error","code":"AUTHENTICATION_ERROR","statusCode":401,"userPresentableMessage":"You need to authenticate to access this operation."}}]}`
		notFound    = `{"errors":[{"message":"Entity not found: Issue","path":["issue"],"extensions":{"type":"invalid input","code":"INPUT_ERROR","statusCode":400,"userError":true,"userPresentableMessage":"Could not find referenced Issue."}}],"data":null}`
	)
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		code   string
		wait   time.Duration
	}{
		{"requests exhausted", 400, h("X-RateLimit-Requests-Remaining", "0", "X-RateLimit-Requests-Reset", ms(42*time.Second),
			"X-RateLimit-Complexity-Remaining", "90000", "X-RateLimit-Complexity-Reset", ms(time.Hour)), ratelimited, providers.ErrRateLimited, "RATELIMITED", 42 * time.Second},
		{"complexity exhausted", 400, h("X-RateLimit-Requests-Remaining", "100", "X-RateLimit-Requests-Reset", ms(time.Minute),
			"X-Complexity", "600", "X-RateLimit-Complexity-Remaining", "250", "X-RateLimit-Complexity-Reset", ms(17*time.Second)), ratelimited, providers.ErrRateLimited, "RATELIMITED", 17 * time.Second},
		{"endpoint exhausted", 400, h("X-RateLimit-Endpoint-Requests-Remaining", "0", "X-RateLimit-Endpoint-Requests-Reset", ms(3*time.Second),
			"X-RateLimit-Endpoint-Name", "issueCreate"), ratelimited, providers.ErrRateLimited, "RATELIMITED", 3 * time.Second},
		{"retry-after wins", 400, h("Retry-After", "7", "X-RateLimit-Requests-Remaining", "0", "X-RateLimit-Requests-Reset", ms(time.Minute)), ratelimited, providers.ErrRateLimited, "RATELIMITED", 7 * time.Second},
		{"reset already past", 400, h("X-RateLimit-Requests-Remaining", "0", "X-RateLimit-Requests-Reset", ms(-time.Second)), ratelimited, providers.ErrRateLimited, "RATELIMITED", 0},
		{"no exhausted budget named", 400, h("X-RateLimit-Requests-Reset", ms(5*time.Second), "X-RateLimit-Complexity-Reset", ms(9*time.Second)), ratelimited, providers.ErrRateLimited, "RATELIMITED", 9 * time.Second},
		{"no headers", 400, nil, ratelimited, providers.ErrRateLimited, "RATELIMITED", defaultRateLimitWait},
		{"reset capped", 400, h("X-RateLimit-Requests-Remaining", "0", "X-RateLimit-Requests-Reset", ms(48*time.Hour)), ratelimited, providers.ErrRateLimited, "RATELIMITED", time.Hour},
		{"429 by type", 429, h("Retry-After", "2"), `{"errors":[{"message":"slow down","extensions":{"type":"ratelimited"}}]}`, providers.ErrRateLimited, "RATELIMITED", 2 * time.Second},
		{"authentication", 401, nil, auth, providers.ErrUnauthorized, "AUTHENTICATION_ERROR", 0},
		{"authentication on 400", 400, nil, auth, providers.ErrUnauthorized, "AUTHENTICATION_ERROR", 0},
		{"missing scope", 400, nil, `{"errors":[{"message":"Invalid scope: 'write' required","extensions":{"type":"forbidden","code":"FORBIDDEN","statusCode":403}}]}`, providers.ErrUnauthorized, "FORBIDDEN", 0},
		{"plan lacks feature", 400, nil, `{"errors":[{"message":"Feature not accessible","extensions":{"type":"feature not accessible","code":"FEATURE_NOT_ACCESSIBLE"}}]}`, providers.ErrUnauthorized, "FEATURE_NOT_ACCESSIBLE", 0},
		{"entity not found", 200, nil, notFound, providers.ErrNotFound, "INPUT_ERROR", 0},
		{"invalid input", 400, nil, `{"errors":[{"message":"Argument Validation Error - priority","extensions":{"type":"invalid input","code":"INPUT_ERROR"}}]}`, providers.ErrInvalidRequest, "INPUT_ERROR", 0},
		{"validation", 400, nil, `{"errors":[{"message":"Cannot query field \"x\" on type \"Issue\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`, providers.ErrInvalidRequest, "GRAPHQL_VALIDATION_FAILED", 0},
		{"internal", 500, nil, `{"errors":[{"message":"Internal server error","extensions":{"type":"internal error","code":"INTERNAL_SERVER_ERROR"}}]}`, providers.ErrRetryable, "INTERNAL_SERVER_ERROR", 0},
		{"lock timeout on 200", 200, nil, `{"errors":[{"message":"Lock timeout","extensions":{"type":"lock timeout"}}]}`, providers.ErrRetryable, "LOCK_TIMEOUT", 0},
		{"bad gateway page", 502, nil, `<html>bad gateway</html>`, providers.ErrRetryable, "", 0},
		{"wrong url", 404, nil, `Cannot POST /graphq`, providers.ErrInvalidRequest, "", 0},
		{"answer without data", 200, nil, `{"hello":"world"}`, providers.ErrMalformed, "", 0},
	} {
		e := classify(tc.status, tc.header, []byte(tc.body), now)
		if e.Kind != tc.kind || e.Code != tc.code || e.RetryAfter != tc.wait {
			t.Errorf("%s: got {%s %s %s}, want {%s %s %s}", tc.name, e.Kind, e.Code, e.RetryAfter, tc.kind, tc.code, tc.wait)
		}
		if e.Message == "" {
			t.Errorf("%s: no message", tc.name)
		}
	}
}

func TestClassifyErrorRedacts(t *testing.T) {
	t.Parallel()
	body := `{"errors":[{"message":"key lin_api_abcdef0123456789 and Bearer lin_oauth_0123456789abcdef0123 refused","extensions":{"code":"AUTHENTICATION_ERROR"}}]}`
	e := classify(401, nil, []byte(body), time.Now())
	for _, secret := range []string{"abcdef0123456789", "0123456789abcdef0123"} {
		if strings.Contains(e.Error(), secret) {
			t.Errorf("%q leaks %s", e.Error(), secret)
		}
	}
	if !strings.Contains(e.Error(), "lin_api_***") || !strings.Contains(e.Error(), "Bearer ***") {
		t.Errorf("redacted message %q lost its shape", e.Error())
	}
}
