package salesforce

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// dailyLimitRetry is how long to wait after the org's daily allocation ran out: the allocation is
	// a rolling 24 hours, so calls become available again as old ones age out, not at a known time.
	dailyLimitRetry = 15 * time.Minute
	// concurrentLimitRetry is how long to wait after Salesforce refused a request for too many long
	// requests in flight, which clears as they finish.
	concurrentLimitRetry = 5 * time.Second
)

// apiError is one element of Salesforce's error body: [{"errorCode": ..., "message": ..., "fields": [...]}].
type apiError struct {
	ErrorCode string   `json:"errorCode"`
	Message   string   `json:"message"`
	Fields    []string `json:"fields"`
}

// parseErrors reads an error body: the REST API's array, a single such object, or the OAuth
// endpoints' {"error", "error_description"}.
func parseErrors(body []byte) []apiError {
	var list []apiError
	if json.Unmarshal(body, &list) == nil && len(list) > 0 && list[0].ErrorCode != "" {
		return list
	}
	var one apiError
	if json.Unmarshal(body, &one) == nil && one.ErrorCode != "" {
		return []apiError{one}
	}
	var oauth struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &oauth) == nil && oauth.Error != "" {
		return []apiError{{ErrorCode: oauth.Error, Message: oauth.Description}}
	}
	return nil
}

// ClassifyError turns a Salesforce error answer into a classified *providers.Error. The errorCode
// decides where it is telling: INVALID_SESSION_ID is an expired or revoked session (the transport
// has already refreshed once), REQUEST_LIMIT_EXCEEDED (403) is a rate limit, NOT_FOUND and
// ENTITY_IS_DELETED are missing records, UNABLE_TO_LOCK_ROW and SERVER_UNAVAILABLE clear by
// themselves; otherwise the status decides.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	errs := parseErrors(body)
	e := &providers.Error{Status: status}
	if len(errs) == 0 {
		e.Message = redact(clipText(strings.TrimSpace(string(body))))
	} else {
		e.Code = errs[0].ErrorCode
		parts := make([]string, 0, len(errs))
		for _, x := range errs {
			msg := x.ErrorCode + ": " + x.Message
			if len(x.Fields) > 0 {
				msg += " (fields: " + strings.Join(x.Fields, ", ") + ")"
			}
			parts = append(parts, msg)
		}
		e.Message = redact(clipText(strings.Join(parts, "; ")))
	}
	switch code := e.Code; {
	case code == "REQUEST_LIMIT_EXCEEDED" || status == http.StatusTooManyRequests:
		e.Kind = providers.ErrRateLimited
		e.RetryAfter = providers.ParseRetryAfter(header.Get("Retry-After"), now)
		if e.RetryAfter <= 0 {
			e.RetryAfter = concurrentLimitRetry
			if strings.Contains(e.Message, "TotalRequests") {
				e.RetryAfter = dailyLimitRetry
			}
		}
	case code == "INVALID_SESSION_ID" || status == http.StatusUnauthorized:
		e.Kind = providers.ErrUnauthorized
	case code == "API_DISABLED_FOR_ORG" || code == "API_CURRENTLY_DISABLED" || code == "INSUFFICIENT_ACCESS" ||
		code == "FUNCTIONALITY_NOT_ENABLED" || code == "invalid_grant" || code == "invalid_client_id" || code == "invalid_client":
		e.Kind = providers.ErrUnauthorized
	case code == "NOT_FOUND" || code == "ENTITY_IS_DELETED" || status == http.StatusNotFound:
		e.Kind = providers.ErrNotFound
	case code == "UNABLE_TO_LOCK_ROW" || code == "SERVER_UNAVAILABLE" || code == "UNKNOWN_EXCEPTION" || code == "QUERY_TIMEOUT":
		e.Kind = providers.ErrRetryable
	case status == http.StatusForbidden:
		e.Kind = providers.ErrUnauthorized
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status >= 500:
		e.Kind = providers.ErrRetryable
	default:
		e.Kind = providers.ErrInvalidRequest
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// isLocatorError reports whether err says a nextRecordsUrl expired (15 minutes unused) or was
// dropped (too many open cursors).
func isLocatorError(err error) bool {
	return errorCode(err) == "INVALID_QUERY_LOCATOR"
}

// errorCode is the Salesforce errorCode of an error, or "".
func errorCode(err error) string {
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func clipText(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// sessionPattern matches Salesforce session ids (access tokens): the org id, '!', and the secret part.
var sessionPattern = regexp.MustCompile(`\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+`)

// redact masks anything that looks like an access token: an error text must never carry one.
func redact(s string) string {
	return sessionPattern.ReplaceAllStringFunc(s, func(t string) string {
		return t[:strings.IndexByte(t, '!')+1] + "***"
	})
}
