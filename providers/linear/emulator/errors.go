package emulator

import (
	"encoding/json"
	"net/http"
)

// gqlError is one entry of a GraphQL "errors" array, shaped as Linear's: a message and extensions
// with a code ("RATELIMITED", "AUTHENTICATION_ERROR", "INPUT_ERROR", ...), the error type the SDK
// switches on ("ratelimited", "authentication error", "invalid input", ...), the HTTP status it
// stands for, whether the user caused it, and a message fit to show a person.
type gqlError struct {
	Message    string        `json:"message"`
	Path       []string      `json:"path,omitempty"`
	Extensions gqlExtensions `json:"extensions"`
	// status is the HTTP status an answer made only of this error is sent with.
	status int
}

type gqlExtensions struct {
	Type                   string `json:"type"`
	Code                   string `json:"code"`
	StatusCode             int    `json:"statusCode"`
	UserError              bool   `json:"userError"`
	UserPresentableMessage string `json:"userPresentableMessage,omitempty"`
}

// Error implements the error interface.
func (e *gqlError) Error() string { return e.Extensions.Code + ": " + e.Message }

func newError(status int, typ, code, msg, userMsg string) *gqlError {
	return &gqlError{Message: msg, status: status, Extensions: gqlExtensions{
		Type: typ, Code: code, StatusCode: status, UserError: status < 500, UserPresentableMessage: userMsg}}
}

func errAuthentication() *gqlError {
	return newError(http.StatusUnauthorized, "authentication error", "AUTHENTICATION_ERROR",
		"Authentication required, not authenticated", "You need to authenticate to access this operation.")
}

func errRateLimited(what string) *gqlError {
	return newError(http.StatusBadRequest, "ratelimited", "RATELIMITED",
		"Rate limit exceeded", "You have exceeded the "+what+" limit. Please slow down and try again later.")
}

func errTooComplex(complexity int) *gqlError {
	return newError(http.StatusBadRequest, "invalid input", "INPUT_ERROR",
		"Query too complex - complexity is "+itoa(complexity)+", maximum allowed is "+itoa(MaxComplexity),
		"The query is too complex. Request fewer fields or fewer items per page.")
}

// errParse is a document that is not valid GraphQL.
func errParse(msg string) *gqlError {
	return newError(http.StatusBadRequest, "graphql error", "GRAPHQL_PARSE_FAILED", msg, "")
}

// errValidation is a document that does not fit the schema.
func errValidation(msg string) *gqlError {
	return newError(http.StatusBadRequest, "graphql error", "GRAPHQL_VALIDATION_FAILED", msg, "")
}

// errInput is an argument the API refuses.
func errInput(msg, userMsg string) *gqlError {
	return newError(http.StatusBadRequest, "invalid input", "INPUT_ERROR", "Argument Validation Error - "+msg, userMsg)
}

// errNotFound is an entity that does not exist, answered with HTTP 200 and "data": null as Linear does.
func errNotFound(typ string, path ...string) *gqlError {
	e := newError(http.StatusBadRequest, "invalid input", "INPUT_ERROR", "Entity not found: "+typ,
		"Could not find referenced "+typ+".")
	e.status = http.StatusOK
	e.Path = path
	return e
}

func errInternal() *gqlError {
	return newError(http.StatusInternalServerError, "internal error", "INTERNAL_SERVER_ERROR",
		"Internal server error", "An unexpected error happened. Please try again.")
}

// errForStatus is the body of an injected fault of the given status.
func errForStatus(status int) *gqlError {
	switch {
	case status == http.StatusTooManyRequests:
		e := errRateLimited("request")
		e.status, e.Extensions.StatusCode = status, status
		return e
	case status == http.StatusUnauthorized:
		return errAuthentication()
	case status == http.StatusForbidden:
		return newError(status, "forbidden", "FORBIDDEN", "Invalid scope: `write` required",
			"You don't have permission to perform this operation.")
	case status >= 500:
		e := errInternal()
		e.status, e.Extensions.StatusCode = status, status
		return e
	}
	return newError(status, "invalid input", "INPUT_ERROR", http.StatusText(status), "")
}

// body renders an answer made of errors only.
func errorBody(errs ...*gqlError) []byte {
	b, _ := json.Marshal(map[string]any{"errors": errs})
	return b
}

// writeErrors answers with errs and the first one's status.
func writeErrors(w http.ResponseWriter, errs ...*gqlError) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(errs[0].status)
	_, _ = w.Write(errorBody(errs...))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
