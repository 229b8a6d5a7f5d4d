package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// apiRequest is one REST API call, from the wire or from a composite subrequest.
type apiRequest struct {
	method  string
	version string
	// path is the path after /services/data/vXX.X, e.g. "/sobjects/Account".
	path   string
	query  url.Values
	header http.Header
	body   []byte
	host   string
}

// apiResponse is the answer to an apiRequest.
type apiResponse struct {
	status int
	body   []byte // nil: no body (204)
	header map[string]string
}

func jsonResponse(status int, v any) apiResponse { return apiResponse{status: status, body: encode(v)} }

var versionPath = regexp.MustCompile(`^/services/data/v(\d{2}\.\d)(/.*)?$`)

// splitVersion splits "/services/data/v60.0/sobjects" into "60.0" and "/sobjects".
func splitVersion(p string) (version, rest string, ok bool) {
	m := versionPath.FindStringSubmatch(p)
	if m == nil {
		return "", "", false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v < 31 || v > 62 {
		return "", "", false
	}
	return m[1], m[2], true
}

// maxBody bounds a request body.
const maxBody = 8 << 20

// ServeHTTP answers the token endpoint and the REST API: latency, injected faults, authentication,
// limits, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		s.reqs.Add(RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: sw.Status()})
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status(), "duration", time.Since(arrival))
	}()
	switch {
	case r.URL.Path == "/services/oauth2/token":
		s.token(sw, r)
		return
	case r.URL.Path == "/services/data" || r.URL.Path == "/services/data/":
		writeAPI(sw, s.versions())
		return
	}
	version, rest, ok := splitVersion(r.URL.Path)
	if !ok {
		writeAPI(sw, errNotFound().response())
		return
	}
	if !s.ln.Sleep(r.Context(), s.cfg.Latency) {
		writeAPI(sw, errForStatus(http.StatusServiceUnavailable).response())
		return
	}
	fault := s.faults.Take(r.Method, rest)
	if fault != nil && !fault.AfterApply {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeAPI(sw, errForStatus(http.StatusServiceUnavailable).response())
			return
		}
		if !fault.passive() {
			fault.write(sw)
			return
		}
		fault = nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeAPI(sw, errJSON("reading the request body: "+err.Error()).response())
		return
	}
	req := apiRequest{method: r.Method, version: version, path: rest, query: r.URL.Query(), header: r.Header, body: body, host: r.Host}

	s.mu.Lock()
	resp, limited := s.admit(r.Header.Get("Authorization"))
	if !limited {
		resp = s.dispatch(req)
	}
	usage := s.usage
	s.mu.Unlock()

	sw.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", usage, s.cfg.DailyLimit))
	if fault != nil {
		if s.ln.Sleep(r.Context(), fault.Delay) && !fault.passive() {
			fault.write(sw)
			return
		}
	}
	writeAPI(sw, resp)
}

// admit authenticates a request and counts it against the limits; limited is true when resp is the
// refusal to send.
func (s *Server) admit(authorization string) (resp apiResponse, limited bool) {
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || !s.validSession(strings.TrimSpace(token)) {
		resp := errSession().response()
		resp.header = map[string]string{"WWW-Authenticate": `Token`}
		return resp, true
	}
	if s.usage >= s.cfg.DailyLimit {
		return errLimit("TotalRequests Limit exceeded.").response(), true
	}
	if wait, ok := s.window.take(s.cfg.Now()); !ok {
		resp := errLimit("ConcurrentPerOrgLongTxn Limit exceeded.").response()
		resp.header = map[string]string{"Retry-After": strconv.FormatFloat(max(wait.Seconds(), 0.001), 'f', 3, 64)}
		return resp, true
	}
	s.usage++
	return apiResponse{}, false
}

// validSession reports whether a bearer token is an access token the org accepts.
func (s *Server) validSession(token string) bool {
	for _, t := range s.cfg.AccessTokens {
		if token == t {
			return true
		}
	}
	exp, ok := s.sessions[token]
	return ok && (exp.IsZero() || s.cfg.Now().Before(exp))
}

// RevokeSessions invalidates every access token the token endpoint issued, as a session timeout
// does; clients must refresh.
func (s *Server) RevokeSessions() {
	s.mu.Lock()
	clear(s.sessions)
	s.mu.Unlock()
}

func writeAPI(w http.ResponseWriter, resp apiResponse) {
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// versions answers GET /services/data.
func (s *Server) versions() apiResponse {
	var out []any
	for _, v := range []struct{ label, version string }{{"Spring '24", "60.0"}, {"Summer '24", "61.0"}} {
		out = append(out, map[string]any{"label": v.label, "url": "/services/data/v" + v.version, "version": v.version})
	}
	return jsonResponse(http.StatusOK, out)
}

// dispatch routes an API request; the caller holds s.mu.
func (s *Server) dispatch(r apiRequest) apiResponse {
	parts := strings.Split(strings.Trim(r.path, "/"), "/")
	if r.path == "" || r.path == "/" {
		parts = nil
	}
	get := r.method == http.MethodGet
	switch {
	case len(parts) == 0 && get:
		base := "/services/data/v" + r.version
		return jsonResponse(http.StatusOK, map[string]any{"sobjects": base + "/sobjects", "query": base + "/query",
			"queryAll": base + "/queryAll", "composite": base + "/composite", "limits": base + "/limits"})
	case len(parts) == 1 && parts[0] == "limits" && get:
		return jsonResponse(http.StatusOK, map[string]any{"DailyApiRequests": map[string]any{
			"Max": s.cfg.DailyLimit, "Remaining": max(0, s.cfg.DailyLimit-s.usage)}})
	case len(parts) == 1 && (parts[0] == "query" || parts[0] == "queryAll") && get:
		return s.runQuery(r, parts[0] == "queryAll")
	case len(parts) == 2 && (parts[0] == "query" || parts[0] == "queryAll") && get:
		return s.queryMore(r, parts[1])
	case len(parts) == 1 && parts[0] == "composite" && r.method == http.MethodPost:
		return s.composite(r)
	case len(parts) >= 1 && parts[0] == "sobjects":
		return s.sobjects(r, parts[1:])
	}
	if len(parts) > 0 && map[string]bool{"query": true, "queryAll": true, "composite": true, "limits": true}[parts[0]] {
		return errMethod(r.method).response()
	}
	return errNotFound().response()
}

// decodeBody reads a JSON object body.
func decodeBody(b []byte) (map[string]any, *apiError) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errJSON("The request body is not a JSON object")
	}
	return m, nil
}
