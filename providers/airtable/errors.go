package airtable

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Airtable's error types the provider acts on.
const (
	// errIteratorGone means a listing's offset expired; the listing must start again.
	errIteratorGone = "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"
	// errRowMissing is the 422 of a write to a record that does not exist.
	errRowMissing = "ROW_DOES_NOT_EXIST"
)

// apiError reads Airtable's three error shapes:
//
//	{"error": {"type": "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", "message": "..."}}
//	{"error": "NOT_FOUND"}
//	{"errors": [{"error": "RATE_LIMIT_REACHED", "message": "..."}]}
func apiError(body []byte) (typ, msg string) {
	var v struct {
		Error  json.RawMessage `json:"error"`
		Errors []struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	if len(v.Errors) > 0 {
		return v.Errors[0].Error, v.Errors[0].Message
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return s, ""
	}
	var o struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	if json.Unmarshal(v.Error, &o) == nil {
		return o.Type, o.Message
	}
	return "", ""
}

// ClassifyError turns an Airtable error response into a classified *providers.Error. A 429 waits
// Retry-After when given and Airtable's 30-second penalty otherwise; 401 (AUTHENTICATION_REQUIRED) and
// 403 (INVALID_PERMISSIONS, INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND: a token without access to the base
// or table, or a base or table that no longer exists) need a person; a write to a record that does not
// exist (422 ROW_DOES_NOT_EXIST) is not found like a 404.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	typ, msg := apiError(body)
	if msg == "" && typ == "" {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
	}
	if msg == "" {
		msg = strings.ReplaceAll(strings.ToLower(typ), "_", " ")
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := &providers.Error{Status: status, Code: typ, Message: redact(msg)}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = providers.ErrRateLimited
		e.RetryAfter = rateLimitWait(header, now)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = providers.ErrUnauthorized
	case status == http.StatusNotFound || typ == errRowMissing || typ == "MODEL_ID_NOT_FOUND":
		e.Kind = providers.ErrNotFound
	case status == http.StatusRequestTimeout || status >= 500:
		e.Kind = providers.ErrRetryable
	default:
		e.Kind = providers.ErrInvalidRequest
	}
	return e
}

// rateLimitWait is how long a 429 asks to wait: Retry-After when given, else Airtable's penalty.
func rateLimitWait(header http.Header, now time.Time) time.Duration {
	if d := providers.ParseRetryAfter(header.Get("Retry-After"), now); d > 0 {
		return d
	}
	return penalty
}

// tokenPattern matches Airtable personal access tokens, so that an error text never carries one.
var tokenPattern = regexp.MustCompile(`\bpat[A-Za-z0-9]{10,}(\.[A-Za-z0-9]+)?`)

func redact(s string) string { return tokenPattern.ReplaceAllString(s, "pat***") }
