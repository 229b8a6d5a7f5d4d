package airtable

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
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		code   string
		wait   time.Duration
		msg    string
	}{
		{"rate limit", 429, nil, `{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}`, providers.ErrRateLimited, "RATE_LIMIT_REACHED", 30 * time.Second, "Rate limit exceeded"},
		{"rate limit with Retry-After", 429, http.Header{"Retry-After": {"3"}}, `{"errors":[{"error":"RATE_LIMIT_REACHED","message":"x"}]}`, providers.ErrRateLimited, "RATE_LIMIT_REACHED", 3 * time.Second, ""},
		{"authentication", 401, nil, `{"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}}`, providers.ErrUnauthorized, "AUTHENTICATION_REQUIRED", 0, "Authentication required"},
		{"permissions", 403, nil, `{"error":{"type":"INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND","message":"Invalid permissions, or the requested model was not found."}}`, providers.ErrUnauthorized, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", 0, "Invalid permissions"},
		{"not found, bare", 404, nil, `{"error":"NOT_FOUND"}`, providers.ErrNotFound, "NOT_FOUND", 0, "not found"},
		{"row missing", 422, nil, `{"error":{"type":"ROW_DOES_NOT_EXIST","message":"Record ID recX does not exist in this table"}}`, providers.ErrNotFound, "ROW_DOES_NOT_EXIST", 0, "does not exist"},
		{"unknown field", 422, nil, `{"error":{"type":"UNKNOWN_FIELD_NAME","message":"Unknown field name: \"Colour\""}}`, providers.ErrInvalidRequest, "UNKNOWN_FIELD_NAME", 0, "Colour"},
		{"iterator", 422, nil, `{"error":{"type":"LIST_RECORDS_ITERATOR_NOT_AVAILABLE","message":"LIST_RECORDS_ITERATOR_NOT_AVAILABLE"}}`, providers.ErrInvalidRequest, errIteratorGone, 0, ""},
		{"too large", 413, nil, `{"error":{"type":"REQUEST_TOO_LARGE","message":"Request body is too large"}}`, providers.ErrInvalidRequest, "REQUEST_TOO_LARGE", 0, ""},
		{"server", 502, nil, `<html>Bad gateway</html>`, providers.ErrRetryable, "", 0, "Bad gateway"},
		{"unavailable", 503, nil, ``, providers.ErrRetryable, "", 0, "Service Unavailable"},
	}
	for _, c := range cases {
		e := classify(c.status, c.header, []byte(c.body), now)
		if e.Kind != c.kind || e.Code != c.code || e.RetryAfter != c.wait || e.Status != c.status {
			t.Errorf("%s: got %s %q (wait %s), want %s %q (wait %s)", c.name, e.Kind, e.Code, e.RetryAfter, c.kind, c.code, c.wait)
		}
		if !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: message %q does not say %q", c.name, e.Message, c.msg)
		}
	}
}

func TestClassifyRedactsTokens(t *testing.T) {
	t.Parallel()
	e := classify(401, nil, []byte(`{"error":{"type":"AUTHENTICATION_REQUIRED","message":"token patAbCdEfGhIjKlMn.0123456789abcdef is invalid"}}`), time.Now())
	if strings.Contains(e.Message, "AbCdEf") || !strings.Contains(e.Message, "pat***") {
		t.Errorf("message %q carries the token", e.Message)
	}
}
