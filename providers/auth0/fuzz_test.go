package auth0

import (
	"net/http"
	"testing"
	"time"
)

// FuzzClassify feeds arbitrary error bodies and reset headers to the classifier: it must always give
// a kind and never panic.
func FuzzClassify(f *testing.F) {
	f.Add(429, `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached"}`, "1700000007")
	f.Add(404, `{"statusCode":404`, "")
	f.Fuzz(func(t *testing.T, status int, body, reset string) {
		if status < 100 || status > 999 {
			return
		}
		e := classify(status, http.Header{"X-Ratelimit-Reset": {reset}}, []byte(body), time.Unix(1_700_000_000, 0))
		if e == nil || e.Kind == "" || e.RetryAfter < 0 {
			t.Fatalf("classify(%d, %q, %q) = %+v", status, body, reset, e)
		}
	})
}

// FuzzDeletedUser parses arbitrary log request paths.
func FuzzDeletedUser(f *testing.F) {
	f.Add("delete", "/api/v2/users/auth0%7C1")
	f.Add("DELETE", "/api/v2/users/%zz")
	f.Fuzz(func(t *testing.T, method, path string) {
		var l logEntry
		l.Type, l.Details.Request.Method, l.Details.Request.Path = "sapi", method, path
		if id, ok := l.deletedUser(); ok && id == "" {
			t.Fatalf("deletedUser(%q, %q) accepted an empty id", method, path)
		}
	})
}
