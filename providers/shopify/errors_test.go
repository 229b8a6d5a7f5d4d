package shopify

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		kind       providers.ErrorKind
		code       string
		message    string
		retryAfter time.Duration
	}{
		{"throttled", 429, http.Header{"Retry-After": {"2.0"}},
			`{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`,
			providers.ErrRateLimited, "throttled", "Exceeded 2 calls per second", 2 * time.Second},
		{"throttled without Retry-After", 429, nil, `{"errors":"Exceeded"}`, providers.ErrRateLimited, "throttled", "Exceeded", defaultRetryAfter},
		{"throttled, longer wait", 429, http.Header{"Retry-After": {"7.5"}}, `{"errors":"x"}`, providers.ErrRateLimited, "throttled", "x", 7500 * time.Millisecond},
		{"bad token", 401, nil, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`,
			providers.ErrUnauthorized, "", "Invalid API key or access token", 0},
		{"missing scope", 403, nil, `{"errors":"[API] This action requires merchant approval for read_orders scope."}`,
			providers.ErrUnauthorized, "", "read_orders scope", 0},
		{"payment required", 402, nil, `{"errors":"Unavailable Shop"}`, providers.ErrUnauthorized, "shop_unavailable", "Unavailable Shop", 0},
		{"locked", 423, nil, `{"errors":"This shop is unavailable"}`, providers.ErrUnauthorized, "shop_locked", "unavailable", 0},
		{"not found", 404, nil, `{"errors":"Not Found"}`, providers.ErrNotFound, "", "Not Found", 0},
		{"unprocessable, field errors", 422, nil, `{"errors":{"title":["can't be blank"],"email":["has already been taken","is invalid"]}}`,
			providers.ErrInvalidRequest, "", "email: has already been taken, is invalid; title: can't be blank", 0},
		{"base error", 422, nil, `{"errors":{"base":["Cannot delete a paid order"]}}`, providers.ErrInvalidRequest, "", "Cannot delete a paid order", 0},
		{"bad page_info", 400, nil, `{"errors":{"page_info":"Invalid value."}}`, providers.ErrInvalidRequest, "", "page_info: Invalid value.", 0},
		{"oauth error", 400, nil, `{"error":"invalid_request","error_description":"The authorization code was not found"}`,
			providers.ErrInvalidRequest, "", "invalid_request: The authorization code was not found", 0},
		{"security rejection", 430, nil, `{"errors":"Security Rejection"}`, providers.ErrRetryable, "", "Security Rejection", 0},
		{"server error", 503, nil, `<html><body>Service unavailable</body></html>`, providers.ErrRetryable, "", "<html>", 0},
		{"empty body", 500, nil, ``, providers.ErrRetryable, "", "Internal Server Error", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := classify(tc.status, tc.header, []byte(tc.body), now)
			if e.Kind != tc.kind || e.Code != tc.code || e.Status != tc.status || e.RetryAfter != tc.retryAfter {
				t.Errorf("classify = {Kind %s, Code %q, Status %d, RetryAfter %s}, want {%s, %q, %d, %s}",
					e.Kind, e.Code, e.Status, e.RetryAfter, tc.kind, tc.code, tc.status, tc.retryAfter)
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("message %q does not contain %q", e.Message, tc.message)
			}
		})
	}
}

func TestClassifyRedactsTokens(t *testing.T) {
	t.Parallel()
	e := classify(401, nil, []byte(`{"errors":"token shpat_0123456789abcdef0123456789abcdef is revoked"}`), time.Now())
	if strings.Contains(e.Message, "0123456789abcdef") || !strings.Contains(e.Message, "shpat_***") {
		t.Errorf("message %q leaks the token", e.Message)
	}
}

func TestClassifyClipsLongBodies(t *testing.T) {
	t.Parallel()
	e := classify(502, nil, []byte(strings.Repeat("x", 5000)), time.Now())
	if len(e.Message) > 310 {
		t.Errorf("message of %d bytes", len(e.Message))
	}
}
