package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serve routes an authenticated request; it holds the server's lock throughout.
func (s *Server) serve(r *http.Request, seg []string, token string, body []byte) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := r.Method
	if len(seg) < 2 || seg[0] != "v0" {
		return errResponse(errNotFound())
	}
	switch {
	case len(seg) == 3 && seg[1] == "meta" && seg[2] == "whoami" && m == http.MethodGet:
		out := map[string]any{"id": s.st.user, "email": "sequin@example.com"}
		if scopes := s.oauth.scopesOf(token); scopes != nil {
			out["scopes"] = scopes
		}
		return okJSON(out)
	case len(seg) == 3 && seg[1] == "meta" && seg[2] == "bases" && m == http.MethodGet:
		return s.listBases(r)
	case len(seg) == 5 && seg[1] == "meta" && seg[2] == "bases" && seg[4] == "tables" && m == http.MethodGet:
		b := s.st.baseByID(seg[3])
		if b == nil {
			return errResponse(errNoPermission())
		}
		tables := make([]any, 0, len(b.tables))
		for _, t := range b.tables {
			tables = append(tables, t.schema())
		}
		return okJSON(map[string]any{"tables": tables})
	case len(seg) >= 4 && seg[1] == "bases" && seg[3] == "webhooks":
		return s.serveWebhooks(r, seg)
	case seg[1] == "meta" || seg[1] == "bases":
		return errResponse(errNotFound())
	}
	b := s.st.baseByID(seg[1])
	if b == nil || len(seg) < 3 {
		return errResponse(errNoPermission())
	}
	t := b.tableNamed(seg[2])
	if t == nil {
		return errResponse(errNoPermission())
	}
	switch {
	case len(seg) == 3 && m == http.MethodGet:
		return s.listRecords(r, t)
	case len(seg) == 3 && m == http.MethodPost:
		return s.createRecords(t, body)
	case len(seg) == 3 && m == http.MethodDelete:
		return s.deleteRecords(t, r.URL.Query()["records[]"])
	case len(seg) == 4:
		rec := t.byID[seg[3]]
		if rec == nil {
			return errResponse(errNotFound())
		}
		switch m {
		case http.MethodGet:
			return response{status: http.StatusOK, body: t.render(rec)}
		case http.MethodPatch, http.MethodPut:
			return s.updateRecord(t, rec, body, m == http.MethodPut)
		case http.MethodDelete:
			s.destroy(t, []*record{rec})
			return okJSON(map[string]any{"deleted": true, "id": rec.id})
		}
	}
	return errResponse(errNotFound())
}

// listBases is GET /v0/meta/bases: the bases the token can reach, BasesPageSize at a time.
func (s *Server) listBases(r *http.Request) response {
	start := 0
	if off := r.URL.Query().Get("offset"); off != "" {
		i := -1
		for k, b := range s.st.bases {
			if "itr"+b.id == off {
				i = k
			}
		}
		if i < 0 {
			return errResponse(apiError(http.StatusUnprocessableEntity, "INVALID_OFFSET_VALUE", "The value of offset "+off+" is invalid"))
		}
		start = i
	}
	end := min(start+s.cfg.BasesPageSize, len(s.st.bases))
	bases := make([]any, 0, end-start)
	for _, b := range s.st.bases[start:end] {
		bases = append(bases, b.info())
	}
	out := map[string]any{"bases": bases}
	if end < len(s.st.bases) {
		out["offset"] = "itr" + s.st.bases[end].id
	}
	return okJSON(out)
}

// iterator is a listing in progress, resumed by its offset.
type iterator struct {
	query   string // the parameters the listing was started with
	lastSeq int    // the creation number of the last record served
	at      time.Time
}

// maxPageSize is the largest (and default) pageSize of a record listing.
const maxPageSize = 100

// listRecords is GET /v0/{baseId}/{table}: records in creation order, filtered by filterByFormula,
// pageSize at a time; the answer's offset resumes the listing and expires after IteratorTTL.
func (s *Server) listRecords(r *http.Request, t *table) response {
	q := r.URL.Query()
	pageSize := maxPageSize
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return errResponse(errInvalidRequest("Invalid request: parameter validation failed. Check your request data."))
		}
		pageSize = n
	}
	if v := q.Get("view"); v != "" && !hasView(t, v) {
		return errResponse(apiError(http.StatusUnprocessableEntity, "VIEW_NAME_NOT_FOUND", "Could not find view "+strconv.Quote(v)+" in table "+t.name))
	}
	var filter formulaNode
	if src := q.Get("filterByFormula"); src != "" {
		n, err := parseFormula(src, t)
		if err != nil {
			return errResponse(apiError(http.StatusUnprocessableEntity, "INVALID_FILTER_BY_FORMULA", "The formula for filtering records is invalid: "+err.Error()))
		}
		filter = n
	}
	sig := t.id + "|" + q.Get("filterByFormula") + "|" + strconv.Itoa(pageSize) + "|" + q.Get("view")
	now := time.Now()
	s.expireIterators(now)
	after := 0
	if off := q.Get("offset"); off != "" {
		if !strings.HasPrefix(off, "itr") || !strings.Contains(off, "/") {
			return errResponse(apiError(http.StatusUnprocessableEntity, "INVALID_OFFSET_VALUE", "The value of offset "+off+" is invalid"))
		}
		it := s.iterators[off]
		if it == nil || it.query != sig {
			return errResponse(apiError(http.StatusUnprocessableEntity, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"))
		}
		after = it.lastSeq
	}
	var page []*record
	more := false
	for _, rec := range t.records {
		if rec.seq <= after {
			continue
		}
		if filter != nil {
			v, err := filter.eval(&formulaEnv{t: t, r: rec})
			if err != nil {
				return errResponse(apiError(http.StatusUnprocessableEntity, "INVALID_FILTER_BY_FORMULA", "The formula for filtering records is invalid: "+err.Error()))
			}
			if !truthy(v) {
				continue
			}
		}
		if len(page) == pageSize {
			more = true
			break
		}
		page = append(page, rec)
	}
	records := make([]any, 0, len(page))
	for _, rec := range page {
		records = append(records, t.render(rec))
	}
	out := map[string]any{"records": records}
	if more {
		last := page[len(page)-1]
		off := randomID(s.st.rng, "itr") + "/" + last.id
		s.iterators[off] = &iterator{query: sig, lastSeq: last.seq, at: now}
		out["offset"] = off
	}
	return okJSON(out)
}

func hasView(t *table, v string) bool {
	for _, vw := range t.views {
		if vw.ID == v || vw.Name == v {
			return true
		}
	}
	return false
}

// expireIterators forgets listings older than IteratorTTL.
func (s *Server) expireIterators(now time.Time) {
	for k, it := range s.iterators {
		if now.Sub(it.at) > s.cfg.IteratorTTL {
			delete(s.iterators, k)
		}
	}
}

// ExpireIterators makes every offset handed out so far invalid, as Airtable's do after a while.
func (s *Server) ExpireIterators() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.iterators)
}
