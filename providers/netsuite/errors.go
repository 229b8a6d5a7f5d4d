package netsuite

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// problem is NetSuite's error body: an RFC 9457 problem with o:errorDetails.
type problem struct {
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Details []struct {
		Detail string `json:"detail"`
		Code   string `json:"o:errorCode"`
	} `json:"o:errorDetails"`
}

// errorCodes classify NetSuite's own codes where they say more than the status: a login or
// permission failure may come as 400 or 403, and a concurrency limit as 429 or 400.
var errorCodes = map[string]providers.ErrorKind{
	"INVALID_LOGIN":                   providers.ErrUnauthorized,
	"INVALID_LOGIN_ATTEMPT":           providers.ErrUnauthorized,
	"INVALID_LOGIN_CREDENTIALS":       providers.ErrUnauthorized,
	"INSUFFICIENT_PERMISSION":         providers.ErrUnauthorized,
	"FEATURE_DISABLED":                providers.ErrUnauthorized,
	"NONEXISTENT_ID":                  providers.ErrNotFound,
	"CONCURRENCY_LIMIT_EXCEEDED":      providers.ErrRateLimited,
	"SSS_REQUEST_LIMIT_EXCEEDED":      providers.ErrRateLimited,
	"WS_REQUEST_BLOCKED":              providers.ErrRateLimited,
	"UNEXPECTED_ERROR":                providers.ErrRetryable,
	"SSS_REQUEST_TIME_EXCEEDED":       providers.ErrRetryable,
	"SESSION_TIMED_OUT":               providers.ErrRetryable,
	"SERVICE_TEMPORARILY_UNAVAILABLE": providers.ErrRetryable,
}

// ClassifyError reads NetSuite's problem body and its o:errorCode.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	var p problem
	code, msg := "", ""
	if json.Unmarshal(body, &p) == nil {
		if len(p.Details) > 0 {
			code, msg = p.Details[0].Code, p.Details[0].Detail
		}
		if msg == "" {
			msg = p.Title
		}
	} else if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "<") {
		msg = clip(s)
	}
	e := providers.ClassifyStatus(status, header, code, msg)
	if k, ok := errorCodes[code]; ok && k != e.Kind {
		e.Kind = k
		if k != providers.ErrRateLimited {
			e.RetryAfter = 0
		}
	}
	return e
}

// clip bounds a text quoted in an error.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
