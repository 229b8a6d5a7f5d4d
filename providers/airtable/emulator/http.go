package emulator

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// response is an API answer before it is written.
type response struct {
	status int
	body   []byte
	header map[string]string
}

func okJSON(v any) response { return response{status: http.StatusOK, body: mustJSON(v)} }

func errResponse(e *Error) response {
	resp := response{status: e.Status, body: e.body(), header: map[string]string{}}
	for k, v := range e.Header {
		resp.header[k] = v
	}
	return resp
}

// maxBody bounds a request body.
const maxBody = 10 << 20

// ServeHTTP answers one request: latency, the OAuth token endpoint, authentication, the per-base rate
// limit, injected faults, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		s.reqs.Add(RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: sw.Status()})
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status(), "duration", time.Since(arrival))
	}()
	sw.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !s.ln.Sleep(r.Context(), s.cfg.Latency) {
		writeResponse(sw, errResponse(errForStatus(http.StatusServiceUnavailable)))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeResponse(sw, errResponse(errBadJSON()))
		return
	}
	seg, err := segments(r.URL)
	if err != nil {
		writeResponse(sw, errResponse(errNotFound()))
		return
	}
	if len(seg) == 3 && seg[0] == "oauth2" && seg[1] == "v1" && seg[2] == "token" {
		writeResponse(sw, s.serveToken(r, body))
		return
	}
	token := bearer(r)
	if e := s.authenticate(token); e != nil {
		writeResponse(sw, errResponse(e))
		return
	}
	key := "token " + token
	if b := baseOf(seg); b != "" {
		key = "base " + b
	}
	if ok, wait := s.limit.take(key, time.Now()); !ok {
		e := errRateLimited()
		if s.cfg.AnnounceRetryAfter {
			e.Header = map[string]string{"Retry-After": strconv.Itoa(int((wait + time.Second - 1) / time.Second))}
		}
		writeResponse(sw, errResponse(e))
		return
	}
	fault := s.faults.Take(r.Method, r.URL.Path)
	if fault != nil && !fault.AfterApply {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeResponse(sw, errResponse(errForStatus(http.StatusServiceUnavailable)))
			return
		}
		if !fault.passive() {
			fault.write(sw)
			return
		}
		fault = nil
	}
	resp := s.serve(r, seg, token, body)
	if fault != nil {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeResponse(sw, errResponse(errForStatus(http.StatusServiceUnavailable)))
			return
		}
		if !fault.passive() {
			fault.write(sw)
			return
		}
	}
	writeResponse(sw, resp)
}

func writeResponse(w http.ResponseWriter, resp response) {
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// segments splits the escaped path, so that a table name holding "/" stays one segment.
func segments(u *url.URL) ([]string, error) {
	raw := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	out := make([]string, len(raw))
	for i, p := range raw {
		v, err := url.PathUnescape(p)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// baseOf is the base a request addresses, for the rate limit.
func baseOf(seg []string) string {
	switch {
	case len(seg) >= 4 && seg[0] == "v0" && seg[1] == "meta" && seg[2] == "bases":
		return seg[3]
	case len(seg) >= 3 && seg[0] == "v0" && seg[1] == "bases":
		return seg[2]
	case len(seg) >= 2 && seg[0] == "v0" && seg[1] != "meta" && seg[1] != "bases":
		return seg[1]
	}
	return ""
}

// bearer is the token of "Authorization: Bearer <token>".
func bearer(r *http.Request) string {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// authenticate accepts a configured personal access token (any "pat" token when none is configured)
// or a live OAuth access token.
func (s *Server) authenticate(token string) *Error {
	if token == "" {
		return errAuthRequired()
	}
	s.mu.Lock()
	live := s.oauth.accessValid(token, s.st.now())
	s.mu.Unlock()
	switch {
	case live:
		return nil
	case len(s.cfg.Tokens) > 0 && slices.Contains(s.cfg.Tokens, token):
		return nil
	case len(s.cfg.Tokens) == 0 && strings.HasPrefix(token, "pat") && len(token) > 3:
		return nil
	}
	return errAuthRequired()
}
