package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// apiError is an error answer in Salesforce's shape: a JSON array of {"message", "errorCode",
// "fields"}.
type apiError struct {
	status  int
	code    string
	message string
	fields  []string
}

// Error returns the code and message.
func (e *apiError) Error() string { return e.code + ": " + e.message }

// body renders the error array.
func (e *apiError) body() []byte {
	fields := e.fields
	if fields == nil {
		fields = []string{}
	}
	return encode([]any{map[string]any{"message": e.message, "errorCode": e.code, "fields": fields}})
}

func (e *apiError) response() apiResponse {
	return apiResponse{status: e.status, body: e.body()}
}

func errNotFound() *apiError {
	return &apiError{status: http.StatusNotFound, code: "NOT_FOUND", message: "The requested resource does not exist"}
}

func errDeleted() *apiError {
	return &apiError{status: http.StatusNotFound, code: "ENTITY_IS_DELETED", message: "entity is deleted"}
}

func errSession() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: "INVALID_SESSION_ID", message: "Session expired or invalid"}
}

func errMethod(method string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED",
		message: fmt.Sprintf("HTTP Method '%s' not allowed. Allowed are GET,PATCH,DELETE", method)}
}

func errType(name string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "NOT_FOUND",
		message: fmt.Sprintf("The requested resource does not exist: sObject type '%s' is not supported.", name)}
}

func errField(object, name string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "INVALID_FIELD",
		message: fmt.Sprintf("No such column '%s' on sobject of type %s", name, object), fields: []string{}}
}

func errReadOnly(names []string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "INVALID_FIELD_FOR_INSERT_UPDATE",
		message: fmt.Sprintf("Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", strings.Join(names, ", ")),
		fields:  names}
}

func errRequired(names []string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "REQUIRED_FIELD_MISSING",
		message: fmt.Sprintf("Required fields are missing: [%s]", strings.Join(names, ", ")), fields: names}
}

func errJSON(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "JSON_PARSER_ERROR", message: msg}
}

func errQuery(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "MALFORMED_QUERY", message: msg}
}

func errLocator() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "INVALID_QUERY_LOCATOR", message: "invalid query locator"}
}

func errLimit(msg string) *apiError {
	return &apiError{status: http.StatusForbidden, code: "REQUEST_LIMIT_EXCEEDED", message: msg}
}

// errForStatus is the usual error body of a status, for injected faults.
func errForStatus(status int) *apiError {
	switch status {
	case http.StatusUnauthorized:
		return errSession()
	case http.StatusNotFound:
		return errNotFound()
	case http.StatusTooManyRequests, http.StatusForbidden:
		return &apiError{status: status, code: "REQUEST_LIMIT_EXCEEDED", message: "ConcurrentPerOrgLongTxn Limit exceeded."}
	case http.StatusServiceUnavailable:
		return &apiError{status: status, code: "SERVER_UNAVAILABLE", message: "Server temporarily unavailable. Please try again later."}
	}
	if status >= 500 {
		return &apiError{status: status, code: "UNKNOWN_EXCEPTION",
			message: "An unexpected error occurred. Please include this ErrorId if you contact support: 1790416389-1234 (-1021473481)"}
	}
	return &apiError{status: status, code: "INVALID_REQUEST", message: http.StatusText(status)}
}
