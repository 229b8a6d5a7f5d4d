package emulator

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
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
		e = &Error{Status: http.StatusInternalServerError, Type: "api_error", Message: "An unknown error occurred: " + err.Error()}
	}
	return response{status: e.Status, body: e.body()}
}

func okResponse(body []byte) response { return response{status: http.StatusOK, body: body} }

// apiKey extracts the key from Bearer or Basic authorization.
func apiKey(r *http.Request) string {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	switch {
	case len(auth) > 7 && strings.EqualFold(auth[:7], "bearer "):
		return strings.TrimSpace(auth[7:])
	case len(auth) > 6 && strings.EqualFold(auth[:6], "basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(auth[6:]))
		if err != nil {
			return auth
		}
		user, _, _ := strings.Cut(string(raw), ":")
		return user
	}
	return ""
}

func (s *Server) checkKey(key string) *Error {
	if key == "" {
		return errNoAPIKey()
	}
	if len(s.cfg.APIKeys) == 0 {
		if strings.HasPrefix(key, "sk_") || strings.HasPrefix(key, "rk_") {
			return nil
		}
		return errInvalidKey(key)
	}
	if slices.Contains(s.cfg.APIKeys, key) {
		return nil
	}
	return errInvalidKey(key)
}

// serve authenticates, decodes parameters, applies idempotency and routes the request.
func (s *Server) serve(r *http.Request, reqID string) response {
	if e := s.checkKey(apiKey(r)); e != nil {
		resp := errResponse(e)
		resp.header = map[string]string{"Www-Authenticate": `Bearer realm="Stripe"`}
		return resp
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		return errResponse(errUnrecognizedURL(r.Method, r.URL.Path))
	}
	params, err := decodeForm(r.URL.RawQuery)
	if err != nil {
		return errResponse(err)
	}
	if r.Method == http.MethodPost || r.Method == http.MethodDelete {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			return errResponse(invalid("", "", "Could not read the request body."))
		}
		body, err := decodeForm(string(raw))
		if err != nil {
			return errResponse(err)
		}
		for k, v := range body {
			params[k] = v
		}
	}
	a := s.account(r.Header.Get("Stripe-Account"))
	key := r.Header.Get("Idempotency-Key")
	if r.Method != http.MethodPost || key == "" {
		return s.route(r.Method, r.URL.Path, a, params, reqInfo{id: reqID})
	}
	fingerprint := r.URL.Path + "\n" + string(encode(params))
	s.mu.Lock()
	saved, err := a.idemBegin(key, fingerprint, reqID, s.now())
	s.mu.Unlock()
	if err != nil {
		return errResponse(err)
	}
	if saved != nil {
		return response{status: saved.status, body: saved.body, header: map[string]string{
			"Idempotent-Replayed": "true", "Original-Request": saved.reqID, "Idempotency-Key": key}}
	}
	resp := s.route(r.Method, r.URL.Path, a, params, reqInfo{id: reqID, idemKey: key})
	s.mu.Lock()
	a.idemEnd(key, resp.status, resp.body)
	s.mu.Unlock()
	if resp.header == nil {
		resp.header = map[string]string{}
	}
	resp.header["Idempotency-Key"] = key
	return resp
}

// route dispatches /v1/<coll>[/<id>[/<action>]].
func (s *Server) route(method, path string, a *account, params map[string]any, req reqInfo) response {
	parts := strings.Split(strings.TrimPrefix(path, "/v1/"), "/")
	spec := specByColl[parts[0]]
	if spec == nil || slices.Contains(parts, "") || len(parts) > 3 {
		return errResponse(errUnrecognizedURL(method, path))
	}
	switch {
	case len(parts) == 1 && method == http.MethodGet:
		return s.list(a, spec, path, params)
	case len(parts) == 1 && method == http.MethodPost && spec.httpCreate:
		return s.mutate(a, params, req, func(t *tx) (*record, error) { return t.create(spec, params) })
	case len(parts) == 2 && method == http.MethodGet:
		return s.retrieve(a, spec, parts[1], params)
	case len(parts) == 2 && method == http.MethodPost && spec.httpUpdate:
		return s.mutate(a, params, req, func(t *tx) (*record, error) { return t.update(spec, parts[1], params) })
	case len(parts) == 2 && method == http.MethodDelete && spec.del != delNone:
		s.mu.Lock()
		defer s.mu.Unlock()
		body, err := s.newTx(a, req).remove(spec, parts[1])
		if err != nil {
			return errResponse(err)
		}
		return okResponse(body)
	case len(parts) == 3 && method == http.MethodPost && spec.actions[parts[2]] != nil:
		return s.mutate(a, params, req, func(t *tx) (*record, error) { return t.action(spec, parts[1], parts[2], params) })
	}
	return errResponse(errUnrecognizedURL(method, path))
}

// mutate runs fn under the lock and answers with the resulting object (expanded as asked).
func (s *Server) mutate(a *account, params map[string]any, req reqInfo, fn func(t *tx) (*record, error)) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := fn(s.newTx(a, req))
	if err != nil {
		return errResponse(err)
	}
	body, err := s.expanded(a, rec.json(), params["expand"], false)
	if err != nil {
		return errResponse(err)
	}
	return okResponse(body)
}

func (s *Server) retrieve(a *account, spec *typeSpec, id string, params map[string]any) response {
	p, err := coerce(schema{"expand": expandParam}, params)
	if err != nil {
		return errResponse(err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := a.coll(spec.name).byID[id]
	switch {
	case rec == nil || (rec.deleted && spec.del != delStub):
		return errResponse(errMissing(spec.name, id, "id"))
	case rec.deleted:
		return okResponse(deletedStub(spec.name, id))
	}
	body, err := s.expanded(a, rec.json(), p["expand"], false)
	if err != nil {
		return errResponse(err)
	}
	return okResponse(body)
}

var listCommon = schema{"limit": pInt(), "starting_after": pStr(), "ending_before": pStr(), "expand": expandParam}

// parseCreated reads created=<unix> or created[gt|gte|lt|lte]=<unix>.
func parseCreated(v any) (createdRange, error) {
	cr := createdRange{min: -1 << 62, max: 1 << 62, set: true}
	switch x := v.(type) {
	case string:
		n, ok := toInt64(x)
		if !ok {
			return cr, invalid("parameter_invalid_integer", "created", "Invalid integer: %s", x)
		}
		cr.min, cr.max = n, n
	case map[string]any:
		for k, e := range x {
			s, _ := e.(string)
			n, ok := toInt64(s)
			if !ok {
				return cr, invalid("parameter_invalid_integer", "created["+k+"]", "Invalid integer: %s", describe(e))
			}
			switch k {
			case "gt":
				cr.min = max(cr.min, n+1)
			case "gte":
				cr.min = max(cr.min, n)
			case "lt":
				cr.max = min(cr.max, n-1)
			case "lte":
				cr.max = min(cr.max, n)
			default:
				return cr, errUnknownParam("created[" + k + "]")
			}
		}
	default:
		return cr, invalid("parameter_invalid_integer", "created", "Invalid integer: %s", describe(v))
	}
	return cr, nil
}

func (s *Server) list(a *account, spec *typeSpec, path string, params map[string]any) response {
	var cr createdRange
	if v, ok := params["created"]; ok {
		var err error
		if cr, err = parseCreated(v); err != nil {
			return errResponse(err)
		}
		rest := make(map[string]any, len(params))
		for k, v := range params {
			if k != "created" {
				rest[k] = v
			}
		}
		params = rest
	}
	p, err := coerce(with(listCommon, spec.list), params)
	if err != nil {
		return errResponse(err)
	}
	limit := int64(10)
	if n, ok := p["limit"].(int64); ok {
		limit = n
	}
	if limit < 1 {
		return errResponse(invalid("", "limit", "This value must be greater than or equal to 1."))
	}
	if limit > 100 {
		return errResponse(invalid("", "limit", "This value must be less than or equal to 100."))
	}
	sa, eb := str(p["starting_after"]), str(p["ending_before"])
	if sa != "" && eb != "" {
		return errResponse(invalid("", "ending_before", "You may only specify one of these parameters: ending_before, starting_after."))
	}
	var match func(*record) bool
	if spec.matcher != nil {
		match, err = spec.matcher(p)
		if err != nil {
			return errResponse(err)
		}
	} else {
		match = spec.eqMatcher(p)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	coll := a.coll(spec.name)
	q := query{limit: int(limit), created: cr, match: match}
	if sa != "" {
		if q.startingAfter = coll.byID[sa]; q.startingAfter == nil {
			return errResponse(errNoSuchParam(spec.name, sa, "starting_after"))
		}
	}
	if eb != "" {
		if q.endingBefore = coll.byID[eb]; q.endingBefore == nil {
			return errResponse(errNoSuchParam(spec.name, eb, "ending_before"))
		}
	}
	recs, more := coll.list(q)
	b := make([]byte, 0, 1024*len(recs)+128)
	b = append(b, `{"object":"list","data":[`...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.json()...)
	}
	b = append(b, `],"has_more":`...)
	if more {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	b = append(b, `,"url":`...)
	b = appendString(b, path)
	b = append(b, '}')
	body, err := s.expanded(a, b, p["expand"], true)
	if err != nil {
		return errResponse(err)
	}
	return okResponse(body)
}
