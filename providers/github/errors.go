package github

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// apiError is the body of a GitHub error response.
type apiError struct {
	Message string `json:"message"`
	Errors  []struct {
		Resource string `json:"resource"`
		Field    string `json:"field"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	} `json:"errors"`
	DocumentationURL string `json:"documentation_url"`
}

// secondaryLimitWait is how long to wait after a secondary rate limit that names no time: GitHub asks
// for at least a minute.
const secondaryLimitWait = time.Minute

// ClassifyError turns a GitHub error response into a classified *providers.Error. GitHub answers a
// spent primary rate limit with 403 or 429 and X-RateLimit-Remaining: 0 (wait until X-RateLimit-Reset),
// and a secondary rate limit with 403 or 429, a message saying so and usually Retry-After; any other
// 403 is a permission the credential lacks. 409 is a state conflict (an empty repository), not a
// transient failure.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var ae apiError
	msg := ""
	code := ""
	if err := json.Unmarshal(body, &ae); err == nil && ae.Message != "" {
		msg = ae.Message
		var details []string
		for _, e := range ae.Errors {
			switch {
			case e.Message != "":
				details = append(details, e.Message)
			case e.Field != "":
				details = append(details, strings.TrimSpace(e.Resource+"."+e.Field+" "+e.Code))
			}
			if code == "" {
				code = e.Code
			}
		}
		if len(details) > 0 {
			msg += ": " + strings.Join(details, "; ")
		}
	} else {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
	}
	msg = redact(msg)
	if msg == "" {
		msg = http.StatusText(status)
	}
	out := &providers.Error{Status: status, Code: code, Message: msg}
	lower := strings.ToLower(msg)
	switch {
	case (status == http.StatusForbidden || status == http.StatusTooManyRequests) && isRateLimited(header, lower):
		out.Kind = providers.ErrRateLimited
		out.Code = "rate_limited"
		out.RetryAfter = rateLimitWait(header, now)
	case status == http.StatusTooManyRequests:
		out.Kind = providers.ErrRateLimited
		out.RetryAfter = rateLimitWait(header, now)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// Bad or revoked credentials, a missing scope or permission, SAML enforcement: a person must act.
		out.Kind = providers.ErrUnauthorized
	case status == http.StatusNotFound || status == http.StatusGone:
		out.Kind = providers.ErrNotFound
	case status == http.StatusRequestTimeout || status >= 500:
		out.Kind = providers.ErrRetryable
	default:
		out.Kind = providers.ErrInvalidRequest
	}
	return out
}

// isRateLimited tells a rate limit from a permission refusal, both of which GitHub answers with 403.
func isRateLimited(header http.Header, lowerMsg string) bool {
	return header.Get("X-RateLimit-Remaining") == "0" || header.Get("Retry-After") != "" ||
		strings.Contains(lowerMsg, "rate limit") || strings.Contains(lowerMsg, "abuse detection")
}

// rateLimitWait is how long GitHub asks us to wait: Retry-After when given, else until the primary
// limit's reset when the budget is spent, else a minute.
func rateLimitWait(header http.Header, now time.Time) time.Duration {
	if v := header.Get("Retry-After"); v != "" {
		if d := providers.ParseRetryAfter(v, now); d > 0 {
			return d
		}
	}
	if header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			d := time.Unix(reset, 0).Sub(serverNow(header, now))
			// The reset has one-second resolution; never answer "now" while the budget is spent.
			return max(d, time.Second)
		}
	}
	return secondaryLimitWait
}

// tokenPattern matches GitHub tokens, so that an error text never carries one even if an upstream or
// a proxy echoes it.
var tokenPattern = regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{8,}|github_pat_[A-Za-z0-9_]{8,})`)

// redact replaces anything that looks like a GitHub token with its prefix and a mask.
func redact(s string) string {
	return tokenPattern.ReplaceAllStringFunc(s, func(k string) string {
		if strings.HasPrefix(k, "github_pat_") {
			return "github_pat_***"
		}
		return k[:4] + "***"
	})
}
