package servicenow

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// errorBody is ServiceNow's error envelope:
// {"error": {"message": "...", "detail": "..."}, "status": "failure"}.
type errorBody struct {
	Error struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
	} `json:"error"`
	Status string `json:"status"`
}

// ClassifyError reads ServiceNow's error body. 401 is a refused login; 403 an ACL that denies the
// user the table or the operation, which a person must fix too; 429 a rate limit rule, whose
// Retry-After (or, failing it, X-RateLimit-Reset, a Unix time) says when to come back.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	var b errorBody
	msg := ""
	if json.Unmarshal(body, &b) == nil && b.Error.Message != "" {
		msg = b.Error.Message
		if b.Error.Detail != "" && b.Error.Detail != b.Error.Message {
			msg += ": " + b.Error.Detail
		}
	} else if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "<") {
		msg = clip(s)
	}
	e := providers.ClassifyStatus(status, header, "", msg)
	if e.Kind == providers.ErrRateLimited && e.RetryAfter == 0 {
		if reset, err := strconv.ParseInt(header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			if d := time.Unix(reset, 0).Sub(now); d > 0 {
				e.RetryAfter = d
			}
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
