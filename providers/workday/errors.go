package workday

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// errorBody covers Workday's REST error bodies: {"error": "...", "errors": [{"error": "...", "field":
// "...", "location": "..."}]} for rejected requests, and the OAuth form {"error": "invalid_token",
// "error_description": "..."} for refused tokens.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Errors      []struct {
		Error    string `json:"error"`
		Field    string `json:"field"`
		Location string `json:"location"`
	} `json:"errors"`
}

// oauthCodes are the "error" values that are codes rather than messages.
var oauthCodes = map[string]bool{"invalid_token": true, "invalid_request": true, "invalid_client": true,
	"invalid_grant": true, "unauthorized_client": true, "insufficient_scope": true}

// ClassifyError reads Workday's error body. 401 is a refused access token and 403 a security policy
// that denies the integration system user the resource, both for a person to fix; 429 is the tenant's
// throttle, whose Retry-After says when to come back.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	var b errorBody
	code, msg := "", ""
	if json.Unmarshal(body, &b) == nil && (b.Error != "" || len(b.Errors) > 0) {
		if oauthCodes[b.Error] {
			code = b.Error
			msg = b.Description
		} else {
			msg = b.Error
		}
		var details []string
		for _, e := range b.Errors {
			d := e.Error
			if e.Field != "" {
				d = e.Field + ": " + d
			}
			if d != "" && d != msg {
				details = append(details, d)
			}
		}
		if len(details) > 0 {
			if msg != "" {
				msg += ": "
			}
			msg += strings.Join(details, "; ")
		}
		if msg == "" {
			msg = code
		}
	} else if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "<") {
		msg = clip(s)
	}
	return providers.ClassifyStatus(status, header, code, clip(msg))
}
