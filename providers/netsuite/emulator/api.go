package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	suiteqlPath = "/services/rest/query/v1/suiteql"
	recordPath  = "/services/rest/record/v1/"
	// maxLimit is SuiteQL's largest page.
	maxLimit = 1000
	// maxRows is the most rows SuiteQL pages through (offset + limit).
	maxRows = 100000
)

// serve routes an authenticated request.
func (s *Server) serve(r *http.Request) response {
	if r.URL.Path == suiteqlPath {
		if r.Method != http.MethodPost {
			return errResp(http.StatusMethodNotAllowed, "INVALID_REQUEST", "SuiteQL queries are sent with POST.")
		}
		return s.suiteql(r)
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, recordPath); ok {
		return s.record(r, rest)
	}
	return errResp(http.StatusNotFound, "INVALID_URL", "The requested resource does not exist.")
}

// suiteql answers a SuiteQL query: {"q": "..."} in the body, limit and offset in the URL, and
// Prefer: transient required, as NetSuite requires it.
func (s *Server) suiteql(r *http.Request) response {
	if !strings.Contains(strings.ToLower(r.Header.Get("Prefer")), "transient") {
		return errResp(http.StatusBadRequest, "INVALID_HEADER", "Invalid Prefer header value. Use the 'transient' value for the Prefer header.")
	}
	var body struct {
		Q string `json:"q"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Q == "" {
		return errResp(http.StatusBadRequest, "INVALID_CONTENT", "The request body is not a valid SuiteQL query object.")
	}
	p := r.URL.Query()
	limit, offset := maxLimit, 0
	var err error
	if v := p.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return errResp(http.StatusBadRequest, "INVALID_PARAMETER", fmt.Sprintf("Invalid value for the limit parameter: %s. Provide a value between 1 and %d.", v, maxLimit))
		}
	}
	if v := p.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return errResp(http.StatusBadRequest, "INVALID_PARAMETER", "Invalid value for the offset parameter: "+v+".")
		}
	}
	if offset+limit > maxRows {
		return errResp(http.StatusBadRequest, "INVALID_PARAMETER", "The maximum number of results for a SuiteQL query is 100000.")
	}
	items, total, err := s.Query(body.Q, offset, limit)
	if err != nil {
		return errResp(http.StatusBadRequest, "INVALID_PARAMETER", "Invalid search query. Detailed unprocessed description follows. "+err.Error())
	}
	self := func(off int) map[string]string {
		u := *r.URL
		q := u.Query()
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(off))
		u.RawQuery = q.Encode()
		return map[string]string{"rel": "", "href": "http://" + r.Host + u.RequestURI()}
	}
	links := []map[string]string{}
	for rel, off := range map[string]int{"self": offset, "first": 0} {
		l := self(off)
		l["rel"] = rel
		links = append(links, l)
	}
	hasMore := offset+len(items) < total
	if hasMore {
		l := self(offset + limit)
		l["rel"] = "next"
		links = append(links, l)
	}
	slices.SortFunc(links, func(a, b map[string]string) int { return strings.Compare(a["rel"], b["rel"]) })
	return jsonResp(http.StatusOK, map[string]any{
		"links": links, "count": len(items), "hasMore": hasMore, "items": items, "offset": offset, "totalResults": total,
	})
}

// Query runs a SuiteQL statement and returns the rows of one page as NetSuite renders them, and the
// number of rows the statement matches.
func (s *Server) Query(q string, offset, limit int) ([]map[string]any, int, error) {
	st, err := parseSuiteQL(q)
	if err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []map[string]any
	if st.table == "dual" {
		rows = []map[string]any{{}}
	} else if t, ok := s.tables[st.table]; ok {
		for _, row := range t {
			if st.matches(row) {
				rows = append(rows, row)
			}
		}
	} else {
		return nil, 0, fmt.Errorf("Record '%s' was not found.", st.table)
	}
	slices.SortStableFunc(rows, func(a, b map[string]any) int {
		if d := st.compareRows(a, b); d != 0 {
			return d
		}
		return compareAny(a["id"], b["id"])
	})
	total := len(rows)
	page := rows[min(offset, total):min(offset+limit, total)]
	out := make([]map[string]any, len(page))
	for i, row := range page {
		out[i] = s.render(st, row)
	}
	return out, total, nil
}

// render shapes one result row: columns with values (SuiteQL leaves out nulls), dates in the
// account's default format (M/D/YYYY), TO_CHAR columns formatted, and an empty links list.
func (s *Server) render(st *statement, row map[string]any) map[string]any {
	out := map[string]any{"links": []any{}}
	put := func(k string, v any) {
		switch v := v.(type) {
		case nil:
		case time.Time:
			out[k] = v.Format("1/2/2006")
		default:
			out[k] = v
		}
	}
	for _, it := range st.items {
		switch {
		case it.star:
			for k, v := range row {
				put(k, v)
			}
		case it.format != "":
			v := row[it.column]
			if it.column == "current_timestamp" || it.column == "sysdate" {
				v = s.now()
			}
			if t, ok := v.(time.Time); ok {
				out[it.alias] = t.Format(goLayouts[it.format])
			}
		default:
			put(it.alias, row[it.column])
		}
	}
	return out
}

// record answers the REST record service: POST /{type} creates, PUT /{type}/eid:{externalId}
// upserts, PATCH /{type}/{id} updates and DELETE /{type}/{id} deletes, each with 204 and, for
// writes, a Location header naming the record.
func (s *Server) record(r *http.Request, rest string) response {
	typeName, key, _ := strings.Cut(strings.Trim(rest, "/"), "/")
	rt := findType(typeName)
	if rt == nil || (rt.name != "customer" && rt.name != "employee") {
		return errResp(http.StatusBadRequest, "INVALID_RCRD_TYPE", fmt.Sprintf("Record type '%s' does not exist or is not supported for writes.", typeName))
	}
	location := func(id string) response {
		return response{status: http.StatusNoContent, header: map[string]string{"Location": "http://" + r.Host + recordPath + rt.name + "/" + id}}
	}
	switch {
	case key == "" && r.Method == http.MethodPost:
		fields, bad := readFields(r)
		if bad != nil {
			return *bad
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return location(s.insert(rt, fields, s.now())["id"].(string))
	case strings.HasPrefix(key, "eid:") && r.Method == http.MethodPut:
		ext, err := url.PathUnescape(strings.TrimPrefix(key, "eid:"))
		if err != nil || ext == "" {
			return errResp(http.StatusBadRequest, "INVALID_ID", "Invalid external id.")
		}
		fields, bad := readFields(r)
		if bad != nil {
			return *bad
		}
		fields["externalid"] = ext
		s.mu.Lock()
		defer s.mu.Unlock()
		for id, row := range s.tables[rt.table] {
			if rt.ofType(row) && row["externalid"] == ext {
				s.modify(row, fields, s.now())
				return location(id)
			}
		}
		return location(s.insert(rt, fields, s.now())["id"].(string))
	case key != "" && r.Method == http.MethodPatch:
		fields, bad := readFields(r)
		if bad != nil {
			return *bad
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		row := s.tables[rt.table][key]
		if row == nil || !rt.ofType(row) {
			return missing(rt.name, key)
		}
		s.modify(row, fields, s.now())
		return location(key)
	case key != "" && r.Method == http.MethodDelete:
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.remove(rt, key, s.now()) {
			return missing(rt.name, key)
		}
		return response{status: http.StatusNoContent}
	}
	return errResp(http.StatusMethodNotAllowed, "INVALID_REQUEST", "The method is not supported for this resource.")
}

func missing(typeName, id string) response {
	return errResp(http.StatusNotFound, "NONEXISTENT_ID", fmt.Sprintf("The record instance does not exist. Provide a valid record instance ID. (%s %s)", typeName, id))
}

// readFields reads a record body: REST field names (companyName) become SuiteQL columns
// (companyname), references ({"id": "5"}) their ids, booleans T or F, numbers their text; null clears.
func readFields(r *http.Request) (map[string]any, *response) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in == nil {
		e := errResp(http.StatusBadRequest, "INVALID_CONTENT", "The request body is not valid JSON.")
		return nil, &e
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		col := strings.ToLower(k)
		switch v := v.(type) {
		case nil:
			out[col] = nil
		case string:
			out[col] = v
		case bool:
			out[col] = boolText(v)
		case float64:
			out[col] = strconv.FormatFloat(v, 'f', -1, 64)
		case map[string]any:
			if id, ok := v["id"]; ok {
				out[col] = fmt.Sprint(id)
				continue
			}
			e := errResp(http.StatusBadRequest, "INVALID_FLD_VALUE", "Invalid value for the field "+k+".")
			return nil, &e
		default:
			e := errResp(http.StatusBadRequest, "INVALID_FLD_VALUE", "Invalid value for the field "+k+".")
			return nil, &e
		}
	}
	maps.DeleteFunc(out, func(k string, _ any) bool { return k == "id" || k == "links" })
	return out, nil
}
