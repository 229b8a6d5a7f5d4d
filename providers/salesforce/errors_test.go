package salesforce

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
		{"session expired", 401, nil, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`,
			providers.ErrUnauthorized, "INVALID_SESSION_ID", "INVALID_SESSION_ID: Session expired or invalid", 0},
		{"daily limit", 403, nil, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`,
			providers.ErrRateLimited, "REQUEST_LIMIT_EXCEEDED", "TotalRequests", dailyLimitRetry},
		{"concurrent limit", 403, nil, `[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`,
			providers.ErrRateLimited, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn", concurrentLimitRetry},
		{"limit with Retry-After", 403, http.Header{"Retry-After": {"0.25"}}, `[{"message":"x","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`,
			providers.ErrRateLimited, "REQUEST_LIMIT_EXCEEDED", "x", 250 * time.Millisecond},
		{"429", 429, http.Header{"Retry-After": {"3"}}, `<html>slow down</html>`, providers.ErrRateLimited, "", "slow down", 3 * time.Second},
		{"api disabled", 403, nil, `[{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}]`,
			providers.ErrUnauthorized, "API_DISABLED_FOR_ORG", "not enabled", 0},
		{"forbidden", 403, nil, `[{"message":"no","errorCode":"INSUFFICIENT_ACCESS_OR_READONLY"}]`, providers.ErrUnauthorized, "INSUFFICIENT_ACCESS_OR_READONLY", "no", 0},
		{"not found", 404, nil, `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`, providers.ErrNotFound, "NOT_FOUND", "does not exist", 0},
		{"deleted", 404, nil, `[{"errorCode":"ENTITY_IS_DELETED","message":"entity is deleted","fields":[]}]`, providers.ErrNotFound, "ENTITY_IS_DELETED", "entity is deleted", 0},
		{"required field", 400, nil, `[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]}]`,
			providers.ErrInvalidRequest, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name] (fields: Name)", 0},
		{"two errors", 400, nil, `[{"message":"a","errorCode":"STRING_TOO_LONG"},{"message":"b","errorCode":"INVALID_FIELD"}]`,
			providers.ErrInvalidRequest, "STRING_TOO_LONG", "STRING_TOO_LONG: a; INVALID_FIELD: b", 0},
		{"row lock", 400, nil, `[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]`,
			providers.ErrRetryable, "UNABLE_TO_LOCK_ROW", "exclusive access", 0},
		{"query locator", 400, nil, `[{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}]`,
			providers.ErrInvalidRequest, "INVALID_QUERY_LOCATOR", "invalid query locator", 0},
		{"server", 500, nil, `[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]`, providers.ErrRetryable, "UNKNOWN_EXCEPTION", "unexpected", 0},
		{"unavailable", 503, nil, ``, providers.ErrRetryable, "", "Service Unavailable", 0},
		{"oauth refused", 400, nil, `{"error":"invalid_grant","error_description":"expired access/refresh token"}`,
			providers.ErrUnauthorized, "invalid_grant", "invalid_grant: expired access/refresh token", 0},
		{"multiple matches", 300, nil, `["/services/data/v60.0/sobjects/Account/001","/services/data/v60.0/sobjects/Account/002"]`,
			providers.ErrInvalidRequest, "", "/sobjects/Account/001", 0},
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

func TestRedact(t *testing.T) {
	t.Parallel()
	token := "00D5g000004ABCD!AQ4AQFq.secret_part"
	e := classify(401, nil, []byte(`[{"errorCode":"INVALID_SESSION_ID","message":"session `+token+` expired"}]`), time.Now())
	if strings.Contains(e.Message, "secret_part") || !strings.Contains(e.Message, "00D5g000004ABCD!***") {
		t.Errorf("message %q leaks the session", e.Message)
	}
}

func TestIsLocatorError(t *testing.T) {
	t.Parallel()
	if !isLocatorError(classify(400, nil, []byte(`[{"errorCode":"INVALID_QUERY_LOCATOR","message":"invalid query locator"}]`), time.Now())) {
		t.Error("INVALID_QUERY_LOCATOR not recognised")
	}
	if isLocatorError(classify(400, nil, []byte(`[{"errorCode":"MALFORMED_QUERY","message":"x"}]`), time.Now())) || isLocatorError(nil) {
		t.Error("another error taken for an expired locator")
	}
}
