package emulator

import (
	"net/http"
	"sort"
)

// apiError is an error answer in Shopify's shape: {"errors": "message"} or
// {"errors": {"field": ["message", ...]}}.
type apiError struct {
	status int
	// message is set for the string form, fields for the object form.
	message string
	fields  map[string]any
}

// Error implements the error interface.
func (e *apiError) Error() string {
	if e.fields != nil {
		return http.StatusText(e.status) + ": " + string(encode(e.fields))
	}
	return http.StatusText(e.status) + ": " + e.message
}

func (e *apiError) body() []byte {
	if e.fields != nil {
		return encode(map[string]any{"errors": e.fields})
	}
	return encode(map[string]any{"errors": e.message})
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body())
}

func errNotFound() *apiError { return &apiError{status: http.StatusNotFound, message: "Not Found"} }

func errInvalidToken() *apiError {
	return &apiError{status: http.StatusUnauthorized, message: "[API] Invalid API key or access token (unrecognized login or wrong password)"}
}

func errThrottled() *apiError {
	return &apiError{status: http.StatusTooManyRequests, message: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}
}

// errPageInfo is Shopify's answer to a page_info it cannot read or one sent with other filters.
func errPageInfo() *apiError {
	return &apiError{status: http.StatusBadRequest, fields: map[string]any{"page_info": "Invalid value."}}
}

// errParam is a 400 naming a query parameter.
func errParam(name, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, fields: map[string]any{name: msg}}
}

// errRequired is Shopify's 400 for a missing top-level key such as "product".
func errRequired(key string) *apiError {
	return &apiError{status: http.StatusBadRequest, fields: map[string]any{key: "Required parameter missing or invalid"}}
}

// errUnprocessable is a 422 with messages per field.
func errUnprocessable(field string, msgs ...string) *apiError {
	list := make([]any, len(msgs))
	for i, m := range msgs {
		list[i] = m
	}
	return &apiError{status: http.StatusUnprocessableEntity, fields: map[string]any{field: list}}
}

// errForStatus is the body of an injected fault with no explicit body.
func errForStatus(status int) *apiError {
	switch status {
	case http.StatusUnauthorized:
		return errInvalidToken()
	case http.StatusTooManyRequests:
		return errThrottled()
	case http.StatusNotFound:
		return errNotFound()
	case http.StatusPaymentRequired:
		return &apiError{status: status, message: "Unavailable Shop"}
	case http.StatusForbidden:
		return &apiError{status: status, message: "[API] This action requires merchant approval for read_products scope."}
	case http.StatusLocked:
		return &apiError{status: status, message: "This shop is unavailable"}
	case http.StatusUnprocessableEntity:
		return errUnprocessable("base", "Unprocessable Entity")
	}
	msg := http.StatusText(status)
	if msg == "" {
		msg = "Error"
	}
	return &apiError{status: status, message: msg}
}

// fieldNames lists an error's fields, sorted (for tests).
func (e *apiError) fieldNames() []string {
	var out []string
	for k := range e.fields {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
