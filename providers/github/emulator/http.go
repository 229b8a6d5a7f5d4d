package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
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

func errResponse(err error) response {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Message: "Server Error"}
	}
	resp := response{status: e.Status, body: e.body(), header: map[string]string{}}
	for k, v := range e.Header {
		resp.header[k] = v
	}
	return resp
}

func okJSON(body []byte) response { return response{status: http.StatusOK, body: body} }

func noContent() response { return response{status: http.StatusNoContent} }

// maxBody bounds a request body.
const maxBody = 10 << 20

// freePaths are not counted against the rate limit, as on GitHub.
var freePaths = map[string]bool{"/rate_limit": true}

func requestID() string {
	return strings.ToUpper(strconv.FormatUint(rand.Uint64()&0xffffffffffff, 16)) + ":" + strconv.FormatUint(rand.Uint64()&0xffffff, 16)
}

// ServeHTTP answers one API request: the secondary limit on concurrent requests, latency, the primary
// rate limit, injected faults, then the API itself, with ETag revalidation of GET answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		s.reqs.Add(RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: sw.Status()})
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status(), "duration", time.Since(arrival))
	}()
	h := sw.Header()
	h.Set("X-GitHub-Request-Id", requestID())
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Server", "github.com")
	key := r.Header.Get("Authorization")
	if !s.enter(key) {
		e := errSecondaryLimit()
		e.Header = map[string]string{"Retry-After": strconv.Itoa(s.cfg.SecondaryRetryAfter)}
		writeError(sw, e)
		return
	}
	defer s.leave(key)
	if !s.ln.Sleep(r.Context(), s.cfg.Latency) {
		writeError(sw, errForStatus(http.StatusServiceUnavailable))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(sw, errBadJSON())
		return
	}
	var q quota
	if !freePaths[r.URL.Path] {
		ok, got := s.limit.take(key, time.Now())
		q = got
		for k, v := range q.headers() {
			h.Set(k, v)
		}
		if !ok {
			writeError(sw, errPrimaryLimit(s.st.viewer.id))
			return
		}
	}
	fault := s.faults.Take(r.Method, r.URL.Path)
	if fault != nil && !fault.AfterApply {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeError(sw, errForStatus(http.StatusServiceUnavailable))
			return
		}
		if !fault.passive() {
			fault.write(sw)
			return
		}
		fault = nil
	}
	resp := s.serve(r, body)
	if fault != nil {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeError(sw, errForStatus(http.StatusServiceUnavailable))
			return
		}
		if !fault.passive() {
			fault.write(sw)
			return
		}
	}
	for k, v := range resp.header {
		h.Set(k, v)
	}
	if r.Method == http.MethodGet && resp.status == http.StatusOK {
		sum := sha256.Sum256(append(append([]byte(nil), resp.body...), resp.header["Link"]...))
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
		h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
		if matchesETag(r.Header.Get("If-None-Match"), etag) {
			if !freePaths[r.URL.Path] {
				s.limit.refund(key, &q)
				for k, v := range q.headers() {
					h.Set(k, v)
				}
			}
			h.Del("Content-Type")
			sw.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if resp.status == http.StatusNoContent {
		h.Del("Content-Type")
		sw.WriteHeader(resp.status)
		return
	}
	sw.WriteHeader(resp.status)
	_, _ = sw.Write(resp.body)
}

// matchesETag reports whether an If-None-Match header names etag (weakly compared).
func matchesETag(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for cand := range strings.SplitSeq(header, ",") {
		cand = strings.TrimSpace(cand)
		if cand == "*" || strings.TrimPrefix(cand, "W/") == want {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, e *Error) {
	for k, v := range e.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(e.body())
}

// pager is a list request's page and page size: per_page defaults to 30 and is at most 100.
type pager struct {
	page, perPage int
}

func pageOf(q url.Values) pager {
	p := pager{page: 1, perPage: 30}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		p.perPage = min(n, 100)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		p.page = n
	}
	return p
}

// listResponse answers a list request with one page of items and GitHub's Link header (next, last,
// first, prev), whose URLs start with linkPath and keep the request's other parameters.
func listResponse[T any](r *http.Request, linkPath string, items []T, render func(T) json.RawMessage) response {
	p := pageOf(r.URL.Query())
	start := min((p.page-1)*p.perPage, len(items))
	end := min(start+p.perPage, len(items))
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items[start:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(render(it))
	}
	b.WriteByte(']')
	resp := okJSON(b.Bytes())
	if link := linkHeader(r, linkPath, p, len(items)); link != "" {
		resp.header = map[string]string{"Link": link}
	}
	return resp
}

func linkHeader(r *http.Request, linkPath string, p pager, total int) string {
	last := max((total+p.perPage-1)/p.perPage, 1)
	pageURL := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		if q.Get("per_page") != "" {
			q.Set("per_page", strconv.Itoa(p.perPage))
		}
		return "<http://" + r.Host + linkPath + "?" + q.Encode() + ">"
	}
	var parts []string
	if p.page > 1 {
		parts = append(parts, pageURL(min(p.page-1, last))+`; rel="prev"`)
	}
	if p.page < last {
		parts = append(parts, pageURL(p.page+1)+`; rel="next"`, pageURL(last)+`; rel="last"`)
	}
	if p.page > 1 {
		parts = append(parts, pageURL(1)+`; rel="first"`)
	}
	return strings.Join(parts, ", ")
}

// enter counts a request of credential key in flight and reports whether the secondary limit admits it.
func (s *Server) enter(key string) bool {
	s.flightMu.Lock()
	defer s.flightMu.Unlock()
	if s.cfg.SecondaryLimit > 0 && s.inFlight[key] >= s.cfg.SecondaryLimit {
		return false
	}
	s.inFlight[key]++
	return true
}

// leave ends a request counted by enter.
func (s *Server) leave(key string) {
	s.flightMu.Lock()
	defer s.flightMu.Unlock()
	if s.inFlight[key]--; s.inFlight[key] <= 0 {
		delete(s.inFlight, key)
	}
}
