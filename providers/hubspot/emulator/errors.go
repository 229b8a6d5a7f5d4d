package emulator

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is a HubSpot error response: {"status": "error", "message", "correlationId", "category",
// ...}. Rate-limit answers carry errorType, policyName and groupName instead of a category.
type apiError struct {
	Status      int
	Category    string
	SubCategory string
	Message     string
	// Errors are the detailed errors of validation failures.
	Errors []map[string]any
	// Context holds extra keys (e.g. the required scopes).
	Context map[string]any
	// ErrorType, PolicyName and GroupName describe a rate limit.
	ErrorType, PolicyName, GroupName string
}

// Error implements the error interface.
func (e *apiError) Error() string {
	return fmt.Sprintf("hubspot %d %s: %s", e.Status, e.Category, e.Message)
}

// body renders the error as HubSpot does.
func (e *apiError) body() []byte {
	m := map[string]any{"status": "error", "message": e.Message, "correlationId": newUUID()}
	if e.Category != "" {
		m["category"] = e.Category
	}
	if e.SubCategory != "" {
		m["subCategory"] = e.SubCategory
	}
	if len(e.Errors) > 0 {
		m["errors"] = e.Errors
	}
	if len(e.Context) > 0 {
		m["context"] = e.Context
	}
	if e.ErrorType != "" {
		m["errorType"] = e.ErrorType
		m["policyName"] = e.PolicyName
		m["groupName"] = e.GroupName
	}
	b, _ := json.Marshal(m)
	return b
}

// writeError answers with e.
func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(e.body())
}

// newUUID returns a random version-4 UUID, the form of HubSpot's correlation ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func errNoAuth() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Category: "INVALID_AUTHENTICATION",
		Message: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"}
}

func errBadToken() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Category: "INVALID_AUTHENTICATION",
		Message: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"}
}

func errExpiredToken() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Category: "EXPIRED_AUTHENTICATION",
		Message: "The OAuth token used to make this call expired 0 second(s) ago."}
}

func errMissingScopes(scope string) *apiError {
	return &apiError{Status: http.StatusForbidden, Category: "MISSING_SCOPES",
		Message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
		Errors:  []map[string]any{{"message": "One or more of the following scopes are required.", "context": map[string]any{"requiredGranularScopes": []string{scope}}}}}
}

func errTenSecondlyLimit() *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Message: "You have reached your ten_secondly_rolling limit.",
		ErrorType: "RATE_LIMIT", PolicyName: "TEN_SECONDLY_ROLLING", GroupName: "publicapi:private-app"}
}

func errSecondlyLimit() *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Message: "You have reached your secondly limit.",
		ErrorType: "RATE_LIMIT", PolicyName: "SECONDLY", GroupName: "publicapi:crm-search"}
}

func errBadRequest(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Category: "VALIDATION_ERROR", Message: msg}
}

func errNotFound() *apiError {
	return &apiError{Status: http.StatusNotFound, Category: "OBJECT_NOT_FOUND", Message: "resource not found"}
}

func errUnknownType(name string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Category: "VALIDATION_ERROR", Message: "Unable to infer object type from: " + name}
}

func errConflict(msg string) *apiError {
	return &apiError{Status: http.StatusConflict, Category: "CONFLICT", Message: msg}
}

// errInvalidProperties is the answer to a create or update with invalid property values.
func errInvalidProperties(results []map[string]any) *apiError {
	b, _ := json.Marshal(results)
	return &apiError{Status: http.StatusBadRequest, Category: "VALIDATION_ERROR",
		Message: "Property values were not valid: " + string(b), Errors: detailErrors(results)}
}

// detailErrors turns property validation results into the errors array.
func detailErrors(results []map[string]any) []map[string]any {
	out := make([]map[string]any, len(results))
	for i, r := range results {
		out[i] = map[string]any{"message": r["message"], "code": r["error"], "context": map[string]any{"propertyName": []any{r["name"]}}}
	}
	return out
}

// errForStatus is the HubSpot-shaped body of an injected fault with no explicit body.
func errForStatus(status int) *apiError {
	switch {
	case status == http.StatusTooManyRequests:
		return errTenSecondlyLimit()
	case status == http.StatusUnauthorized:
		return errBadToken()
	case status == http.StatusForbidden:
		return errMissingScopes("crm.objects.contacts.read")
	case status == http.StatusNotFound:
		return errNotFound()
	case status == http.StatusConflict:
		return errConflict("Conflict.")
	case status == http.StatusLocked:
		return &apiError{Status: status, Category: "LOCKED", Message: "The object is locked by another request."}
	case status >= 500:
		return &apiError{Status: status, Category: "INTERNAL_ERROR", Message: "internal error"}
	default:
		return &apiError{Status: status, Category: "VALIDATION_ERROR", Message: http.StatusText(status)}
	}
}
