package emulator

import (
	"encoding/json"
	"net/http"
)

// errorBody is Workday's REST error envelope: {"error": "...", "errors": [{"error": "...", "field":
// "...", "location": "..."}]}.
type errorBody struct {
	Error  string        `json:"error"`
	Errors []errorDetail `json:"errors,omitempty"`
}

// errorDetail is one entry of an error body's errors.
type errorDetail struct {
	Error    string `json:"error"`
	Field    string `json:"field,omitempty"`
	Location string `json:"location,omitempty"`
}

// response is an answer built under the store's lock and written after it.
type response struct {
	status int
	header map[string]string
	body   []byte
}

// errResp is an error answer, with details when given.
func errResp(status int, message string, details ...errorDetail) response {
	b, _ := json.Marshal(errorBody{Error: message, Errors: details})
	return response{status: status, body: b}
}

// jsonResp is a JSON answer.
func jsonResp(v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return errResp(http.StatusInternalServerError, "Internal server error")
	}
	return response{status: http.StatusOK, body: b}
}

// writeResp writes an answer.
func writeResp(w http.ResponseWriter, r response) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	if r.body != nil {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}
