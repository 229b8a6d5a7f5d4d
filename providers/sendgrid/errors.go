package sendgrid

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// errorBody is SendGrid's error body: {"errors": [{"field": "name", "message": "..."}]}.
type errorBody struct {
	Errors []struct {
		Field   *string `json:"field"`
		Message string  `json:"message"`
	} `json:"errors"`
}

// ClassifyError turns a SendGrid error response into a classified *providers.Error; a 429 waits until
// the unix second in X-RateLimit-Reset (or Retry-After when sent).
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var eb errorBody
	msg, field := "", ""
	if json.Unmarshal(body, &eb) == nil && len(eb.Errors) > 0 {
		var parts []string
		for _, e := range eb.Errors {
			p := e.Message
			if e.Field != nil && *e.Field != "" {
				p = *e.Field + ": " + p
				if field == "" {
					field = *e.Field
				}
			}
			parts = append(parts, p)
		}
		msg = strings.Join(parts, "; ")
	} else {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
	}
	e := providers.ClassifyStatus(status, header, field, msg)
	if status == http.StatusTooManyRequests {
		e.RetryAfter = retryAfter(header, now)
	}
	return e
}

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
