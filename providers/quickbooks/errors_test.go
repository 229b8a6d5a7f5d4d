package quickbooks

import (
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		code   string
	}{
		{"not found", 400, nil, `{"Fault":{"Error":[{"Message":"Object Not Found","Detail":"Object Not Found : Something you're trying to use has been made inactive.","code":"610","element":""}],"type":"ValidationFault"},"time":"2024-01-02T03:04:05.000-08:00"}`, providers.ErrNotFound, "610"},
		{"stale", 400, nil, `{"Fault":{"Error":[{"Message":"Stale Object Error","Detail":"Stale Object Error : You and another user were working on the same thing.","code":"5010"}],"type":"ValidationFault"}}`, providers.ErrInvalidRequest, "5010"},
		{"expired token", 401, nil, `{"warnings":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: AB11...","code":"3200"}],"type":"AUTHENTICATION"},"time":"2024-01-02T03:04:05.000-08:00"}`, providers.ErrUnauthorized, "3200"},
		{"throttled", 429, http.Header{"Retry-After": {"4"}}, `{"Fault":{"Error":[{"Message":"message=ThrottleExceeded; errorCode=003001; statusCode=429","Detail":"The request exceeded the maximum number of requests allowed.","code":"003001"}],"type":"THROTTLING"}}`, providers.ErrRateLimited, "003001"},
		{"system", 500, nil, `{"Fault":{"Error":[{"Message":"An application error has occurred","code":"10000"}],"type":"SystemFault"}}`, providers.ErrRetryable, "10000"},
		{"duplicate", 400, nil, `{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists.","code":"6240"}],"type":"ValidationFault"}}`, providers.ErrInvalidRequest, "6240"},
		{"html", 503, nil, `<html>down</html>`, providers.ErrRetryable, ""},
	}
	for _, c := range cases {
		e := classify(c.status, c.header, []byte(c.body), now)
		if e.Kind != c.kind || e.Code != c.code || e.Message == "" {
			t.Errorf("%s: %+v, want kind %s code %q", c.name, e, c.kind, c.code)
		}
	}
	if e := classify(429, http.Header{"Retry-After": {"4"}}, []byte(`{}`), now); e.RetryAfter != 4*time.Second {
		t.Errorf("Retry-After: %s", e.RetryAfter)
	}
}

func TestAuthenticateValidates(t *testing.T) {
	t.Parallel()
	p := New()
	good := credential(testRefresh)
	if _, err := p.Authenticate(t.Context(), good, nil, nil); err != nil {
		t.Fatalf("valid credential refused: %v", err)
	}
	for _, missing := range []string{"realm_id", "refresh_token", "client_id", "client_secret"} {
		c := credential(testRefresh)
		delete(c.Properties, missing)
		if _, err := p.Authenticate(t.Context(), c, nil, nil); err == nil {
			t.Errorf("a credential without %s was accepted", missing)
		}
	}
	c := credential(testRefresh)
	c.Properties["realm_id"] = "acme"
	if _, err := p.Authenticate(t.Context(), c, nil, nil); err == nil {
		t.Error("a non-numeric realm id was accepted")
	}
}
