package stripe

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// apiError is the body of a Stripe error response: {"error": {...}}.
type apiError struct {
	Error *struct {
		Type        string `json:"type"`
		Code        string `json:"code"`
		DeclineCode string `json:"decline_code"`
		Message     string `json:"message"`
		Param       string `json:"param"`
	} `json:"error"`
}

// ClassifyError turns a Stripe error response into a classified *providers.Error. Stripe's error object
// carries a type (api_error, card_error, idempotency_error, invalid_request_error, and on older versions
// authentication_error, permission_error, rate_limit_error), an optional code and a message; the HTTP
// status decides where the body does not.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var ae apiError
	if err := json.Unmarshal(body, &ae); err != nil || ae.Error == nil {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return shouldRetry(providers.ClassifyStatus(status, header, "", redact(msg)), header)
	}
	e := ae.Error
	code := e.Code
	if code == "" {
		code = e.Type
	}
	msg := redact(e.Message)
	if msg == "" {
		msg = http.StatusText(status)
	}
	if e.Param != "" {
		msg += " (param: " + e.Param + ")"
	}
	out := &providers.Error{Status: status, Code: code, Message: msg}
	switch {
	case status == http.StatusTooManyRequests || e.Code == "rate_limit" || e.Type == "rate_limit_error":
		out.Kind = providers.ErrRateLimited
		out.RetryAfter = providers.ParseRetryAfter(header.Get("Retry-After"), now)
	case status == http.StatusUnauthorized || status == http.StatusForbidden ||
		e.Type == "authentication_error" || e.Type == "permission_error":
		out.Kind = providers.ErrUnauthorized
	case e.Code == "resource_missing" && (e.Param == "starting_after" || e.Param == "ending_before"):
		// The missing object is a pagination cursor, not the object asked for: the cursor is stale.
		out.Kind = providers.ErrInvalidRequest
	case status == http.StatusNotFound || e.Code == "resource_missing":
		out.Kind = providers.ErrNotFound
	case e.Code == "lock_timeout" || (e.Type == "idempotency_error" && status == http.StatusConflict):
		// Another request holds the object's lock or the same idempotency key is still in flight.
		out.Kind = providers.ErrRetryable
	case e.Type == "idempotency_error":
		out.Kind = providers.ErrInvalidRequest
	case e.Type == "api_error" || status >= 500:
		out.Kind = providers.ErrRetryable
	case e.Type == "invalid_request_error" || e.Type == "card_error":
		out.Kind = providers.ErrInvalidRequest
	default:
		out = providers.ClassifyStatus(status, header, code, msg)
	}
	return shouldRetry(out, header)
}

// shouldRetry applies Stripe's Stripe-Should-Retry header, which overrides what the status suggests:
// "true" for conflicts that clear by themselves (a lock held by a concurrent request), "false" when a
// retry cannot succeed (for instance a failure saved under an idempotency key, which Stripe replays
// for 24 hours). Rate limits and credential failures keep their kind.
func shouldRetry(e *providers.Error, header http.Header) *providers.Error {
	switch header.Get("Stripe-Should-Retry") {
	case "true":
		if e.Kind == providers.ErrInvalidRequest || e.Kind == providers.ErrNotFound {
			e.Kind = providers.ErrRetryable
		}
	case "false":
		if e.Kind == providers.ErrRetryable {
			e.Kind = providers.ErrInvalidRequest
			e.Message += " (Stripe-Should-Retry: false)"
		}
	}
	return e
}

// keyPattern matches Stripe API keys and Connect tokens; Stripe masks keys in its messages, but an
// error text must never carry one even if an upstream (or proxy) echoes it in full.
var keyPattern = regexp.MustCompile(`\b(sk|rk|pk|whsec|sk_org)_(live_|test_)?[A-Za-z0-9*]{4,}`)

// redact replaces anything that looks like a Stripe key with its prefix and a mask.
func redact(s string) string {
	return keyPattern.ReplaceAllStringFunc(s, func(k string) string {
		i := strings.LastIndex(k, "_")
		return k[:i+1] + "***"
	})
}
