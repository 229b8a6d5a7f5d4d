package checkoutchamp

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// ClassifyError reads a non-2xx answer; CheckoutChamp sends its envelope with them too.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	var env envelope
	msg := ""
	if json.Unmarshal(body, &env) == nil && env.Result != "" {
		if json.Unmarshal(env.Message, &msg) != nil {
			msg = clip(strings.TrimSpace(string(env.Message)))
		}
	} else if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "<") {
		msg = clip(s)
	}
	return providers.ClassifyStatus(status, header, "", msg)
}

// classifyMessage classifies an ERROR answer, which comes with HTTP 200, by its message: a refused
// login or an API user without access needs a person; "No ... matching those parameters" means
// nothing matched; anything else is a request the API rejected.
func classifyMessage(status int, msg string) *providers.Error {
	low := strings.ToLower(msg)
	e := &providers.Error{Status: status, Message: msg, Kind: providers.ErrInvalidRequest}
	switch {
	case strings.Contains(low, "login") || strings.Contains(low, "password") || strings.Contains(low, "not authorized") ||
		strings.Contains(low, "api access") || strings.Contains(low, "permission"):
		e.Kind = providers.ErrUnauthorized
	case strings.Contains(low, "matching those parameters") || strings.HasPrefix(low, "invalid customerid") || strings.HasPrefix(low, "invalid orderid"):
		e.Kind = providers.ErrNotFound
	case strings.Contains(low, "too many requests") || strings.Contains(low, "rate limit"):
		e.Kind = providers.ErrRateLimited
	case strings.Contains(low, "try again") || strings.Contains(low, "temporarily"):
		e.Kind = providers.ErrRetryable
	}
	if e.Message == "" {
		e.Message = "the API answered ERROR without a message"
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
