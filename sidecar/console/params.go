package console

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// paramError is a query parameter the route cannot use.
type paramError struct {
	code, name, message, hint string
}

func (e *paramError) Error() string { return e.message }

func (e *paramError) write(w http.ResponseWriter) {
	httpapi.WriteJSON(w, http.StatusBadRequest, map[string]*httpapi.Error{"error": {
		Status: http.StatusBadRequest, Code: e.code, Message: e.message, Hint: e.hint, Field: e.name}})
}

func invalidParam(name, format string, args ...any) *paramError {
	return &paramError{code: httpapi.CodeInvalidParameter, name: name, message: fmt.Sprintf(format, args...)}
}

// checkParams refuses query parameters a route does not take, as the management API does, so that a
// misspelt filter is an error rather than silently ignored.
func checkParams(r *http.Request, known ...string) *paramError {
	for name := range r.URL.Query() {
		found := false
		for _, k := range known {
			found = found || k == name
		}
		if !found {
			sorted := append([]string(nil), known...)
			sort.Strings(sorted)
			return &paramError{code: httpapi.CodeUnknownParameter, name: name,
				message: fmt.Sprintf("unknown query parameter %q", name), hint: "accepted: " + strings.Join(sorted, ", ")}
		}
	}
	return nil
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// uuidParam reads an optional UUID query parameter; absent is nil, so SQL sees NULL.
func uuidParam(r *http.Request, name string) (*string, *paramError) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	if !uuidPattern.MatchString(v) {
		return nil, invalidParam(name, "query parameter %q must be a UUID, got %q", name, v)
	}
	v = strings.ToLower(v)
	return &v, nil
}

// limitParam reads ?limit=, from 1 to max.
func limitParam(r *http.Request, def, maxLimit int) (int, *paramError) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, invalidParam("limit", "query parameter \"limit\" must be an integer from 1 to %d, got %q", maxLimit, v)
	}
	return n, nil
}

// keysetCursor is the position after the last item of a page ordered by (inserted_at, id).
type keysetCursor struct {
	at time.Time
	id string
}

func (c keysetCursor) encode() string {
	b, _ := json.Marshal([]string{c.at.UTC().Format(time.RFC3339Nano), c.id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// cursorParam reads ?cursor=, nil for the first page.
func cursorParam(r *http.Request) (*keysetCursor, *paramError) {
	v := r.URL.Query().Get("cursor")
	if v == "" {
		return nil, nil
	}
	bad := invalidParam("cursor", "query parameter \"cursor\" is not a cursor this list returned")
	b, err := base64.RawURLEncoding.DecodeString(v)
	var parts []string
	if err != nil || json.Unmarshal(b, &parts) != nil || len(parts) != 2 || !uuidPattern.MatchString(parts[1]) {
		return nil, bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return nil, bad
	}
	return &keysetCursor{at: at, id: parts[1]}, nil
}
