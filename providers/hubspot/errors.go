package hubspot

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// apiError is the body of a HubSpot error: {"status": "error", "message", "correlationId",
// "category", ...}. Rate limits carry errorType RATE_LIMIT and a policyName instead of a category.
type apiError struct {
	Status        string `json:"status"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
	Category      string `json:"category"`
	SubCategory   string `json:"subCategory"`
	ErrorType     string `json:"errorType"`
	PolicyName    string `json:"policyName"`
}

// headerInterval is the rate-limit header naming HubSpot's rolling window.
const headerInterval = "X-HubSpot-RateLimit-Interval-Milliseconds"

// ClassifyError turns a HubSpot error response into a classified *providers.Error. The category
// decides where the status does not: INVALID_AUTHENTICATION, EXPIRED_AUTHENTICATION and
// MISSING_SCOPES need a person; OBJECT_NOT_FOUND is a missing object; CONFLICT (a unique value already
// taken) and VALIDATION_ERROR are refused requests; RATE_LIMIT waits out Retry-After or HubSpot's
// window; 5xx and LOCKED are transient.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var ae apiError
	if err := json.Unmarshal(body, &ae); err != nil || (ae.Message == "" && ae.Category == "" && ae.ErrorType == "") {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		e := providers.ClassifyStatus(status, header, "", redact(msg))
		if e.Kind == providers.ErrRateLimited {
			e.RetryAfter = retryAfter(header, "", now)
		}
		return e
	}
	code := ae.Category
	if code == "" {
		code = ae.ErrorType
	}
	if code == "" && ae.Status != "error" {
		code = ae.Status // the OAuth endpoints: BAD_REFRESH_TOKEN, BAD_CLIENT_ID, ...
	}
	msg := redact(ae.Message)
	if msg == "" {
		msg = http.StatusText(status)
	}
	if ae.CorrelationID != "" {
		msg += " (correlation id " + ae.CorrelationID + ")"
	}
	out := &providers.Error{Status: status, Code: code, Message: msg}
	switch {
	case status == http.StatusTooManyRequests || ae.ErrorType == "RATE_LIMIT":
		out.Kind = providers.ErrRateLimited
		out.RetryAfter = retryAfter(header, ae.PolicyName, now)
	case status == http.StatusUnauthorized || status == http.StatusForbidden ||
		code == "INVALID_AUTHENTICATION" || code == "EXPIRED_AUTHENTICATION" || code == "MISSING_SCOPES" ||
		strings.HasPrefix(code, "BAD_REFRESH_TOKEN") || strings.HasPrefix(code, "BAD_CLIENT"):
		out.Kind = providers.ErrUnauthorized
	case status == http.StatusNotFound || code == "OBJECT_NOT_FOUND":
		out.Kind = providers.ErrNotFound
	case status == http.StatusLocked || code == "LOCKED" || status >= 500:
		out.Kind = providers.ErrRetryable
	case status == http.StatusConflict || code == "CONFLICT" || code == "VALIDATION_ERROR" || status/100 == 4:
		// A conflict is a unique value already taken, not a transient state: retrying cannot help.
		out.Kind = providers.ErrInvalidRequest
	default:
		return providers.ClassifyStatus(status, header, code, msg)
	}
	return out
}

// retryAfter is how long to wait after a 429: Retry-After when HubSpot sends it; a second for the
// per-second search limit; until the next UTC midnight for the daily limit; otherwise the rolling
// window HubSpot names in X-HubSpot-RateLimit-Interval-Milliseconds (ten seconds), after which the
// requests that filled it have aged out.
func retryAfter(header http.Header, policy string, now time.Time) time.Duration {
	if d := providers.ParseRetryAfter(header.Get("Retry-After"), now); d > 0 {
		return d
	}
	switch strings.ToUpper(policy) {
	case "SECONDLY":
		return time.Second
	case "DAILY":
		return now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(now)
	}
	if ms, err := strconv.Atoi(header.Get(headerInterval)); err == nil && ms > 0 && ms <= 60_000 {
		return time.Duration(ms) * time.Millisecond
	}
	return 10 * time.Second
}

// tokenPattern matches HubSpot private-app tokens (pat-na1-<uuid>) and OAuth access tokens
// (CN..., long base64): an error text must never carry one even if an upstream or proxy echoes it.
var tokenPattern = regexp.MustCompile(`\bpat-[a-z0-9]+-[A-Za-z0-9-]{8,}|\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}`)

// redact masks anything that looks like a token.
func redact(s string) string {
	return tokenPattern.ReplaceAllStringFunc(s, func(k string) string {
		if strings.HasPrefix(k, "pat-") {
			return "pat-***"
		}
		return "Bearer ***"
	})
}
