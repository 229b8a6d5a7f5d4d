package emulator

import (
	"encoding/json"
	"net/http"
)

// writeError answers with CheckoutChamp's envelope {"result": "ERROR", "message": ...}.
func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(envelope("ERROR", message))
}

// envelope renders {"result": ..., "message": ...}.
func envelope(result string, message any) []byte {
	b, _ := json.Marshal(map[string]any{"result": result, "message": message})
	return b
}

// response is an answer built under the store's lock and written after it.
type response struct {
	status int
	header map[string]string
	body   []byte
}

// failure is an API error: CheckoutChamp reports them with HTTP 200.
func failure(message string) response {
	return response{status: http.StatusOK, body: envelope("ERROR", message), header: map[string]string{"Content-Type": "application/json"}}
}

// success is a successful answer.
func success(message any) response {
	return response{status: http.StatusOK, body: envelope("SUCCESS", message), header: map[string]string{"Content-Type": "application/json"}}
}
