package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// stored is the answer to a write, replayed for a request with the same requestid.
type stored struct {
	status int
	body   []byte
}

// cdcWindow is how far back Change Data Capture looks; maxCDC is how many objects of one entity one
// CDC answer holds.
const (
	cdcWindow = 30 * 24 * time.Hour
	maxCDC    = 1000
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /oauth2/v1/tokens/bearer", s.token)
	m.HandleFunc("GET /v3/company/{realm}/query", s.auth(s.query))
	m.HandleFunc("GET /v3/company/{realm}/cdc", s.auth(s.cdc))
	m.HandleFunc("GET /v3/company/{realm}/{entity}/{id}", s.auth(s.read))
	m.HandleFunc("POST /v3/company/{realm}/{entity}", s.auth(s.write))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeFault(w, http.StatusNotFound, "ValidationFault", "Unsupported Operation", "Operation "+r.Method+" "+r.URL.Path+" is not supported.", "500")
	})
	return m
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// token is Intuit's token endpoint for the refresh_token grant, the app authenticated with HTTP
// Basic (or in the body). Each refresh answers a new refresh token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	form, _ := url.ParseQuery(string(body))
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" || (s.cfg.ClientID != "" && (id != s.cfg.ClientID || secret != s.cfg.ClientSecret)) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	if form.Get("grant_type") != "refresh_token" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	rt := form.Get("refresh_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt == "" || (len(s.cfg.RefreshTokens) > 0 && !s.refreshes[rt]) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "Incorrect or invalid refresh token"})
		return
	}
	access, next := "eyJ"+randomToken(40), "AB11"+randomToken(40)
	s.access[access] = s.cfg.Now().Add(s.cfg.TokenTTL)
	s.refreshes[next] = true
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "bearer", "access_token": access, "refresh_token": next,
		"expires_in": int(s.cfg.TokenTTL / time.Second), "x_refresh_token_expires_in": 8726400})
}

// auth checks the bearer token and the realm of an Accounting API request.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		exp, known := s.access[tok]
		s.mu.Unlock()
		if !known || s.cfg.Now().After(exp) {
			writeFault(w, http.StatusUnauthorized, "AUTHENTICATION", "message=AuthenticationFailed; errorCode=003200; statusCode=401", "Token expired or invalid", "3200")
			return
		}
		if r.PathValue("realm") != s.cfg.RealmID {
			writeFault(w, http.StatusForbidden, "AuthorizationFault", "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", "The token is not authorized for company "+r.PathValue("realm"), "3100")
			return
		}
		next(w, r)
	}
}

// query answers SELECT statements: {"QueryResponse": {"Customer": [...], "startPosition", "maxResults"}, "time"}.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	st, f := parse(r.URL.Query().Get("query"))
	if f != nil {
		f.write(w)
		return
	}
	s.mu.Lock()
	var hits []map[string]any
	for _, o := range s.entities[st.entity.name].sorted() {
		if st.match(o) {
			hits = append(hits, clone(o))
		}
	}
	s.mu.Unlock()
	now := stamp(s.cfg.Now())
	if st.count {
		writeJSON(w, http.StatusOK, map[string]any{"QueryResponse": map[string]any{"totalCount": len(hits)}, "time": now})
		return
	}
	if st.orderBy != "" {
		sort.SliceStable(hits, func(i, j int) bool {
			a, _ := field(hits[i], st.orderBy)
			b, _ := field(hits[j], st.orderBy)
			less := compare(st.orderBy, a, b, "<")
			if st.desc {
				return compare(st.orderBy, a, b, ">")
			}
			return less
		})
	}
	from := min(st.start-1, len(hits))
	to := min(from+st.max, len(hits))
	page := hits[from:to]
	qr := map[string]any{}
	if len(page) > 0 {
		qr[st.entity.name] = page
		qr["startPosition"] = st.start
		qr["maxResults"] = len(page)
	}
	writeJSON(w, http.StatusOK, map[string]any{"QueryResponse": qr, "time": now})
}

// cdc answers Change Data Capture: every object of the named entities changed at or after
// changedSince (inactive ones included), and deleted transactions as {"Id", "status": "Deleted"}.
func (s *Server) cdc(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err := time.Parse(time.RFC3339, q.Get("changedSince"))
	if err != nil {
		writeFault(w, 400, "ValidationFault", "Invalid changedSince", "changedSince must be a date time such as 2024-01-02T15:04:05-07:00", "2010")
		return
	}
	if s.cfg.Now().Sub(since) > cdcWindow {
		writeFault(w, 400, "ValidationFault", "Invalid changedSince", "changedSince cannot be more than 30 days in the past", "2010")
		return
	}
	var responses []any
	s.mu.Lock()
	for _, name := range strings.Split(q.Get("entities"), ",") {
		e, ok := entityByName(strings.TrimSpace(name))
		if !ok {
			s.mu.Unlock()
			writeFault(w, 400, "ValidationFault", "Invalid entity", "Unsupported entity for CDC: "+name, "2010")
			return
		}
		t := s.entities[e.name]
		type change struct {
			at  time.Time
			obj map[string]any
		}
		var changes []change
		for _, o := range t.objs {
			if at := updatedAt(o); !at.Before(since) {
				changes = append(changes, change{at, clone(o)})
			}
		}
		for _, tb := range t.tombs {
			if !tb.at.Before(since) {
				changes = append(changes, change{tb.at, map[string]any{"Id": tb.id, "status": "Deleted", "domain": "QBO",
					"MetaData": map[string]any{"LastUpdatedTime": stamp(tb.at)}}})
			}
		}
		sort.SliceStable(changes, func(i, j int) bool { return changes[i].at.Before(changes[j].at) })
		if len(changes) > maxCDC {
			changes = changes[:maxCDC]
		}
		objs := make([]any, len(changes))
		for i, c := range changes {
			objs[i] = c.obj
		}
		qr := map[string]any{"startPosition": 1, "maxResults": len(objs), "totalCount": len(objs)}
		if len(objs) > 0 {
			qr[e.name] = objs
		}
		responses = append(responses, qr)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"CDCResponse": []any{map[string]any{"QueryResponse": responses}}, "time": stamp(s.cfg.Now())})
}

func (s *Server) read(w http.ResponseWriter, r *http.Request) {
	e, ok := entityByName(r.PathValue("entity"))
	if !ok || e.path != r.PathValue("entity") {
		writeFault(w, 400, "ValidationFault", "Unsupported Operation", "Unknown entity "+r.PathValue("entity"), "500")
		return
	}
	s.mu.Lock()
	o := s.entities[e.name].objs[r.PathValue("id")]
	if o != nil {
		o = clone(o)
	}
	s.mu.Unlock()
	if o == nil {
		notFound().write(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{e.name: o, "time": stamp(s.cfg.Now())})
}

// write serves creates, updates (full or sparse, told apart by the body's Id) and deletes
// (?operation=delete). A requestid seen before replays the first answer instead of writing again.
func (s *Server) write(w http.ResponseWriter, r *http.Request) {
	e, ok := entityByName(r.PathValue("entity"))
	if !ok || e.path != r.PathValue("entity") {
		writeFault(w, 400, "ValidationFault", "Unsupported Operation", "Unknown entity "+r.PathValue("entity"), "500")
		return
	}
	reqID := r.URL.Query().Get("requestid")
	if len(reqID) > 50 {
		writeFault(w, 400, "ValidationFault", "Invalid requestid", "requestid must be at most 50 characters", "2010")
		return
	}
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || body == nil {
		writeFault(w, 400, "ValidationFault", "Request has invalid or unsupported property", "Could not parse the request body as JSON", "2010")
		return
	}
	s.mu.Lock()
	if prev, ok := s.requests[reqID]; reqID != "" && ok {
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(prev.status)
		_, _ = w.Write(prev.body)
		return
	}
	var o map[string]any
	var f *fault
	switch {
	case r.URL.Query().Get("operation") == "delete":
		o, f = s.remove(e, body)
	case body["Id"] != nil:
		o, f = s.update(e, body)
	default:
		o, f = s.create(e, body)
	}
	rec := &bytes.Buffer{}
	status := http.StatusOK
	if f != nil {
		status = f.status
		b, _ := json.Marshal(map[string]any{"Fault": map[string]any{"Error": []any{map[string]any{"Message": f.msg, "Detail": f.detail, "code": f.code, "element": ""}}, "type": f.typ}, "time": stamp(s.cfg.Now())})
		rec.Write(b)
	} else {
		b, _ := json.Marshal(map[string]any{e.name: o, "time": stamp(s.cfg.Now())})
		rec.Write(b)
	}
	if reqID != "" {
		s.requests[reqID] = stored{status, rec.Bytes()}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(rec.Bytes())
}
