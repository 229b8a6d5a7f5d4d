package netsuite

import (
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassifyError(t *testing.T) {
	p := &Provider{}
	cases := []struct {
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		code   string
		wait   time.Duration
	}{
		{401, nil, `{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2","title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt.","o:errorCode":"INVALID_LOGIN"}]}`, providers.ErrUnauthorized, "INVALID_LOGIN", 0},
		{400, nil, `{"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Permission Violation","o:errorCode":"INSUFFICIENT_PERMISSION"}]}`, providers.ErrUnauthorized, "INSUFFICIENT_PERMISSION", 0},
		{404, nil, `{"title":"Not Found","status":404,"o:errorDetails":[{"detail":"The record instance does not exist.","o:errorCode":"NONEXISTENT_ID"}]}`, providers.ErrNotFound, "NONEXISTENT_ID", 0},
		{429, http.Header{"Retry-After": {"3"}}, `{"title":"Too Many Requests","status":429,"o:errorDetails":[{"detail":"Concurrent request limit exceeded.","o:errorCode":"CONCURRENCY_LIMIT_EXCEEDED"}]}`, providers.ErrRateLimited, "CONCURRENCY_LIMIT_EXCEEDED", 3 * time.Second},
		{400, nil, `{"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Invalid search query.","o:errorCode":"INVALID_PARAMETER"}]}`, providers.ErrInvalidRequest, "INVALID_PARAMETER", 0},
		{502, nil, `<html>bad gateway</html>`, providers.ErrRetryable, "", 0},
	}
	for _, c := range cases {
		h := c.header
		if h == nil {
			h = http.Header{}
		}
		e := p.ClassifyError(c.status, h, []byte(c.body))
		if e.Kind != c.kind || e.Code != c.code || e.RetryAfter != c.wait || e.Message == "" {
			t.Errorf("ClassifyError(%d, %s) = %+v, want kind %s code %q wait %s", c.status, c.body, e, c.kind, c.code, c.wait)
		}
	}
}
