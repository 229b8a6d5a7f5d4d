package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /v3/marketing/lists", s.auth(s.listLists))
	m.HandleFunc("POST /v3/marketing/lists", s.auth(s.createList))
	m.HandleFunc("GET /v3/marketing/lists/{id}", s.auth(s.getOne("lists")))
	m.HandleFunc("PATCH /v3/marketing/lists/{id}", s.auth(s.patchList))
	m.HandleFunc("DELETE /v3/marketing/lists/{id}", s.auth(s.deleteList))
	m.HandleFunc("GET /v3/marketing/segments/2.0", s.auth(s.listSegments))
	m.HandleFunc("GET /v3/marketing/segments/2.0/{id}", s.auth(s.getOne("segments")))
	m.HandleFunc("GET /v3/templates", s.auth(s.listTemplates))
	m.HandleFunc("GET /v3/templates/{id}", s.auth(s.getOne("templates")))
	m.HandleFunc("GET /v3/suppression/unsubscribes", s.auth(s.listUnsubscribes))
	m.HandleFunc("POST /v3/marketing/contacts/exports", s.auth(s.startExport))
	m.HandleFunc("GET /v3/marketing/contacts/exports/{id}", s.auth(s.exportStatus))
	m.HandleFunc("POST /v3/marketing/contacts/search", s.auth(s.searchContacts))
	m.HandleFunc("GET /v3/marketing/contacts/{id}", s.auth(s.getOne("contacts")))
	m.HandleFunc("GET /exports/{id}/{part}", s.download)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "", "resource not found")
	})
	return m
}

// auth checks the API key sent as a bearer token.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case !ok || key == "":
			writeError(w, http.StatusUnauthorized, "", "authorization required")
		case len(s.cfg.APIKeys) == 0 && !strings.HasPrefix(key, "SG."), len(s.cfg.APIKeys) > 0 && !slices.Contains(s.cfg.APIKeys, key):
			writeError(w, http.StatusUnauthorized, "", "The provided authorization grant is invalid, expired, or revoked")
		default:
			next(w, r)
		}
	}
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset)))
}

// tokenPage reads page_size (1..max, default def) and page_token.
func tokenPage(q url.Values, def, maxSize int) (offset, size int, err *apiError) {
	size = def
	if v := q.Get("page_size"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > maxSize {
			return 0, 0, &apiError{400, "page_size", "page_size should be an integer between 1 and " + strconv.Itoa(maxSize)}
		}
		size = n
	}
	if v := q.Get("page_token"); v != "" {
		raw, decErr := base64.RawURLEncoding.DecodeString(v)
		n, convErr := strconv.Atoi(string(raw))
		if decErr != nil || convErr != nil || n < 0 {
			return 0, 0, &apiError{400, "page_token", "invalid page token"}
		}
		offset = n
	}
	return offset, size, nil
}

// tokenList answers a page_token-paged list: {"result": [...], "_metadata": {"self", "next", "count"}}.
func (s *Server) tokenList(w http.ResponseWriter, r *http.Request, coll, path string, def, maxSize int, keep func(map[string]any) bool) {
	offset, size, err := tokenPage(r.URL.Query(), def, maxSize)
	if err != nil {
		writeError(w, err.status, err.field, err.message)
		return
	}
	s.mu.Lock()
	var all []map[string]any
	for _, o := range s.tables[coll].list() {
		if keep == nil || keep(o) {
			all = append(all, clone(o))
		}
	}
	s.mu.Unlock()
	from := min(offset, len(all))
	to := min(from+size, len(all))
	meta := map[string]any{"self": "https://api.sendgrid.com" + path + "?page_size=" + strconv.Itoa(size), "count": len(all)}
	if to < len(all) {
		meta["next"] = "https://api.sendgrid.com" + path + "?page_size=" + strconv.Itoa(size) + "&page_token=" + pageToken(to)
	}
	result := all[from:to]
	if result == nil {
		result = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": result, "_metadata": meta})
}

func (s *Server) listLists(w http.ResponseWriter, r *http.Request) {
	s.tokenList(w, r, "lists", "/v3/marketing/lists", 100, 1000, nil)
}

// listTemplates requires page_size (at most 200) and filters by generations (default legacy).
func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("page_size") == "" {
		writeError(w, http.StatusBadRequest, "page_size", "page_size should be an integer between 1 and 200")
		return
	}
	gens := strings.Split(r.URL.Query().Get("generations"), ",")
	if gens[0] == "" {
		gens = []string{"legacy"}
	}
	s.tokenList(w, r, "templates", "/v3/templates", 0, 200, func(o map[string]any) bool {
		return slices.Contains(gens, o["generation"].(string))
	})
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := []map[string]any{}
	for _, o := range s.tables["segments"].list() {
		out = append(out, clone(o))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (s *Server) getOne(coll string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, ok := s.Object(coll, r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, "", "resource not found")
			return
		}
		writeJSON(w, http.StatusOK, o)
	}
}

func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var m map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil || m == nil {
		writeError(w, http.StatusBadRequest, "", "invalid JSON body")
		return nil, false
	}
	return m, true
}

func (s *Server) createList(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	o, err := s.create("lists", data, s.cfg.Now())
	if o != nil {
		o = clone(o)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err.status, err.field, err.message)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) patchList(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	o, err := s.update("lists", r.PathValue("id"), map[string]any{"name": data["name"]}, s.cfg.Now())
	if o != nil {
		o = clone(o)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err.status, err.field, err.message)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) {
	if err := s.Delete("lists", r.PathValue("id")); err != nil {
		writeError(w, http.StatusNotFound, "", "resource not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listUnsubscribes serves global unsubscribes, newest first, filtered by created in
// [start_time, end_time] (unix seconds) and paged by limit/offset.
func (s *Server) listUnsubscribes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	num := func(name string, def int64) (int64, bool) {
		v := q.Get(name)
		if v == "" {
			return def, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil && n >= 0
	}
	start, ok1 := num("start_time", 0)
	end, ok2 := num("end_time", 1<<62)
	limit, ok3 := num("limit", 500)
	offset, ok4 := num("offset", 0)
	if !ok1 || !ok2 || !ok3 || !ok4 || limit > 500 {
		writeError(w, http.StatusBadRequest, "", "invalid query parameter")
		return
	}
	s.mu.Lock()
	var all []map[string]any
	list := s.tables["unsubscribes"].list()
	for i := len(list) - 1; i >= 0; i-- {
		c := created(list[i])
		if c >= start && c <= end {
			all = append(all, clone(list[i]))
		}
	}
	s.mu.Unlock()
	from := min(int(offset), len(all))
	to := min(from+int(limit), len(all))
	out := all[from:to]
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

// startExport snapshots every contact into gzipped JSON-lines files of ExportFileSize contacts each.
func (s *Server) startExport(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	contacts := s.tables["contacts"].list()
	var files [][]byte
	for i := 0; i < len(contacts) || i == 0; i += s.cfg.ExportFileSize {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		for _, c := range contacts[i:min(i+s.cfg.ExportFileSize, len(contacts))] {
			b, _ := json.Marshal(c)
			_, _ = zw.Write(append(b, '\n'))
		}
		_ = zw.Close()
		files = append(files, buf.Bytes())
	}
	id := uuid()
	s.exports[id] = files
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "_metadata": map[string]any{"self": "https://api.sendgrid.com/v3/marketing/contacts/exports/" + id}})
}

func (s *Server) exportStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	files, ok := s.exports[id]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "", "export not found")
		return
	}
	now := s.cfg.Now()
	urls := make([]string, len(files))
	for i := range files {
		urls[i] = "http://" + r.Host + "/exports/" + id + "/" + strconv.Itoa(i) + "?X-Amz-Signature=" + hexID(8)
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "status": "ready", "created_at": iso(now), "completed_at": iso(now),
		"expires_at": iso(now.Add(72 * 3600e9)), "urls": urls, "message": "", "export_type": "contact", "contact_count": 0})
}

// download serves an export file as a presigned storage URL would: no API key, gzipped JSON lines.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>`))
		return
	}
	part, _ := strconv.Atoi(r.PathValue("part"))
	s.mu.Lock()
	files := s.exports[r.PathValue("id")]
	s.mu.Unlock()
	if part < 0 || part >= len(files) {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	_, _ = w.Write(files[part])
}

// created reads an unsubscribe's created time, stored as a number.
func created(o map[string]any) int64 {
	switch v := o["created"].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 0
}
