package emulator

import (
	"encoding/json"
	"net/http"
)

// writeError answers with SendGrid's error body: {"errors": [{"field": ..., "message": ...}]}.
func writeError(w http.ResponseWriter, status int, field, message string) {
	item := map[string]any{"field": nil, "message": message}
	if field != "" {
		item["field"] = field
	}
	writeJSON(w, status, map[string]any{"errors": []any{item}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"field":null,"message":"internal error"}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
