package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// routes registers the API's endpoints.
func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST "+tokenPath, s.handleToken)
	m.HandleFunc("GET /crm/v3/objects/{type}", s.handleList)
	m.HandleFunc("POST /crm/v3/objects/{type}", s.handleCreate)
	m.HandleFunc("POST /crm/v3/objects/{type}/search", s.handleSearch)
	m.HandleFunc("GET /crm/v3/objects/{type}/{id}", s.handleGet)
	m.HandleFunc("PATCH /crm/v3/objects/{type}/{id}", s.handleUpdate)
	m.HandleFunc("DELETE /crm/v3/objects/{type}/{id}", s.handleArchive)
	m.HandleFunc("GET /crm/v3/owners", s.handleOwners)
	m.HandleFunc("GET /crm/v3/owners/{id}", s.handleOwner)
	m.HandleFunc("GET /crm/v3/pipelines/{type}", s.handlePipelines)
	m.HandleFunc("GET /crm/v3/pipelines/{type}/{id}", s.handlePipeline)
	m.HandleFunc("GET /crm/v3/properties/{type}", s.handleProperties)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Status: http.StatusNotFound, Category: "OBJECT_NOT_FOUND", Message: "Resource not found: " + r.Method + " " + r.URL.Path})
	})
	s.mux = m
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// queryProperties reads the properties query parameter, given as a comma-separated list, repeated, or
// both.
func queryProperties(q url.Values) []string {
	var out []string
	for _, v := range q["properties"] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// queryBool reads a boolean query parameter.
func queryBool(q url.Values, name string) (bool, *apiError) {
	switch v := q.Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, errBadRequest("Invalid value for query parameter " + name + ": " + v)
	}
}

// pageParams reads limit (1..maxLimit, default 10) and after (a numeric position).
func pageParams(q url.Values, maxLimit int) (limit int, after int64, e *apiError) {
	limit = 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, errBadRequest("limit must be a positive integer, got " + v)
		}
		if n > maxLimit {
			return 0, 0, errBadRequest("limit may not be greater than " + strconv.Itoa(maxLimit))
		}
		limit = n
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, errBadRequest("Invalid after value: " + v)
		}
		after = n
	}
	return limit, after, nil
}

// appendPaging closes a results array and adds paging.next when there is a next page.
func appendPaging(b []byte, r *http.Request, next string) []byte {
	b = append(b, ']')
	if next != "" {
		q := r.URL.Query()
		q.Set("after", next)
		link := "https://api.hubapi.com" + r.URL.Path + "?" + q.Encode()
		b = append(b, `,"paging":{"next":{"after":`...)
		b = appendString(b, next)
		b = append(b, `,"link":`...)
		b = appendString(b, link)
		b = append(b, `}}`...)
	}
	return append(b, '}')
}

// handleList serves GET /crm/v3/objects/<type>: objects in ascending id order, live or (archived=true)
// archived ones, 100 at most per page, continued with the after token of paging.next.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	t, e := typeOf(r)
	if e != nil {
		writeError(w, e)
		return
	}
	q := r.URL.Query()
	limit, after, e := pageParams(q, 100)
	if e != nil {
		writeError(w, e)
		return
	}
	archived, e := queryBool(q, "archived")
	if e != nil {
		writeError(w, e)
		return
	}
	props := t.propertyList(queryProperties(q))
	s.mu.RLock()
	tb := s.st.tables[t.name]
	b := make([]byte, 0, 512*limit)
	b = append(b, `{"results":[`...)
	n, next := 0, ""
	for i := tb.from(after); i < len(tb.objs); i++ {
		o := tb.objs[i]
		if o.archived != archived {
			continue
		}
		if n == limit {
			next = strconv.FormatInt(o.id, 10)
			break
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = t.appendObject(b, o, props)
		n++
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, appendPaging(b, r, next))
}

// handleGet serves GET /crm/v3/objects/<type>/<id>, by id or by a unique property with idProperty.
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	t, e := typeOf(r)
	if e != nil {
		writeError(w, e)
		return
	}
	q := r.URL.Query()
	archived, e := queryBool(q, "archived")
	if e != nil {
		writeError(w, e)
		return
	}
	idProp := q.Get("idProperty")
	if idProp != "" && idProp != "hs_object_id" && (t.prop(idProp) == nil || !t.prop(idProp).unique) {
		writeError(w, errBadRequest("Property "+idProp+" is not a unique identifier property for "+t.name))
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.st.tables[t.name].lookup(r.PathValue("id"), idProp)
	if o == nil || o.archived != archived {
		writeError(w, errNotFound())
		return
	}
	writeJSON(w, http.StatusOK, t.appendObject(nil, o, t.propertyList(queryProperties(q))))
}

// writeBody is the body of a create or update.
type writeBody struct {
	Properties   map[string]any    `json:"properties"`
	Associations []json.RawMessage `json:"associations"`
}

// decodeBody reads a JSON request body, keeping numbers as written.
func decodeBody(r *http.Request, v any) *apiError {
	d := json.NewDecoder(r.Body)
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return errBadRequest("Invalid input JSON on line 1: " + err.Error())
	}
	return nil
}

// returned lists the properties a create or update answers with: the defaults plus those written.
func (t *objectType) returned(written map[string]any) []string {
	names := append([]string(nil), t.defaults...)
	for k := range written {
		names = append(names, k)
	}
	return t.propertyList(names)
}

// handleCreate serves POST /crm/v3/objects/<type>.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	t, e := typeOf(r)
	if e != nil {
		writeError(w, e)
		return
	}
	var body writeBody
	if e := decodeBody(r, &body); e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	o, e := s.create(t, body.Properties, "API")
	var out []byte
	if e == nil {
		out = t.appendObject(nil, o, t.returned(body.Properties))
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// handleUpdate serves PATCH /crm/v3/objects/<type>/<id>.
func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request) {
	t, e := typeOf(r)
	if e != nil {
		writeError(w, e)
		return
	}
	var body writeBody
	if e := decodeBody(r, &body); e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	o, e := s.update(t, r.PathValue("id"), r.URL.Query().Get("idProperty"), body.Properties, "API")
	var out []byte
	if e == nil {
		out = t.appendObject(nil, o, t.returned(body.Properties))
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleArchive serves DELETE /crm/v3/objects/<type>/<id>.
func (s *Server) handleArchive(w http.ResponseWriter, r *http.Request) {
	t, e := typeOf(r)
	if e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	e = s.archive(t, r.PathValue("id"))
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleProperties serves GET /crm/v3/properties/<type>: the property definitions.
func (s *Server) handleProperties(w http.ResponseWriter, r *http.Request) {
	t, e := typeOf(r)
	if e != nil {
		writeError(w, e)
		return
	}
	typeNames := map[propType][2]string{tString: {"string", "text"}, tNumber: {"number", "number"},
		tDatetime: {"datetime", "date"}, tBool: {"bool", "booleancheckbox"}, tEnum: {"enumeration", "select"}}
	var results []map[string]any
	for _, n := range t.propertyNames() {
		p := t.props[n]
		opts := make([]map[string]any, len(p.options))
		for i, o := range p.options {
			opts[i] = map[string]any{"label": o, "value": o, "displayOrder": i, "hidden": false}
		}
		results = append(results, map[string]any{
			"name": n, "label": n, "type": typeNames[p.typ][0], "fieldType": typeNames[p.typ][1],
			"groupName": t.singular + "information", "options": opts, "hasUniqueValue": p.unique,
			"modificationMetadata": map[string]any{"archivable": true, "readOnlyDefinition": true, "readOnlyValue": p.readOnly},
		})
	}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(map[string]any{"results": results})
	writeJSON(w, http.StatusOK, b.Bytes())
}
