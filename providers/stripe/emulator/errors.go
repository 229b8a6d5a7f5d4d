package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is a Stripe API error as the emulator returns it in {"error": {...}}.
type Error struct {
	// Status is the HTTP status of the response.
	Status int
	// Type is Stripe's error type, e.g. "invalid_request_error".
	Type string
	// Code is Stripe's error code, e.g. "resource_missing"; may be empty.
	Code string
	// Param names the offending parameter; may be empty.
	Param string
	// Message is the human-readable message.
	Message string
	// DeclineCode is set on card errors.
	DeclineCode string
	// Charge is the id of the failed charge, on card errors.
	Charge string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("stripe %d %s (%s): %s", e.Status, e.Type, e.Code, e.Message)
	}
	return fmt.Sprintf("stripe %d %s: %s", e.Status, e.Type, e.Message)
}

func (e *Error) body() []byte {
	m := map[string]any{"type": e.Type, "message": e.Message}
	if e.Code != "" {
		m["code"] = e.Code
		m["doc_url"] = "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(e.Code, "_", "-")
	}
	if e.Param != "" {
		m["param"] = e.Param
	}
	if e.DeclineCode != "" {
		m["decline_code"] = e.DeclineCode
	}
	if e.Charge != "" {
		m["charge"] = e.Charge
	}
	return appendJSON(nil, map[string]any{"error": m})
}

func invalid(code, param, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

func errMissing(typ, id, param string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "resource_missing", Param: param,
		Message: fmt.Sprintf("No such %s: '%s'", typ, id)}
}

// errNoSuchParam is the 400 for an id given in a parameter that names no object (e.g. customer=cus_x).
func errNoSuchParam(typ, id, param string) *Error {
	e := errMissing(typ, id, param)
	e.Status = http.StatusBadRequest
	return e
}

func errUnknownParam(name string) *Error {
	return invalid("parameter_unknown", name, "Received unknown parameter: %s", name)
}

func errRequired(name string) *Error {
	return invalid("parameter_missing", name, "Missing required param: %s.", name)
}

func errUnrecognizedURL(method, path string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "invalid_request_error",
		Message: fmt.Sprintf("Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.", method, path)}
}

func errNoAPIKey() *Error {
	return &Error{Status: http.StatusUnauthorized, Type: "invalid_request_error",
		Message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."}
}

func errInvalidKey(key string) *Error {
	return &Error{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "api_key_invalid",
		Message: "Invalid API Key provided: " + maskKey(key)}
}

func errRateLimit() *Error {
	return &Error{Status: http.StatusTooManyRequests, Type: "invalid_request_error", Code: "rate_limit",
		Message: "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."}
}

// errForStatus is the Stripe-shaped body of an injected fault with no explicit body.
func errForStatus(status int) *Error {
	switch {
	case status == http.StatusTooManyRequests:
		return errRateLimit()
	case status == http.StatusUnauthorized:
		return errInvalidKey("sk_test_injected_fault")
	case status == http.StatusPaymentRequired:
		return &Error{Status: status, Type: "card_error", Code: "card_declined", DeclineCode: "generic_decline", Message: "Your card was declined."}
	case status == http.StatusConflict:
		return &Error{Status: status, Type: "invalid_request_error", Code: "lock_timeout",
			Message: "This object cannot be accessed right now because another API request or Stripe process is currently accessing it."}
	case status == http.StatusNotFound:
		return &Error{Status: status, Type: "invalid_request_error", Code: "resource_missing", Message: "No such object."}
	case status >= 500:
		return &Error{Status: status, Type: "api_error", Message: "An unknown error occurred. Please try again later."}
	default:
		return &Error{Status: status, Type: "invalid_request_error", Message: http.StatusText(status)}
	}
}

// maskKey hides an API key the way Stripe does: the mode prefix and the last four characters stay.
func maskKey(key string) string {
	prefix := ""
	rest := key
	for _, p := range []string{"sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_", "sk_", "rk_", "pk_"} {
		if strings.HasPrefix(key, p) {
			prefix, rest = p, key[len(p):]
			break
		}
	}
	if len(rest) <= 4 {
		return prefix + strings.Repeat("*", len(rest))
	}
	return prefix + strings.Repeat("*", len(rest)-4) + rest[len(rest)-4:]
}
