package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is an Airtable API error. Airtable answers in three shapes, all emulated:
//
//	{"error": {"type": "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", "message": "..."}}   most errors
//	{"error": "NOT_FOUND"}                                                           unknown routes and records
//	{"errors": [{"error": "RATE_LIMIT_REACHED", "message": "..."}]}                   rate limits
type Error struct {
	// Status is the HTTP status.
	Status int
	// Type is Airtable's error type, e.g. "INVALID_VALUE_FOR_COLUMN".
	Type string
	// Message is the human message; empty for the bare {"error": TYPE} shape.
	Message string
	// List selects the {"errors": [...]} shape of rate limits.
	List bool
	// Header holds extra response headers.
	Header map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("airtable %d %s: %s", e.Status, e.Type, e.Message) }

func (e *Error) body() []byte {
	switch {
	case e.List:
		return mustJSON(map[string]any{"errors": []any{map[string]string{"error": e.Type, "message": e.Message}}})
	case e.Message == "":
		return mustJSON(map[string]string{"error": e.Type})
	}
	return mustJSON(map[string]any{"error": map[string]string{"type": e.Type, "message": e.Message}})
}

func apiError(status int, typ, msg string) *Error {
	return &Error{Status: status, Type: typ, Message: msg}
}

func errNotFound() *Error { return &Error{Status: http.StatusNotFound, Type: "NOT_FOUND"} }

func errAuthRequired() *Error {
	return apiError(http.StatusUnauthorized, "AUTHENTICATION_REQUIRED", "Authentication required")
}

func errNoPermission() *Error {
	return apiError(http.StatusForbidden, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
		"Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.")
}

func errRateLimited() *Error {
	return &Error{Status: http.StatusTooManyRequests, Type: "RATE_LIMIT_REACHED", Message: "Rate limit exceeded. Please try again later", List: true}
}

func errInvalidRequest(msg string) *Error {
	return apiError(http.StatusUnprocessableEntity, "INVALID_REQUEST_UNKNOWN", msg)
}

func errBadJSON() *Error {
	return apiError(http.StatusBadRequest, "INVALID_REQUEST_BODY", "Could not parse request body as JSON")
}

// errForStatus is the Airtable-shaped body of an injected fault with no explicit body.
func errForStatus(status int) *Error {
	switch {
	case status == http.StatusTooManyRequests:
		return errRateLimited()
	case status == http.StatusUnauthorized:
		return errAuthRequired()
	case status == http.StatusForbidden:
		return errNoPermission()
	case status == http.StatusNotFound:
		return errNotFound()
	case status == http.StatusUnprocessableEntity:
		return errInvalidRequest("Invalid request: parameter validation failed. Check your request data.")
	case status == http.StatusServiceUnavailable:
		return apiError(status, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please retry shortly.")
	case status >= 500:
		return apiError(status, "SERVER_ERROR", "Try again. If the problem persists, contact support.")
	}
	return apiError(status, "INVALID_REQUEST_UNKNOWN", http.StatusText(status))
}

// decodeBody reads a JSON object body.
func decodeBody(body []byte) (map[string]any, *Error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, errBadJSON()
	}
	return m, nil
}
