package stripe

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestClassifyError(t *testing.T) {
	body := func(typ, code, msg, param string) []byte {
		return []byte(`{"error":{"type":"` + typ + `","code":"` + code + `","message":"` + msg + `","param":"` + param + `"}}`)
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   []byte
		kind   providers.ErrorKind
		code   string
	}{
		{"rate limit", 429, http.Header{"Retry-After": {"2"}}, body("invalid_request_error", "rate_limit", "Too many requests", ""), providers.ErrRateLimited, "rate_limit"},
		{"rate limit code on 400", 400, nil, body("invalid_request_error", "rate_limit", "slow down", ""), providers.ErrRateLimited, "rate_limit"},
		{"old rate limit type", 429, nil, body("rate_limit_error", "", "Too many", ""), providers.ErrRateLimited, "rate_limit_error"},
		{"bad key", 401, nil, body("invalid_request_error", "", "Invalid API Key provided: sk_test_****1234", ""), providers.ErrUnauthorized, "invalid_request_error"},
		{"authentication type", 400, nil, body("authentication_error", "", "bad", ""), providers.ErrUnauthorized, "authentication_error"},
		{"restricted key", 403, nil, body("invalid_request_error", "secret_key_required", "The provided key does not have the required permissions", ""), providers.ErrUnauthorized, "secret_key_required"},
		{"permission type", 400, nil, body("permission_error", "", "nope", ""), providers.ErrUnauthorized, "permission_error"},
		{"missing object", 404, nil, body("invalid_request_error", "resource_missing", "No such customer: 'cus_x'", "id"), providers.ErrNotFound, "resource_missing"},
		{"missing object as 400", 400, nil, body("invalid_request_error", "resource_missing", "No such price", "price"), providers.ErrNotFound, "resource_missing"},
		{"stale cursor", 400, nil, body("invalid_request_error", "resource_missing", "No such event: 'evt_1'", "ending_before"), providers.ErrInvalidRequest, "resource_missing"},
		{"idempotency mismatch", 400, nil, body("idempotency_error", "", "Keys for idempotent requests can only be used with the same parameters", ""), providers.ErrInvalidRequest, "idempotency_error"},
		{"idempotency in flight", 409, nil, body("idempotency_error", "", "There is currently another in-progress request", ""), providers.ErrRetryable, "idempotency_error"},
		{"lock timeout", 429, nil, body("invalid_request_error", "lock_timeout", "locked", ""), providers.ErrRateLimited, "lock_timeout"},
		{"lock timeout conflict", 409, nil, body("invalid_request_error", "lock_timeout", "locked", ""), providers.ErrRetryable, "lock_timeout"},
		{"invalid", 400, nil, body("invalid_request_error", "parameter_unknown", "Received unknown parameter: foo", "foo"), providers.ErrInvalidRequest, "parameter_unknown"},
		{"card declined", 402, nil, body("card_error", "card_declined", "Your card was declined.", ""), providers.ErrInvalidRequest, "card_declined"},
		{"api error", 500, nil, body("api_error", "", "Something went wrong", ""), providers.ErrRetryable, "api_error"},
		{"api error type on odd status", 400, nil, body("api_error", "", "oops", ""), providers.ErrRetryable, "api_error"},
		{"bare 502", 502, nil, []byte("<html>Bad Gateway</html>"), providers.ErrRetryable, ""},
		{"bare 404", 404, nil, nil, providers.ErrNotFound, ""},
		{"json without error", 400, nil, []byte(`{"message":"x"}`), providers.ErrInvalidRequest, ""},
		{"should retry", 409, http.Header{"Stripe-Should-Retry": {"true"}}, body("invalid_request_error", "resource_already_exists", "busy", ""), providers.ErrRetryable, "resource_already_exists"},
		{"should not retry", 500, http.Header{"Stripe-Should-Retry": {"false"}}, body("api_error", "", "saved failure", ""), providers.ErrInvalidRequest, "api_error"},
		{"should not retry bare", 503, http.Header{"Stripe-Should-Retry": {"false"}}, nil, providers.ErrInvalidRequest, ""},
		{"should retry keeps rate limit", 429, http.Header{"Stripe-Should-Retry": {"true"}}, nil, providers.ErrRateLimited, ""},
		{"should retry keeps unauthorized", 401, http.Header{"Stripe-Should-Retry": {"true"}}, nil, providers.ErrUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := (&Provider{}).ClassifyError(tt.status, tt.header, tt.body)
			if e.Kind != tt.kind || e.Code != tt.code || e.Status != tt.status {
				t.Errorf("got kind %s code %q status %d, want %s %q %d", e.Kind, e.Code, e.Status, tt.kind, tt.code, tt.status)
			}
			if e.Message == "" {
				t.Error("no message")
			}
		})
	}
}

func TestClassifyErrorRetryAfter(t *testing.T) {
	now := time.Now()
	e := classify(429, http.Header{"Retry-After": {"3"}}, []byte(`{"error":{"type":"invalid_request_error","code":"rate_limit","message":"x"}}`), now)
	if e.RetryAfter != 3*time.Second {
		t.Errorf("RetryAfter = %s", e.RetryAfter)
	}
}

func TestClassifyErrorRedactsKeys(t *testing.T) {
	for _, key := range []string{"sk_test_51HabcdefGHIJ0123456789", "rk_live_abcdEFGH1234", "sk_abcdef123456", "whsec_abcdef0123"} {
		b := []byte(`{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: ` + key + `"}}`)
		e := classify(401, nil, b, time.Now())
		if strings.Contains(e.Error(), key) {
			t.Errorf("message %q carries the key", e.Error())
		}
		if !strings.Contains(e.Message, "Invalid API Key provided") {
			t.Errorf("message %q lost the API's text", e.Message)
		}
		e = classify(401, nil, []byte("unauthorized: "+key), time.Now())
		if strings.Contains(e.Error(), key) {
			t.Errorf("plain message %q carries the key", e.Error())
		}
	}
}

func TestClassifyErrorParam(t *testing.T) {
	e := classify(400, nil, []byte(`{"error":{"type":"invalid_request_error","code":"parameter_missing","message":"Missing required param: currency.","param":"currency"}}`), time.Now())
	if !strings.Contains(e.Error(), "param: currency") || !strings.Contains(e.Error(), "parameter_missing") {
		t.Errorf("error %q", e.Error())
	}
}
