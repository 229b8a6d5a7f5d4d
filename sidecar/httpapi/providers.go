package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// providerJSON is the API shape of a row of sequin.providers_catalog, which the sidecar publishes at
// start and the SQL functions validate against; serving it from the table keeps both in agreement.
const providerJSON = `jsonb_build_object(
    'provider', p.provider, 'display_name', p.display_name, 'default_base_url', p.default_base_url,
    'credential_kinds', p.credential_kinds, 'collections', p.collections,
    'default_rate_limit', p.default_rate_limit, 'test_rate_limit', p.test_rate_limit)`

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request) {
	p, err := readPage(r, 1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var after any
	if p.after != nil {
		after = p.after[0]
	}
	rows, err := s.Pool.Query(r.Context(), `SELECT p.provider, `+providerJSON+` FROM sequin.providers_catalog p
		WHERE $1::text IS NULL OR p.provider > $1 ORDER BY p.provider LIMIT $2`, after, p.limit+1)
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing providers: %w", err))
		return
	}
	defer rows.Close()
	l := List{Data: []json.RawMessage{}}
	var last string
	for rows.Next() {
		var name string
		var b json.RawMessage
		if err := rows.Scan(&name, &b); err != nil {
			s.fail(w, r, fmt.Errorf("listing providers: %w", err))
			return
		}
		if int64(len(l.Data)) == p.limit {
			l.HasMore, l.NextCursor = true, encodeCursor(last)
			break
		}
		l.Data = append(l.Data, b)
		last = name
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.fail(w, r, fmt.Errorf("listing providers: %w", err))
		return
	}
	WriteJSON(w, http.StatusOK, l)
}
