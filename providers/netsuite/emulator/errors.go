package emulator

import (
	"encoding/json"
	"net/http"
)

// problem is NetSuite's error body, an RFC 9457 problem with NetSuite's details:
// {"type": ..., "title": ..., "status": 404, "o:errorDetails": [{"detail": ..., "o:errorCode": ...}]}.
type problem struct {
	Type    string   `json:"type"`
	Title   string   `json:"title"`
	Status  int      `json:"status"`
	Details []detail `json:"o:errorDetails"`
}

type detail struct {
	Detail string `json:"detail"`
	Path   string `json:"o:errorPath,omitempty"`
	Code   string `json:"o:errorCode"`
}

// problemTypes are the type links NetSuite sends per status.
var problemTypes = map[int]string{
	400: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
	401: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
	403: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4",
	404: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5",
	429: "https://www.rfc-editor.org/rfc/rfc6585.html#section-4",
	500: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1",
}

// errorCodeFor is the o:errorCode NetSuite uses for a status when nothing more specific applies.
func errorCodeFor(status int) string {
	switch status {
	case 400:
		return "INVALID_PARAMETER"
	case 401:
		return "INVALID_LOGIN"
	case 403:
		return "INSUFFICIENT_PERMISSION"
	case 404:
		return "NONEXISTENT_ID"
	case 429:
		return "CONCURRENCY_LIMIT_EXCEEDED"
	}
	return "UNEXPECTED_ERROR"
}

// problemJSON renders an error body.
func problemJSON(status int, code, message string) []byte {
	b, _ := json.Marshal(problem{Type: problemTypes[status], Title: http.StatusText(status), Status: status,
		Details: []detail{{Detail: message, Code: code}}})
	return b
}

// writeError answers with a NetSuite error.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/vnd.oracle.resource+json; type=error")
	w.WriteHeader(status)
	_, _ = w.Write(problemJSON(status, code, message))
}

// response is an answer built under the store's lock and written after it.
type response struct {
	status int
	header map[string]string
	body   []byte
}

// errResp is an error answer.
func errResp(status int, code, message string) response {
	return response{status: status, body: problemJSON(status, code, message),
		header: map[string]string{"Content-Type": "application/vnd.oracle.resource+json; type=error"}}
}

// jsonResp is a JSON answer.
func jsonResp(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return errResp(http.StatusInternalServerError, "UNEXPECTED_ERROR", err.Error())
	}
	return response{status: status, body: b, header: map[string]string{"Content-Type": "application/vnd.oracle.resource+json; type=collection"}}
}
