package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// tablePrefix is the Table API's root.
const tablePrefix = "/api/now/table/"

// maxLimit caps sysparm_limit like the instance property glide.db.max_view_records would.
const maxLimit = 10000

// serve routes an authenticated API request.
func (s *Server) serve(r *http.Request) response {
	if r.URL.Path == "/oauth_token.do" {
		return s.serveToken(r)
	}
	rest, ok := strings.CutPrefix(r.URL.Path, tablePrefix)
	if !ok {
		return errResp(http.StatusBadRequest, "Requested URI does not represent any resource", "")
	}
	if !s.authenticated(r) {
		return errResp(http.StatusUnauthorized, "User Not Authenticated", "Required to provide Auth information")
	}
	name, id, _ := strings.Cut(strings.Trim(rest, "/"), "/")
	if name != AuditTable && s.tables[name] == nil {
		return errResp(http.StatusBadRequest, "Invalid table "+name, "")
	}
	switch {
	case id == "" && r.Method == http.MethodGet:
		return s.list(r, name)
	case id == "" && r.Method == http.MethodPost && name != AuditTable:
		return s.create(r, name)
	case id != "" && r.Method == http.MethodGet:
		return s.getOne(r, name, id)
	case id != "" && (r.Method == http.MethodPatch || r.Method == http.MethodPut) && name != AuditTable:
		return s.update(r, name, id)
	case id != "" && r.Method == http.MethodDelete && name != AuditTable:
		return s.deleteOne(name, id)
	}
	return errResp(http.StatusMethodNotAllowed, "Method not Supported", "Requested method is not supported on this resource")
}

// records returns a snapshot of a table's rows; the caller holds s.mu.
func (s *Server) records(name string) []map[string]string {
	if name == AuditTable {
		return s.audit
	}
	t := s.tables[name]
	out := make([]map[string]string, 0, len(t.byID))
	for _, rec := range t.byID {
		out = append(out, rec)
	}
	return out
}

// list answers GET /api/now/table/{table}: sysparm_query filters and orders, sysparm_offset and
// sysparm_limit page, X-Total-Count counts the matches and Link names the first, previous, next and
// last pages.
func (s *Server) list(r *http.Request, name string) response {
	p := r.URL.Query()
	q, err := parseQuery(p.Get("sysparm_query"))
	if err != nil {
		return errResp(http.StatusBadRequest, "Invalid query", err.Error())
	}
	limit, offset := maxLimit, 0
	if v := p.Get("sysparm_limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return errResp(http.StatusBadRequest, "Invalid sysparm_limit", v)
		}
		limit = min(limit, maxLimit)
	}
	if v := p.Get("sysparm_offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return errResp(http.StatusBadRequest, "Invalid sysparm_offset", v)
		}
	}
	s.mu.Lock()
	var matched []map[string]string
	for _, rec := range s.records(name) {
		if q.match(rec) {
			matched = append(matched, rec)
		}
	}
	q.sort(matched)
	total := len(matched)
	page := matched[min(offset, total):min(offset+limit, total)]
	result := make([]any, len(page))
	for i, rec := range page {
		result[i] = s.render(r, name, rec)
	}
	s.mu.Unlock()
	resp := jsonResp(http.StatusOK, result)
	resp.header["X-Total-Count"] = strconv.Itoa(total)
	if p.Get("sysparm_suppress_pagination_header") != "true" {
		resp.header["Link"] = links(r, offset, limit, total)
	}
	return resp
}

// links renders the Link header ServiceNow sends with a list.
func links(r *http.Request, offset, limit, total int) string {
	at := func(off int, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Set("sysparm_offset", strconv.Itoa(off))
		q.Set("sysparm_limit", strconv.Itoa(limit))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>;rel=%q", "http://"+r.Host+u.RequestURI(), rel)
	}
	parts := []string{at(0, "first")}
	if offset > 0 {
		parts = append(parts, at(max(offset-limit, 0), "prev"))
	}
	if offset+limit < total {
		parts = append(parts, at(offset+limit, "next"))
	}
	last := 0
	if total > 0 {
		last = (total - 1) / limit * limit
	}
	parts = append(parts, at(last, "last"))
	return strings.Join(parts, ",")
}

// render shapes a record for an answer: sysparm_fields selects fields, and reference fields become
// {"link", "value"} objects unless sysparm_exclude_reference_link=true; the caller holds s.mu.
func (s *Server) render(r *http.Request, name string, rec map[string]string) map[string]any {
	p := r.URL.Query()
	out := Render(rec)
	if f := p.Get("sysparm_fields"); f != "" {
		sel := map[string]any{}
		for _, k := range strings.Split(f, ",") {
			k = strings.TrimSpace(k)
			if v, ok := out[k]; ok {
				sel[k] = v
			}
		}
		out = sel
	}
	if p.Get("sysparm_exclude_reference_link") != "true" && name != AuditTable {
		for field, target := range s.tables[name].spec.refs {
			if v, _ := out[field].(string); v != "" {
				out[field] = map[string]string{"link": "http://" + r.Host + tablePrefix + target + "/" + url.PathEscape(v), "value": v}
			}
		}
	}
	return out
}

// getOne answers GET /api/now/table/{table}/{sys_id}.
func (s *Server) getOne(r *http.Request, name, id string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.records(name) {
		if rec["sys_id"] == id {
			return jsonResp(http.StatusOK, s.render(r, name, rec))
		}
	}
	return notFound()
}

func notFound() response {
	return errResp(http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
}

// fields reads a JSON object body; values other than strings are rendered as ServiceNow stores them.
func fields(r *http.Request) (map[string]string, *response) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in == nil {
		e := errResp(http.StatusBadRequest, "Exception while reading request", "The payload is not valid JSON.")
		return nil, &e
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out, nil
}

// create answers POST /api/now/table/{table} with 201 and the new record.
func (s *Server) create(r *http.Request, name string) response {
	in, bad := fields(r)
	if bad != nil {
		return *bad
	}
	delete(in, "sys_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.insert(s.tables[name], in, s.now())
	resp := jsonResp(http.StatusCreated, s.render(r, name, rec))
	resp.header["Location"] = "http://" + r.Host + tablePrefix + name + "/" + rec["sys_id"]
	return resp
}

// update answers PATCH or PUT /api/now/table/{table}/{sys_id}.
func (s *Server) update(r *http.Request, name, id string) response {
	in, bad := fields(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.tables[name].byID[id]
	if rec == nil {
		return notFound()
	}
	s.modify(rec, in, s.now())
	return jsonResp(http.StatusOK, s.render(r, name, maps.Clone(rec)))
}

// deleteOne answers DELETE /api/now/table/{table}/{sys_id} with 204.
func (s *Server) deleteOne(name, id string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.remove(s.tables[name], id, s.now()) {
		return notFound()
	}
	return response{status: http.StatusNoContent}
}
