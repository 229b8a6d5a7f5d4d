package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// searchLimit is how many contacts a search answers at most; contact_count tells how many matched.
const searchLimit = 50

var (
	sgqlAnd  = regexp.MustCompile(`(?i)\s+and\s+`)
	sgqlTime = regexp.MustCompile(`(?i)^(updated_at|created_at)\s*(>=|<=|>|<|=)\s*timestamp\s*'([^']+)'$`)
	sgqlText = regexp.MustCompile(`(?i)^(email|first_name|last_name)\s*=\s*'([^']*)'$`)
)

// searchContacts serves POST /v3/marketing/contacts/search with the part of SGQL the emulator
// understands: conditions on updated_at/created_at (TIMESTAMP 'RFC 3339') and equality on email and
// names, joined by AND.
func (s *Server) searchContacts(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || strings.TrimSpace(body.Query) == "" {
		writeError(w, http.StatusBadRequest, "query", "query is required")
		return
	}
	var conds []func(map[string]any) bool
	for _, part := range sgqlAnd.Split(strings.TrimSpace(body.Query), -1) {
		part = strings.TrimSpace(part)
		if m := sgqlTime.FindStringSubmatch(part); m != nil {
			bound, err := time.Parse(time.RFC3339, m[3])
			if err != nil {
				writeError(w, http.StatusBadRequest, "query", "invalid timestamp "+m[3])
				return
			}
			field, op := strings.ToLower(m[1]), m[2]
			conds = append(conds, func(c map[string]any) bool {
				t, err := time.Parse(time.RFC3339, c[field].(string))
				if err != nil {
					return false
				}
				switch op {
				case ">=":
					return !t.Before(bound)
				case "<=":
					return !t.After(bound)
				case ">":
					return t.After(bound)
				case "<":
					return t.Before(bound)
				}
				return t.Equal(bound)
			})
			continue
		}
		if m := sgqlText.FindStringSubmatch(part); m != nil {
			field, want := strings.ToLower(m[1]), m[2]
			conds = append(conds, func(c map[string]any) bool { return c[field] == want })
			continue
		}
		writeError(w, http.StatusBadRequest, "query", "Invalid SGQL near "+part)
		return
	}
	s.mu.Lock()
	var hits []map[string]any
	for _, c := range s.tables["contacts"].list() {
		ok := true
		for _, f := range conds {
			ok = ok && f(c)
		}
		if ok {
			hits = append(hits, c)
		}
	}
	out := []map[string]any{}
	for _, c := range hits[:min(len(hits), searchLimit)] {
		out = append(out, clone(c))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"result": out, "contact_count": len(hits),
		"_metadata": map[string]any{"self": "https://api.sendgrid.com/v3/marketing/contacts/search"}})
}
