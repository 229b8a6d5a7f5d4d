package hubspot

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassifyError(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 23, 0, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		code   string
		retry  time.Duration
	}{
		{"invalid token", 401, nil, `{"status":"error","message":"Authentication credentials not found.","correlationId":"c1","category":"INVALID_AUTHENTICATION"}`,
			providers.ErrUnauthorized, "INVALID_AUTHENTICATION", 0},
		{"expired token", 401, nil, `{"status":"error","message":"The OAuth token used to make this call expired 2 hour(s) ago.","correlationId":"c","category":"EXPIRED_AUTHENTICATION"}`,
			providers.ErrUnauthorized, "EXPIRED_AUTHENTICATION", 0},
		{"missing scopes", 403, nil, `{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","correlationId":"c","category":"MISSING_SCOPES","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["crm.objects.contacts.read"]}}]}`,
			providers.ErrUnauthorized, "MISSING_SCOPES", 0},
		{"refresh token refused", 400, nil, `{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token","correlationId":"c"}`,
			providers.ErrUnauthorized, "BAD_REFRESH_TOKEN", 0},
		{"not found", 404, nil, `{"status":"error","message":"resource not found","correlationId":"c","category":"OBJECT_NOT_FOUND"}`,
			providers.ErrNotFound, "OBJECT_NOT_FOUND", 0},
		{"conflict", 409, nil, `{"status":"error","message":"Contact already exists. Existing ID: 51","correlationId":"c","category":"CONFLICT"}`,
			providers.ErrInvalidRequest, "CONFLICT", 0},
		{"validation", 400, nil, `{"status":"error","message":"Property values were not valid","correlationId":"c","category":"VALIDATION_ERROR"}`,
			providers.ErrInvalidRequest, "VALIDATION_ERROR", 0},
		{"locked", 423, nil, `{"status":"error","message":"locked","correlationId":"c","category":"LOCKED"}`,
			providers.ErrRetryable, "LOCKED", 0},
		{"internal", 500, nil, `{"status":"error","message":"internal error","correlationId":"c","category":"INTERNAL_ERROR"}`,
			providers.ErrRetryable, "INTERNAL_ERROR", 0},
		{"gateway page", 502, nil, `<html><body>Bad Gateway</body></html>`, providers.ErrRetryable, "", 0},
		{"retry after", 429, h("Retry-After", "3"), `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"TEN_SECONDLY_ROLLING"}`,
			providers.ErrRateLimited, "RATE_LIMIT", 3 * time.Second},
		{"ten-second window", 429, h("X-HubSpot-RateLimit-Interval-Milliseconds", "10000", "X-HubSpot-RateLimit-Remaining", "0"), `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"TEN_SECONDLY_ROLLING"}`,
			providers.ErrRateLimited, "RATE_LIMIT", 10 * time.Second},
		{"search limit", 429, nil, `{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"SECONDLY"}`,
			providers.ErrRateLimited, "RATE_LIMIT", time.Second},
		{"daily limit", 429, nil, `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"DAILY"}`,
			providers.ErrRateLimited, "RATE_LIMIT", time.Hour},
		{"429 without body", 429, h("X-HubSpot-RateLimit-Interval-Milliseconds", "500"), ``, providers.ErrRateLimited, "", 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := classify(tc.status, tc.header, []byte(tc.body), now)
			if e.Kind != tc.kind || e.Code != tc.code || e.RetryAfter != tc.retry {
				t.Errorf("classify = {Kind %s, Code %q, RetryAfter %s}, want {%s, %q, %s}", e.Kind, e.Code, e.RetryAfter, tc.kind, tc.code, tc.retry)
			}
			if e.Message == "" || e.Message == http.StatusText(tc.status) && tc.body != "" {
				t.Errorf("message %q does not carry the API's", e.Message)
			}
		})
	}
}

func TestClassifyErrorKeepsCorrelationAndRedacts(t *testing.T) {
	t.Parallel()
	e := classify(401, nil, []byte(`{"status":"error","message":"Token pat-na1-11111111-2222-3333-4444-555555555555 is invalid; sent Bearer CNbq8bLxLhICAQEYy4z5AiDH","correlationId":"abc-123","category":"INVALID_AUTHENTICATION"}`), time.Now())
	if strings.Contains(e.Error(), "11111111-2222") || strings.Contains(e.Error(), "CNbq8bLxLhICAQEY") {
		t.Errorf("error %q carries a token", e)
	}
	if !strings.Contains(e.Error(), "abc-123") {
		t.Errorf("error %q lacks the correlation id", e)
	}
}
