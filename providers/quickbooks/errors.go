package quickbooks

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// faultBody is Intuit's error body. The gateway spells authentication faults in lower case
// ({"fault": {"error": [...]}}); JSON field matching is case-insensitive, so one type reads both.
type faultBody struct {
	Fault *struct {
		Error []struct {
			Message string `json:"Message"`
			Detail  string `json:"Detail"`
			Code    string `json:"code"`
		} `json:"Error"`
		Type string `json:"type"`
	} `json:"Fault"`
}

// ClassifyError turns an Accounting API error into a classified *providers.Error by its fault type
// and code: 610 (object not found), 5010 (stale SyncToken), 3200/3100 (authentication and
// authorization), 003001 (throttled), 6240 (duplicate name), falling back on the HTTP status.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return classify(status, header, body, time.Now())
}

func classify(status int, header http.Header, body []byte, now time.Time) *providers.Error {
	if header == nil {
		header = http.Header{}
	}
	var fb faultBody
	if json.Unmarshal(body, &fb) != nil || fb.Fault == nil || len(fb.Fault.Error) == 0 {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return providers.ClassifyStatus(status, header, "", msg)
	}
	fe := fb.Fault.Error[0]
	code := strings.TrimLeft(fe.Code, "0")
	msg := fe.Message
	if fe.Detail != "" && fe.Detail != fe.Message {
		msg += ": " + fe.Detail
	}
	e := providers.ClassifyStatus(status, header, fe.Code, msg)
	switch {
	case status == http.StatusTooManyRequests || code == "3001":
		e.Kind = providers.ErrRateLimited
		e.RetryAfter = providers.ParseRetryAfter(header.Get("Retry-After"), now)
	case code == "3200" || code == "3100" || strings.EqualFold(fb.Fault.Type, "AUTHENTICATION") || fb.Fault.Type == "AuthorizationFault":
		e.Kind = providers.ErrUnauthorized
	case code == "610":
		e.Kind = providers.ErrNotFound
	case status >= 500 || fb.Fault.Type == "SystemFault":
		e.Kind = providers.ErrRetryable
	case status == http.StatusBadRequest:
		e.Kind = providers.ErrInvalidRequest // validation faults (5010 stale object, 6240 duplicate name, 4000 query)
	}
	return e
}
