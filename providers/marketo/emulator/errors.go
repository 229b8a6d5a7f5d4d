package emulator

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
)

func requestID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x#%x", b, b[0])
}

// writeErrors answers as Marketo does for an error: HTTP 200, success false, the code in the body.
func writeErrors(w http.ResponseWriter, code, message string) {
	writeJSON(w, map[string]any{"requestId": requestID(), "success": false, "errors": []any{map[string]any{"code": code, "message": message}}})
}

// writeResult answers a successful call: {"requestId", "success": true, "result": [...]} plus extras.
func writeResult(w http.ResponseWriter, result []map[string]any, extra map[string]any) {
	body := map[string]any{"requestId": requestID(), "success": true}
	if result != nil {
		body["result"] = result
	}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, body)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"success":false,"errors":[{"code":"611","message":"System error"}]}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
