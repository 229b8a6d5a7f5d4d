package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5/pgconn"
)

// The error codes of the management API, in {"error": {"code": ...}}.
const (
	CodeInvalidJSON      = "invalid_json"
	CodeUnknownField     = "unknown_field"
	CodeInvalidType      = "invalid_type"
	CodeInvalidParameter = "invalid_parameter"
	CodeUnknownParameter = "unknown_parameter"
	CodeInvalidArgument  = "invalid_argument"
	CodeUnauthorized     = "unauthorized"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeBodyTooLarge     = "body_too_large"
	CodeNotImplemented   = "not_implemented"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// Error is the body of a failed response, {"error": Error}. Message and Hint of invalid_argument errors
// are those of the SQL function that refused the request, so SQL and HTTP users read the same words.
type Error struct {
	// Status is the HTTP status of the response.
	Status int `json:"-"`
	// Code is one of the Code constants, for programs to branch on.
	Code string `json:"code"`
	// Message says what is wrong, naming the argument or field.
	Message string `json:"message"`
	// Hint says what would be accepted; it may be empty.
	Hint string `json:"hint"`
	// Field names the request field or query parameter at fault, where there is one.
	Field string `json:"field,omitempty"`
	// Item is the index of the array element at fault (mutations/run), where there is one.
	Item *int `json:"item,omitempty"`
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

func newError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

func notFound(message string) *Error { return newError(http.StatusNotFound, CodeNotFound, message) }

func invalidArgument(message, hint string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeInvalidArgument, Message: message, Hint: hint}
}

func invalidParameter(name, message string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidParameter, Message: message, Field: name}
}

// WriteError writes {"error": {...}} with status code; other handlers mounted on the Server use it to
// answer in the same shape.
func WriteError(w http.ResponseWriter, status int, code, message, hint string) {
	writeErr(w, &Error{Status: status, Code: code, Message: message, Hint: hint})
}

func writeErr(w http.ResponseWriter, e *Error) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sequin"`)
	}
	WriteJSON(w, e.Status, map[string]*Error{"error": e})
}

// fail answers a request that failed with err: API errors as they are, the SQL functions' argument
// errors as 422 with their message and hint, anything unexpected as a logged 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeErr(w, s.classify(r, err))
}

func (s *Server) classify(r *http.Request, err error) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "22023": // invalid_parameter_value: raised by the SQL functions naming the argument
			return invalidArgument(pgErr.Message, pgErr.Hint)
		case "23505": // unique_violation: lost a race with a concurrent request for the same name
			return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: pgErr.Message, Hint: pgErr.Detail}
		}
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return newError(http.StatusServiceUnavailable, CodeUnavailable, "the request was canceled")
	}
	s.logger().ErrorContext(r.Context(), "http api request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	return newError(http.StatusInternalServerError, CodeInternal, "internal error; the sidecar's log has the details")
}
