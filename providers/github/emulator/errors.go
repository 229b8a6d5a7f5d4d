package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// docsRoot prefixes documentation_url in error bodies, as GitHub's do.
const docsRoot = "https://docs.github.com/rest"

// FieldError is one entry of a 422 answer's "errors" list.
type FieldError struct {
	Resource string `json:"resource,omitempty"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
}

// Error is a GitHub API error as the emulator returns it: {"message", "errors", "documentation_url",
// "status"}.
type Error struct {
	// Status is the HTTP status of the response.
	Status int
	// Message is GitHub's message, e.g. "Not Found" or "Validation Failed".
	Message string
	// Errors details a validation failure.
	Errors []FieldError
	// DocumentationURL points at the endpoint's documentation.
	DocumentationURL string
	// Header holds extra response headers (rate-limit resets, Retry-After).
	Header map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Errors) > 0 {
		return fmt.Sprintf("github %d: %s (%s %s %s)", e.Status, e.Message, e.Errors[0].Resource, e.Errors[0].Field, e.Errors[0].Code)
	}
	return fmt.Sprintf("github %d: %s", e.Status, e.Message)
}

func (e *Error) body() []byte {
	doc := e.DocumentationURL
	if doc == "" {
		doc = docsRoot
	}
	b, _ := json.Marshal(struct {
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors,omitempty"`
		Doc     string       `json:"documentation_url"`
		Status  string       `json:"status"`
	}{e.Message, e.Errors, doc, strconv.Itoa(e.Status)})
	return b
}

func errNotFound() *Error {
	return &Error{Status: http.StatusNotFound, Message: "Not Found"}
}

func errRequiresAuth() *Error {
	return &Error{Status: http.StatusUnauthorized, Message: "Requires authentication"}
}

func errBadCredentials() *Error {
	return &Error{Status: http.StatusUnauthorized, Message: "Bad credentials"}
}

func errBadJSON() *Error {
	return &Error{Status: http.StatusBadRequest, Message: "Problems parsing JSON"}
}

func errValidation(resource, field, code string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Message: "Validation Failed",
		Errors: []FieldError{{Resource: resource, Field: field, Code: code}}}
}

func errInvalidParam(msg string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Message: msg}
}

func errForbidden(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Message: msg}
}

func errEmptyRepo() *Error {
	return &Error{Status: http.StatusConflict, Message: "Git Repository is empty."}
}

func errIssuesDisabled() *Error {
	return &Error{Status: http.StatusGone, Message: "Issues are disabled for this repo"}
}

// errPrimaryLimit is the answer once a token's hourly budget is spent.
func errPrimaryLimit(userID int64) *Error {
	return &Error{Status: http.StatusForbidden,
		Message:          fmt.Sprintf("API rate limit exceeded for user ID %d. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.", userID),
		DocumentationURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"}
}

// errSecondaryLimit is the answer to bursts GitHub's abuse detection refuses.
func errSecondaryLimit() *Error {
	return &Error{Status: http.StatusForbidden,
		Message:          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
		DocumentationURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}
}

// errForStatus is the GitHub-shaped body of an injected fault with no explicit body.
func errForStatus(status int) *Error {
	switch {
	case status == http.StatusTooManyRequests:
		e := errSecondaryLimit()
		e.Status = status
		return e
	case status == http.StatusUnauthorized:
		return errBadCredentials()
	case status == http.StatusForbidden:
		return errForbidden("Resource not accessible by personal access token")
	case status == http.StatusNotFound:
		return errNotFound()
	case status == http.StatusConflict:
		return errEmptyRepo()
	case status == http.StatusUnprocessableEntity:
		return &Error{Status: status, Message: "Validation Failed"}
	case status == http.StatusServiceUnavailable:
		return &Error{Status: status, Message: "Service Unavailable"}
	case status >= 500:
		return &Error{Status: status, Message: "Server Error"}
	default:
		return &Error{Status: status, Message: http.StatusText(status)}
	}
}
