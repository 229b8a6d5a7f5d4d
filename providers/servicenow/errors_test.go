package servicenow

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		msg    string
		wait   time.Duration
	}{
		{"login", 401, nil, `{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}`,
			providers.ErrUnauthorized, "User Not Authenticated: Required to provide Auth information", 0},
		{"acl", 403, nil, `{"error":{"message":"Operation Failed","detail":"ACL Exception Update Failed due to security constraints"},"status":"failure"}`,
			providers.ErrUnauthorized, "Operation Failed: ACL Exception Update Failed due to security constraints", 0},
		{"missing", 404, nil, `{"error":{"message":"No Record found","detail":"Record doesn't exist or ACL restricts the record retrieval"},"status":"failure"}`,
			providers.ErrNotFound, "No Record found: Record doesn't exist or ACL restricts the record retrieval", 0},
		{"bad table", 400, nil, `{"error":{"message":"Invalid table incidnet","detail":null},"status":"failure"}`,
			providers.ErrInvalidRequest, "Invalid table incidnet", 0},
		{"retry after", 429, http.Header{"Retry-After": {"7"}}, `{"error":{"message":"Rate limit exceeded"},"status":"failure"}`,
			providers.ErrRateLimited, "Rate limit exceeded", 7 * time.Second},
		{"reset only", 429, http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+42, 10)}}, `{"error":{"message":"Rate limit exceeded"},"status":"failure"}`,
			providers.ErrRateLimited, "Rate limit exceeded", 42 * time.Second},
		{"html outage", 503, nil, `<html><body>Instance hibernating</body></html>`, providers.ErrRetryable, "Service Unavailable", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.header
			if h == nil {
				h = http.Header{}
			}
			e := classify(c.status, h, []byte(c.body), now)
			if e.Kind != c.kind || e.Message != c.msg || e.RetryAfter != c.wait {
				t.Errorf("classify = {%s %q %s}, want {%s %q %s}", e.Kind, e.Message, e.RetryAfter, c.kind, c.msg, c.wait)
			}
		})
	}
}
