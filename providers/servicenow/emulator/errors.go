package emulator

import (
	"encoding/json"
	"net/http"
)

// errorBody is ServiceNow's error envelope:
// {"error": {"message": "...", "detail": "..."}, "status": "failure"}.
type errorBody struct {
	Error struct {
		Message string  `json:"message"`
		Detail  *string `json:"detail"`
	} `json:"error"`
	Status string `json:"status"`
}

// errorJSON renders an error body; an empty detail is null, as ServiceNow sends it.
func errorJSON(message, detail string) []byte {
	var b errorBody
	b.Error.Message = message
	if detail != "" {
		b.Error.Detail = &detail
	}
	b.Status = "failure"
	out, _ := json.Marshal(b)
	return out
}

// writeError answers with a ServiceNow error.
func writeError(w http.ResponseWriter, status int, message, detail string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(errorJSON(message, detail))
}

// response is an answer built under the store's lock and written after it.
type response struct {
	status int
	header map[string]string
	body   []byte
}

// errResp is an error answer.
func errResp(status int, message, detail string) response {
	return response{status: status, body: errorJSON(message, detail)}
}

// jsonResp is a {"result": ...} answer.
func jsonResp(status int, result any) response {
	b, err := json.Marshal(map[string]any{"result": result})
	if err != nil {
		return errResp(http.StatusInternalServerError, "Internal server error", err.Error())
	}
	return response{status: status, body: b, header: map[string]string{}}
}
