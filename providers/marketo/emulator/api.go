package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const maxBatch = 300

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/identity/oauth/token", s.token)
	m.HandleFunc("GET /rest/v1/lead/{id}", s.auth(s.getLead))
	m.HandleFunc("GET /rest/v1/leads.json", s.auth(s.leadsByID))
	m.HandleFunc("POST /rest/v1/leads.json", s.auth(s.syncLeads))
	m.HandleFunc("POST /rest/v1/leads/delete.json", s.auth(s.deleteLeads))
	m.HandleFunc("GET /rest/v1/activities/pagingtoken.json", s.auth(s.pagingToken))
	m.HandleFunc("GET /rest/v1/activities.json", s.auth(s.activityFeed(nil)))
	m.HandleFunc("GET /rest/v1/activities/leadchanges.json", s.auth(s.activityFeed([]int{NewLead, ChangeDataValue})))
	m.HandleFunc("GET /rest/v1/activities/deletedleads.json", s.auth(s.activityFeed([]int{DeleteLead})))
	m.HandleFunc("GET /rest/v1/lists.json", s.auth(s.listLists))
	m.HandleFunc("GET /rest/v1/lists/{id}", s.auth(s.getList))
	m.HandleFunc("GET /rest/asset/v1/programs.json", s.auth(s.listPrograms))
	m.HandleFunc("GET /rest/asset/v1/program/{id}", s.auth(s.getProgram))
	m.HandleFunc("POST /bulk/v1/leads/export/create.json", s.auth(s.createExport))
	m.HandleFunc("POST /bulk/v1/leads/export/{id}/enqueue.json", s.auth(s.enqueueExport))
	m.HandleFunc("GET /bulk/v1/leads/export/{id}/status.json", s.auth(s.exportStatus))
	m.HandleFunc("GET /bulk/v1/leads/export/{id}/file.json", s.auth(s.exportFile))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>404 Not Found</body></html>"))
	})
	return m
}

// token is the identity service's client-credentials grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, secret := r.Form.Get("client_id"), r.Form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	if r.Form.Get("grant_type") != "client_credentials" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"Missing grant type"}`))
		return
	}
	if id == "" || (s.cfg.ClientID != "" && (id != s.cfg.ClientID || secret != s.cfg.ClientSecret)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"unauthorized","error_description":"Bad client credentials"}`))
		return
	}
	tok := randomToken()
	s.mu.Lock()
	s.tokens[tok] = s.cfg.Now().Add(s.cfg.TokenTTL)
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int(s.cfg.TokenTTL / time.Second), "scope": "sequin@example.com"})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func randomToken() string { return strconv.FormatInt(time.Now().UnixNano(), 36) + ":ab" }

// auth checks the access token (Authorization: Bearer); Marketo answers a bad one with 601 or 602.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeErrors(w, "601", "Access token invalid")
			return
		}
		s.mu.Lock()
		exp, known := s.tokens[tok]
		s.mu.Unlock()
		switch {
		case !known:
			writeErrors(w, "601", "Access token invalid")
		case s.cfg.Now().After(exp):
			writeErrors(w, "602", "Access token expired")
		default:
			next(w, r)
		}
	}
}

// fieldsOf reads the fields parameter (default: the REST default fields).
func fieldsOf(r *http.Request) []string {
	if v := r.URL.Query().Get("fields"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"id", "firstName", "lastName", "email", "updatedAt", "createdAt"}
}

func project(l map[string]any, fields []string) map[string]any {
	out := map[string]any{"id": l["id"]}
	for _, f := range fields {
		if contains(LeadFields, f) {
			out[f] = l[f]
		}
	}
	return out
}

func (s *Server) getLead(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("id"), ".json"))
	if err != nil {
		writeErrors(w, "1003", "Invalid lead id")
		return
	}
	s.mu.Lock()
	l := s.leads[n]
	var out []map[string]any
	if l != nil {
		out = []map[string]any{clone(project(l, fieldsOf(r)))}
	}
	s.mu.Unlock()
	if out == nil {
		out = []map[string]any{}
	}
	writeResult(w, out, nil)
}

// leadsByID serves GET /rest/v1/leads.json?filterType=id&filterValues=1,2,3 (at most 300 values).
func (s *Server) leadsByID(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("filterType") != "id" {
		writeErrors(w, "1003", "Only filterType id is supported here")
		return
	}
	vals := strings.Split(q.Get("filterValues"), ",")
	if len(vals) > maxBatch {
		writeErrors(w, "1003", "Too many filter values: at most 300")
		return
	}
	s.mu.Lock()
	out := []map[string]any{}
	for _, v := range vals {
		n, _ := strconv.Atoi(strings.TrimSpace(v))
		if l := s.leads[n]; l != nil {
			out = append(out, clone(project(l, fieldsOf(r))))
		}
	}
	s.mu.Unlock()
	writeResult(w, out, nil)
}

// syncLeads serves POST /rest/v1/leads.json: createOrUpdate, createOnly or updateOnly by lookupField,
// one result per input record.
func (s *Server) syncLeads(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Action      string           `json:"action"`
		LookupField string           `json:"lookupField"`
		Input       []map[string]any `json:"input"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 10<<20)).Decode(&body); err != nil || len(body.Input) == 0 {
		writeErrors(w, "609", "Invalid JSON")
		return
	}
	if body.Action == "" {
		body.Action = "createOrUpdate"
	}
	if body.LookupField == "" {
		body.LookupField = "email"
	}
	s.mu.Lock()
	var out []map[string]any
	for _, in := range body.Input {
		id, status, msg := s.upsertLead(in, body.Action, body.LookupField, s.cfg.Now())
		if status == "created" || status == "updated" {
			out = append(out, map[string]any{"id": id, "status": status})
		} else {
			out = append(out, map[string]any{"status": "skipped", "reasons": []any{map[string]any{"code": status, "message": msg}}})
		}
	}
	s.mu.Unlock()
	writeResult(w, out, nil)
}

func (s *Server) deleteLeads(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Input []struct {
			ID int `json:"id"`
		} `json:"input"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeErrors(w, "609", "Invalid JSON")
		return
	}
	s.mu.Lock()
	var out []map[string]any
	for _, in := range body.Input {
		if s.deleteLead(in.ID, s.cfg.Now()) {
			out = append(out, map[string]any{"id": in.ID, "status": "deleted"})
		} else {
			out = append(out, map[string]any{"id": in.ID, "status": "skipped", "reasons": []any{map[string]any{"code": "1004", "message": "Lead not found"}}})
		}
	}
	s.mu.Unlock()
	writeResult(w, out, nil)
}

func (s *Server) pagingToken(w http.ResponseWriter, r *http.Request) {
	since, err := time.Parse(time.RFC3339, r.URL.Query().Get("sinceDatetime"))
	if err != nil {
		writeErrors(w, "1003", "sinceDatetime is required and must be a date time")
		return
	}
	s.mu.Lock()
	pos := sort.Search(len(s.activities), func(i int) bool {
		t, _ := time.Parse(time.RFC3339, s.activities[i]["activityDate"].(string))
		return !t.Before(since)
	})
	s.mu.Unlock()
	writeJSON(w, map[string]any{"requestId": requestID(), "success": true, "nextPageToken": token(pos)})
}

// activityFeed pages the activity log from a paging token: the given types, or those named by
// activityTypeIds (at most 10); batchSize at most 300.
func (s *Server) activityFeed(types []int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		pos, ok := untoken(q.Get("nextPageToken"))
		if !ok {
			writeErrors(w, "1003", "Invalid paging token")
			return
		}
		want := types
		if want == nil {
			for _, v := range strings.Split(q.Get("activityTypeIds"), ",") {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil {
					writeErrors(w, "1003", "activityTypeIds is required")
					return
				}
				want = append(want, n)
			}
			if len(want) > 10 {
				writeErrors(w, "1003", "At most 10 activity type ids")
				return
			}
		}
		size := maxBatch
		if v := q.Get("batchSize"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxBatch {
				writeErrors(w, "1003", "batchSize must be between 1 and 300")
				return
			}
			size = n
		}
		s.mu.Lock()
		var out []map[string]any
		for pos < len(s.activities) && len(out) < size {
			a := s.activities[pos]
			if slices.Contains(want, a["activityTypeId"].(int)) {
				out = append(out, clone(a))
			}
			pos++
		}
		more := false
		for i := pos; i < len(s.activities); i++ {
			if slices.Contains(want, s.activities[i]["activityTypeId"].(int)) {
				more = true
				break
			}
		}
		s.mu.Unlock()
		extra := map[string]any{"nextPageToken": token(pos), "moreResult": more}
		writeResult(w, out, extra)
	}
}

// listLists serves static lists with nextPageToken paging (batchSize at most 300).
func (s *Server) listLists(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size := maxBatch
	if v := q.Get("batchSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxBatch {
			writeErrors(w, "1003", "batchSize must be between 1 and 300")
			return
		}
		size = n
	}
	start := 0
	if t := q.Get("nextPageToken"); t != "" {
		n, ok := untoken(t)
		if !ok {
			writeErrors(w, "1003", "Invalid paging token")
			return
		}
		start = n
	}
	s.mu.Lock()
	var ids []int
	for id := range s.lists {
		if id > start {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	out := []map[string]any{}
	for _, id := range ids[:min(size, len(ids))] {
		out = append(out, clone(s.lists[id]))
	}
	s.mu.Unlock()
	extra := map[string]any{}
	if len(ids) > size {
		extra["nextPageToken"] = token(ids[size-1])
	}
	writeResult(w, out, extra)
}

func (s *Server) getList(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("id"), ".json"))
	o, ok := s.Object("lists", strconv.Itoa(n))
	if !ok {
		writeErrors(w, "1013", "Static list not found")
		return
	}
	writeResult(w, []map[string]any{o}, nil)
}

// listPrograms serves the asset API's program browse: offset/maxReturn (at most 200), optionally
// filtered by earliestUpdatedAt/latestUpdatedAt; past the end it answers a warning and no result.
func (s *Server) listPrograms(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	size := 20
	if v := q.Get("maxReturn"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeErrors(w, "701", "maxReturn cannot be greater than 200")
			return
		}
		size = n
	}
	var lo, hi time.Time
	if v := q.Get("earliestUpdatedAt"); v != "" {
		lo, _ = time.Parse(time.RFC3339, v)
		hi, _ = time.Parse(time.RFC3339, q.Get("latestUpdatedAt"))
		if lo.IsZero() || hi.IsZero() {
			writeErrors(w, "701", "earliestUpdatedAt and latestUpdatedAt must both be date times")
			return
		}
	}
	s.mu.Lock()
	var ids []int
	for id, p := range s.programs {
		if !lo.IsZero() {
			t, _ := time.Parse("2006-01-02T15:04:05Z-0700", p["updatedAt"].(string))
			if t.Before(lo) || t.After(hi) {
				continue
			}
		}
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []map[string]any
	for _, id := range ids[min(offset, len(ids)):min(offset+size, len(ids))] {
		out = append(out, clone(s.programs[id]))
	}
	s.mu.Unlock()
	if len(out) == 0 {
		writeResult(w, nil, map[string]any{"warnings": []any{"No assets found for the given search criteria."}, "errors": []any{}})
		return
	}
	writeResult(w, out, map[string]any{"warnings": []any{}, "errors": []any{}})
}

func (s *Server) getProgram(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("id"), ".json"))
	o, ok := s.Object("programs", strconv.Itoa(n))
	if !ok {
		writeErrors(w, "702", "No data found for given search scope")
		return
	}
	writeResult(w, []map[string]any{o}, nil)
}
