package shopify

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// defaultRetryAfter is Shopify's usual Retry-After: the bucket leaks 2 requests per second, and a
// 429 asks for 2 seconds.
const defaultRetryAfter = 2 * time.Second

// ClassifyError turns a Shopify error answer into a classified *providers.Error. Shopify's bodies
// are {"errors": "message"} or {"errors": {"field": ["message", ...]}} (OAuth endpoints use
// {"error": ..., "error_description": ...}); the HTTP status decides the kind: 429 is the rate limit
// (Retry-After in seconds, "2.0"); 401 (a bad or revoked token), 403 (a missing scope), 402 (the
// shop's payment is overdue) and 423 (the shop is locked) need the merchant to act; 404 and 422 are
// a missing object and a rejected write; 5xx and Shopify's 430 security rejections are transient.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	msg := redact(errorMessage(body))
	e := &providers.Error{Status: status, Message: msg}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind, e.Code = providers.ErrRateLimited, "throttled"
		e.RetryAfter = providers.ParseRetryAfter(header.Get("Retry-After"), now)
		if e.RetryAfter <= 0 {
			e.RetryAfter = defaultRetryAfter
		}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = providers.ErrUnauthorized
	case status == http.StatusPaymentRequired:
		e.Kind, e.Code = providers.ErrUnauthorized, "shop_unavailable"
	case status == http.StatusLocked:
		e.Kind, e.Code = providers.ErrUnauthorized, "shop_locked"
	case status == http.StatusNotFound || status == http.StatusGone:
		e.Kind = providers.ErrNotFound
	case status == 430 || status == http.StatusRequestTimeout || status == http.StatusConflict || status >= 500:
		e.Kind = providers.ErrRetryable
	default:
		e.Kind = providers.ErrInvalidRequest
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// errorMessage flattens Shopify's error body into one line: "title: can't be blank; email: has
// already been taken". An unreadable body is kept as text (HTML error pages), clipped.
func errorMessage(body []byte) string {
	var b struct {
		Errors      json.RawMessage `json:"errors"`
		Error       any             `json:"error"`
		Description string          `json:"error_description"`
	}
	trimmed := strings.TrimSpace(string(body))
	if err := json.Unmarshal(body, &b); err != nil {
		return clipText(trimmed)
	}
	if len(b.Errors) > 0 {
		if m := flatten("", b.Errors); m != "" {
			return clipText(m)
		}
	}
	if s, ok := b.Error.(string); ok && s != "" {
		if b.Description != "" {
			return clipText(s + ": " + b.Description)
		}
		return clipText(s)
	}
	if b.Error != nil {
		if raw, err := json.Marshal(b.Error); err == nil {
			return clipText(flatten("", raw))
		}
	}
	return clipText(trimmed)
}

// flatten renders a JSON error value: strings as they are, lists joined by ", ", objects as
// "key: value" joined by "; " in key order.
func flatten(prefix string, raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return join(prefix, s)
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var parts []string
		for _, e := range list {
			if p := flatten("", e); p != "" {
				parts = append(parts, p)
			}
		}
		return join(prefix, strings.Join(parts, ", "))
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			if p := flatten(k, obj[k]); p != "" {
				parts = append(parts, p)
			}
		}
		return join(prefix, strings.Join(parts, "; "))
	}
	return join(prefix, strings.TrimSpace(string(raw)))
}

func join(prefix, s string) string {
	switch {
	case s == "" || s == "null":
		return ""
	case prefix == "" || prefix == "base":
		return s
	}
	return prefix + ": " + s
}

func clipText(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// tokenPattern matches Shopify access tokens and secrets (shpat_, shpca_, shppa_, shpss_, shpua_).
var tokenPattern = regexp.MustCompile(`\bshp(at|ca|pa|ss|ua)_[A-Za-z0-9]+`)

// redact masks anything that looks like a Shopify token: an error text must never carry one, even if
// a proxy echoes it.
func redact(s string) string {
	return tokenPattern.ReplaceAllStringFunc(s, func(t string) string { return t[:6] + "***" })
}
