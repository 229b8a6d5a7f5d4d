package auth0

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// apiError is the Management API's error body:
// {"statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user"}.
type apiError struct {
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
	ErrorCode  string `json:"errorCode"`
}

// ClassifyError turns a Management API error response into a classified *providers.Error. A 429
// waits until x-ratelimit-reset; a 409 ("The user already exists.") is a conflict that retrying
// cannot resolve.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var ae apiError
	msg := ""
	if json.Unmarshal(body, &ae) == nil {
		msg = firstNonEmpty(ae.Message, ae.Error)
	} else {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
	}
	e := providers.ClassifyStatus(status, header, ae.ErrorCode, msg)
	switch {
	case status == http.StatusTooManyRequests:
		e.RetryAfter = retryAfter(header, now)
	case status == http.StatusConflict:
		e.Kind = providers.ErrInvalidRequest
	}
	return e
}

// retryAfter reads how long to wait after a 429: Retry-After when present, otherwise until the unix
// second in x-ratelimit-reset.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d := providers.ParseRetryAfter(h.Get("Retry-After"), now); d > 0 {
		return d
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
	if err != nil || secs <= 0 {
		return 0
	}
	if d := time.Unix(secs, 0).Sub(now); d > 0 {
		return d
	}
	return 0
}
