package linear

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// The rate-limit headers of Linear's answers. Resets are unix times in milliseconds.
const (
	headerRequestsRemaining   = "X-RateLimit-Requests-Remaining"
	headerRequestsReset       = "X-RateLimit-Requests-Reset"
	headerComplexityRemaining = "X-RateLimit-Complexity-Remaining"
	headerComplexityReset     = "X-RateLimit-Complexity-Reset"
	headerEndpointRemaining   = "X-RateLimit-Endpoint-Requests-Remaining"
	headerEndpointReset       = "X-RateLimit-Endpoint-Requests-Reset"
	headerComplexity          = "X-Complexity"
)

// defaultRateLimitWait is how long to wait after a rate limit that names no reset.
const defaultRateLimitWait = 10 * time.Second

// ClassifyError turns a Linear error answer into a classified *providers.Error. Linear answers
// GraphQL errors as {"errors": [{"message", "extensions": {"code", "type", "userPresentableMessage",
// ...}}]}, with HTTP 400 for rate limits and invalid requests, 401 for authentication, and 200 with
// "data": null for an entity that does not exist; the code and type decide, the status where they do
// not.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var r gqlResponse
	if err := json.Unmarshal(body, &r); err != nil || len(r.Errors) == 0 {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		e := providers.ClassifyStatus(status, header, "", redact(msg))
		switch {
		case e.Kind == providers.ErrRateLimited:
			e.RetryAfter = retryAfter(header, now)
		case e.Kind == providers.ErrNotFound:
			// A 404 without a GraphQL answer is a wrong URL (a base_url missing /graphql's host), not
			// a missing entity: treating it as one would delete records.
			e.Kind = providers.ErrInvalidRequest
		case status/100 == 2:
			e.Kind, e.Message = providers.ErrMalformed, "an answer without data or errors: "+e.Message
		}
		return e
	}
	first := r.Errors[0]
	code, typ := first.Extensions.Code, strings.ToLower(first.Extensions.Type)
	msg := first.Message
	if u := first.Extensions.UserPresentableMessage; u != "" && u != msg {
		msg += " (" + u + ")"
	}
	msg = redact(msg)
	if code == "" {
		code = strings.ToUpper(strings.ReplaceAll(typ, " ", "_"))
	}
	out := &providers.Error{Status: status, Code: code, Message: msg}
	switch {
	case code == "RATELIMITED" || typ == "ratelimited" || status == http.StatusTooManyRequests:
		out.Kind = providers.ErrRateLimited
		out.RetryAfter = retryAfter(header, now)
	case code == "AUTHENTICATION_ERROR" || typ == "authentication error" || code == "FORBIDDEN" || typ == "forbidden" ||
		code == "FEATURE_NOT_ACCESSIBLE" || typ == "feature not accessible" || status == http.StatusUnauthorized || status == http.StatusForbidden:
		// A bad or revoked key, a missing scope, or a feature the workspace's plan lacks: a person
		// must act.
		out.Kind = providers.ErrUnauthorized
	case strings.HasPrefix(first.Message, "Entity not found") || code == "ENTITY_NOT_FOUND":
		out.Kind = providers.ErrNotFound
	case code == "INTERNAL_SERVER_ERROR" || typ == "internal error" || typ == "lock timeout" || typ == "network error" ||
		code == "LOCK_TIMEOUT" || status >= 500:
		out.Kind = providers.ErrRetryable
	default:
		// INPUT_ERROR, GRAPHQL_VALIDATION_FAILED, usage limits and the like: the request itself was
		// refused; trying it again will not help.
		out.Kind = providers.ErrInvalidRequest
	}
	return out
}

// retryAfter is how long to wait after a rate limit: Retry-After when Linear sends it, otherwise until
// the reset of the budget that ran out (requests, complexity, or the endpoint's own), read from the
// X-RateLimit-*-Reset headers (unix ms). A budget counts as run out when its remaining count is zero,
// or, for complexity, below the refused query's cost; when none says so, the latest reset is used. A
// reset already past means no wait at all; without any reset header the wait is
// defaultRateLimitWait.
func retryAfter(header http.Header, now time.Time) time.Duration {
	if d := providers.ParseRetryAfter(header.Get("Retry-After"), now); d > 0 {
		return d
	}
	num := func(name string) (int64, bool) {
		n, err := strconv.ParseInt(strings.TrimSpace(header.Get(name)), 10, 64)
		return n, err == nil
	}
	// until returns the wait until a reset header's time, and whether the header was there.
	until := func(name string) (time.Duration, bool) {
		ms, ok := num(name)
		if !ok {
			return 0, false
		}
		return min(max(time.UnixMilli(ms).Sub(now), 0), time.Hour), true
	}
	var exhausted, latest time.Duration
	found, anyReset := false, false
	use := func(reset string) {
		if d, ok := until(reset); ok {
			exhausted, found = max(exhausted, d), true
		}
	}
	if rem, ok := num(headerRequestsRemaining); ok && rem <= 0 {
		use(headerRequestsReset)
	}
	if rem, ok := num(headerComplexityRemaining); ok {
		if cost, _ := num(headerComplexity); rem <= 0 || rem < cost {
			use(headerComplexityReset)
		}
	}
	if rem, ok := num(headerEndpointRemaining); ok && rem <= 0 {
		use(headerEndpointReset)
	}
	for _, h := range []string{headerRequestsReset, headerComplexityReset, headerEndpointReset} {
		if d, ok := until(h); ok {
			latest, anyReset = max(latest, d), true
		}
	}
	switch {
	case found:
		return exhausted
	case anyReset:
		return latest
	}
	return defaultRateLimitWait
}

// secretPattern matches Linear API keys, OAuth tokens and bearer credentials: an error text must never
// carry one even if an upstream or proxy echoes it.
var secretPattern = regexp.MustCompile(`\blin_(api|oauth|refresh)_[A-Za-z0-9]{4,}|\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}`)

// redact masks anything that looks like a credential.
func redact(s string) string {
	return secretPattern.ReplaceAllStringFunc(s, func(k string) string {
		if strings.HasPrefix(k, "lin_") {
			return k[:strings.LastIndex(k, "_")+1] + "***"
		}
		return "Bearer ***"
	})
}
