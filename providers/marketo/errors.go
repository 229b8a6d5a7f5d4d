package marketo

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// ClassifyError turns a Marketo error into a classified *providers.Error. The transport has already
// given in-body errors their HTTP status; the code and message come from the body.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var b struct {
		Errors []struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"errors"`
	}
	code, msg := "", ""
	if json.Unmarshal(body, &b) == nil && len(b.Errors) > 0 {
		if json.Unmarshal(b.Errors[0].Code, &code) != nil {
			code = string(b.Errors[0].Code)
		}
		msg = b.Errors[0].Message
	} else {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
	}
	e := providers.ClassifyStatus(status, header, code, msg)
	if code != "" && status == http.StatusTooManyRequests && e.RetryAfter == 0 {
		e.RetryAfter = retryAfter(code, now)
	}
	return e
}
