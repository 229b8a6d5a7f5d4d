package workday

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassifyError(t *testing.T) {
	t.Parallel()
	p := &Provider{}
	cases := []struct {
		name    string
		status  int
		header  http.Header
		body    string
		kind    providers.ErrorKind
		code    string
		message string
		retry   time.Duration
	}{
		{name: "invalid token", status: 401, body: `{"error":"invalid_token","error_description":"Invalid access token"}`,
			kind: providers.ErrUnauthorized, code: "invalid_token", message: "Invalid access token"},
		{name: "forbidden", status: 403, body: `{"error":"The task submitted is not authorized."}`,
			kind: providers.ErrUnauthorized, message: "The task submitted is not authorized."},
		{name: "validation", status: 400, body: `{"error":"invalid request: limit","errors":[{"error":"The limit must be between 1 and 100.","field":"limit","location":"query"}]}`,
			kind: providers.ErrInvalidRequest, message: "invalid request: limit: limit: The limit must be between 1 and 100."},
		{name: "not found", status: 404, body: `{"error":"Resource not found","errors":[{"error":"Invalid ID value."}]}`,
			kind: providers.ErrNotFound, message: "Resource not found: Invalid ID value."},
		{name: "throttled", status: 429, header: http.Header{"Retry-After": {"7"}}, body: `{"error":"Too many requests"}`,
			kind: providers.ErrRateLimited, message: "Too many requests", retry: 7 * time.Second},
		{name: "outage page", status: 503, body: `<html><body>Workday is down for maintenance</body></html>`,
			kind: providers.ErrRetryable, message: "Service Unavailable"},
		{name: "plain text", status: 500, body: "internal failure", kind: providers.ErrRetryable, message: "internal failure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.header
			if h == nil {
				h = http.Header{}
			}
			e := p.ClassifyError(c.status, h, []byte(c.body))
			if e.Kind != c.kind || e.Code != c.code || e.Message != c.message || e.RetryAfter != c.retry {
				t.Errorf("ClassifyError = {%s %q %q %s}, want {%s %q %q %s}", e.Kind, e.Code, e.Message, e.RetryAfter, c.kind, c.code, c.message, c.retry)
			}
		})
	}
}

func TestClassifyErrorClipsLongBodies(t *testing.T) {
	t.Parallel()
	e := (&Provider{}).ClassifyError(400, http.Header{}, []byte(`{"error":"`+strings.Repeat("x", 5000)+`"}`))
	if len(e.Message) > 210 {
		t.Errorf("message of %d bytes, want it clipped", len(e.Message))
	}
}
