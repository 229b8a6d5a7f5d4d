package checkoutchamp

import (
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassifyMessage(t *testing.T) {
	cases := map[string]providers.ErrorKind{
		"Invalid login credentials":                          providers.ErrUnauthorized,
		"This user does not have API access":                 providers.ErrUnauthorized,
		"No orders matching those parameters could be found": providers.ErrNotFound,
		"Invalid customerId":                                 providers.ErrNotFound,
		"startDate and endDate are required":                 providers.ErrInvalidRequest,
		"Too many requests, please slow down":                providers.ErrRateLimited,
		"Service temporarily unavailable, please try again":  providers.ErrRetryable,
	}
	for msg, want := range cases {
		if e := classifyMessage(200, msg); e.Kind != want || e.Message != msg {
			t.Errorf("classifyMessage(%q) = %s %q, want %s", msg, e.Kind, e.Message, want)
		}
	}
}

func TestClassifyError(t *testing.T) {
	e := (&Provider{}).ClassifyError(429, http.Header{"Retry-After": {"4"}}, []byte(`{"result":"ERROR","message":"Too many requests"}`))
	if e.Kind != providers.ErrRateLimited || e.RetryAfter != 4*time.Second || e.Message != "Too many requests" {
		t.Errorf("429: %+v", e)
	}
	if e := (&Provider{}).ClassifyError(503, http.Header{}, []byte(`<html>down</html>`)); e.Kind != providers.ErrRetryable {
		t.Errorf("503: %+v", e)
	}
}

func TestFormAuthKeepsSecretsOutOfURL(t *testing.T) {
	var seen *http.Request
	var body string
	rt := &formAuth{login: "l", password: "p@ss", base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r
		_ = r.ParseForm()
		body = r.PostForm.Encode()
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})}
	req, _ := http.NewRequest(http.MethodPost, "https://api.checkoutchamp.com/order/query/", nil)
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if seen.URL.RawQuery != "" {
		t.Errorf("credentials in the URL: %s", seen.URL)
	}
	if body != "loginId=l&password=p%40ss" {
		t.Errorf("form body %q", body)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
