package emulator

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxPerPage is the Management API's largest page; pagingWindow is how deep page/per_page may reach
// into user search results.
const (
	maxPerPage   = 100
	pagingWindow = 1000
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /oauth/token", s.token)
	m.HandleFunc("GET /api/v2/logs", s.auth(s.listLogs))
	m.HandleFunc("GET /api/v2/users-by-email", s.auth(s.usersByEmail))
	m.HandleFunc("GET /api/v2/{coll}", s.auth(s.list))
	m.HandleFunc("POST /api/v2/{coll}", s.auth(s.post))
	m.HandleFunc("GET /api/v2/{coll}/{id}", s.auth(s.get))
	m.HandleFunc("PATCH /api/v2/{coll}/{id}", s.auth(s.patch))
	m.HandleFunc("DELETE /api/v2/{coll}/{id}", s.auth(s.delete))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", "")
	})
	return m
}

// token is the client-credentials grant of POST /oauth/token, with the client authenticated in the
// body (client_secret_post) or with HTTP Basic (client_secret_basic), form-encoded or JSON.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	params := url.Values{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if ct == "application/json" {
		var m map[string]string
		if json.Unmarshal(body, &m) != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": "Invalid JSON body"})
			return
		}
		for k, v := range m {
			params.Set(k, v)
		}
	} else {
		params, _ = url.ParseQuery(string(body))
	}
	id, secret := params.Get("client_id"), params.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	if params.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusForbidden, map[string]any{"error": "unauthorized_client", "error_description": "Grant type '" + params.Get("grant_type") + "' not allowed for the client."})
		return
	}
	if id == "" || secret == "" || (len(s.cfg.Clients) > 0 && s.cfg.Clients[id] != secret) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "access_denied", "error_description": "Unauthorized"})
		return
	}
	if aud := params.Get("audience"); aud != s.Audience() {
		writeJSON(w, http.StatusForbidden, map[string]any{"error": "access_denied", "error_description": "Service not enabled within domain: " + aud})
		return
	}
	tok := "eyJ" + alnumID(40)
	s.mu.Lock()
	s.tokens[tok] = s.cfg.Now().Add(s.cfg.TokenTTL)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(s.cfg.TokenTTL / time.Second), "scope": "read:users update:users delete:users create:users read:organizations read:roles read:clients read:connections read:logs"})
}

// auth checks the bearer token of a Management API request.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			writeError(w, http.StatusUnauthorized, "Missing authentication", "")
			return
		}
		s.mu.Lock()
		exp, known := s.tokens[tok]
		s.mu.Unlock()
		switch {
		case !known:
			writeError(w, http.StatusUnauthorized, "Invalid token", "")
		case s.cfg.Now().After(exp):
			writeError(w, http.StatusUnauthorized, "Expired token received for JSON Web Token validation", "")
		default:
			next(w, r)
		}
	}
}

// paging reads page/per_page/include_totals; paged is false when neither page nor per_page is given.
func paging(q url.Values) (page, perPage int, paged, totals bool, err *apiError) {
	page, perPage = 0, 50
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"page", &page, 1 << 30}, {"per_page", &perPage, maxPerPage}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		paged = true
		n, convErr := strconv.Atoi(v)
		switch {
		case convErr != nil || n < 0:
			return 0, 0, false, false, &apiError{400, "Query validation error: 'Expected type integer but found type string' on property " + p.name + ".", "invalid_query_string"}
		case n > p.max:
			return 0, 0, false, false, &apiError{400, "Query validation error: 'Number is greater than maximum' on property " + p.name + ".", "invalid_query_string"}
		}
		*p.dst = n
	}
	return page, perPage, paged, q.Get("include_totals") == "true", nil
}

// list serves GET /api/v2/{users,organizations,roles,clients,connections}.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	k, ok := kindOf(r.PathValue("coll"))
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	q := r.URL.Query()
	if k.name == "organizations" && (q.Has("from") || q.Has("take")) {
		s.checkpointList(w, k, q)
		return
	}
	page, perPage, paged, totals, perr := paging(q)
	if perr != nil {
		writeError(w, perr.status, perr.message, perr.code)
		return
	}
	s.mu.Lock()
	objs := s.tables[k.name].list()
	s.mu.Unlock()
	if k.name == "users" {
		var err *apiError
		if objs, err = searchUsers(objs, q.Get("q"), q.Get("sort")); err != nil {
			writeError(w, err.status, err.message, err.code)
			return
		}
		if (page+1)*perPage > pagingWindow {
			writeError(w, http.StatusBadRequest, "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation", "invalid_paging")
			return
		}
	}
	start := min(page*perPage, len(objs))
	end := min(start+perPage, len(objs))
	if !paged && k.name != "users" {
		start, end = 0, len(objs) // without paging parameters these endpoints return everything
	}
	pageObjs := make([]map[string]any, 0, end-start)
	for _, o := range objs[start:end] {
		pageObjs = append(pageObjs, clone(o))
	}
	if !totals {
		writeJSON(w, http.StatusOK, pageObjs)
		return
	}
	body := map[string]any{"start": start, "limit": perPage, "length": len(pageObjs), "total": len(objs), k.name: pageObjs}
	writeJSON(w, http.StatusOK, body)
}

// checkpointList serves checkpoint pagination (from/take) of organizations: "next" is an opaque token
// naming the last organization returned, absent on the last page.
func (s *Server) checkpointList(w http.ResponseWriter, k kind, q url.Values) {
	take := 50
	if v := q.Get("take"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			writeError(w, http.StatusBadRequest, "Query validation error: 'Number is greater than maximum' on property take.", "invalid_query_string")
			return
		}
		take = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[k.name]
	start := 0
	if from := q.Get("from"); from != "" {
		raw, err := base64.RawURLEncoding.DecodeString(from)
		n, convErr := strconv.Atoi(string(raw))
		if err != nil || convErr != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "Invalid checkpoint (from) value", "invalid_query_string")
			return
		}
		start = min(n, len(t.order))
	}
	end := min(start+take, len(t.order))
	objs := make([]map[string]any, 0, end-start)
	for _, id := range t.order[start:end] {
		objs = append(objs, clone(t.objs[id]))
	}
	body := map[string]any{k.name: objs}
	if end < len(t.order) {
		body["next"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	k, ok := kindOf(r.PathValue("coll"))
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	s.mu.Lock()
	o := s.tables[k.name].objs[r.PathValue("id")]
	if o != nil {
		o = clone(o)
	}
	s.mu.Unlock()
	if o == nil {
		e := notFound(k)
		writeError(w, e.status, e.message, e.code)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// readBody decodes a JSON object body.
func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var m map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil || m == nil {
		writeError(w, http.StatusBadRequest, "Payload validation error: 'Invalid JSON'.", "invalid_body")
		return nil, false
	}
	return m, true
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	k, ok := kindOf(r.PathValue("coll"))
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	if k.name == "users" {
		if _, has := data["user_id"]; has {
			delete(data, "user_id")
		}
	}
	s.mu.Lock()
	o, err := s.create(k, data)
	if o != nil {
		o = clone(o)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err.status, err.message, err.code)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	k, ok := kindOf(r.PathValue("coll"))
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	o, err := s.update(k, r.PathValue("id"), data)
	if o != nil {
		o = clone(o)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err.status, err.message, err.code)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// delete serves DELETE; like Auth0, deleting a user that does not exist succeeds.
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	k, ok := kindOf(r.PathValue("coll"))
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	_, exists := s.tables[k.name].objs[id]
	if exists {
		s.remove(k, id)
	}
	s.mu.Unlock()
	if !exists && k.name != "users" {
		e := notFound(k)
		writeError(w, e.status, e.message, e.code)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) usersByEmail(w http.ResponseWriter, r *http.Request) {
	email := r.URL.Query().Get("email")
	if email == "" {
		writeError(w, http.StatusBadRequest, "Query validation error: 'Missing required property: email'.", "invalid_query_string")
		return
	}
	s.mu.Lock()
	out := []map[string]any{}
	for _, u := range s.tables["users"].list() {
		if strings.EqualFold(u["email"].(string), email) {
			out = append(out, clone(u))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// listLogs serves GET /api/v2/logs: checkpoint mode (from/take, oldest first after the log id in
// from) or page mode (page/per_page/sort=date:1|-1).
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	logs := make([]map[string]any, len(s.logs))
	copy(logs, s.logs)
	s.mu.Unlock()
	if q.Has("from") || q.Has("take") {
		take := 50
		if v := q.Get("take"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxPerPage {
				writeError(w, http.StatusBadRequest, "Query validation error: 'Number is greater than maximum' on property take.", "invalid_query_string")
				return
			}
			take = n
		}
		from := q.Get("from")
		out := []map[string]any{}
		for _, l := range logs {
			if l["log_id"].(string) > from && len(out) < take {
				out = append(out, clone(l))
			}
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	page, perPage, _, totals, perr := paging(q)
	if perr != nil {
		writeError(w, perr.status, perr.message, perr.code)
		return
	}
	if q.Get("sort") != "date:1" {
		for i, j := 0, len(logs)-1; i < j; i, j = i+1, j-1 {
			logs[i], logs[j] = logs[j], logs[i]
		}
	}
	start := min(page*perPage, len(logs))
	end := min(start+perPage, len(logs))
	out := make([]map[string]any, 0, end-start)
	for _, l := range logs[start:end] {
		out = append(out, clone(l))
	}
	if totals {
		writeJSON(w, http.StatusOK, map[string]any{"start": start, "limit": perPage, "length": len(out), "total": len(logs), "logs": out})
		return
	}
	writeJSON(w, http.StatusOK, out)
}
