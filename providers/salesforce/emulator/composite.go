package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// maxSubrequests is the most subrequests one composite request may hold.
const maxSubrequests = 25

type subrequest struct {
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	ReferenceID string            `json:"referenceId"`
	Body        json.RawMessage   `json:"body"`
	HTTPHeaders map[string]string `json:"httpHeaders"`
}

var (
	referenceName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,79}$`)
	referenceUse  = regexp.MustCompile(`@\{([A-Za-z][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}`)
)

const haltedMessage = "The transaction was rolled back since another operation in the same transaction failed."

// composite answers POST /composite: subrequests run in order, later ones may refer to earlier results
// as @{referenceId.path}; with allOrNone a failure rolls every write back. The whole request counts as
// one API call.
func (s *Server) composite(r apiRequest) apiResponse {
	var in struct {
		AllOrNone        bool         `json:"allOrNone"`
		CompositeRequest []subrequest `json:"compositeRequest"`
	}
	if err := json.Unmarshal(r.body, &in); err != nil {
		return errJSON("Composite request body is not valid JSON").response()
	}
	if len(in.CompositeRequest) == 0 || len(in.CompositeRequest) > maxSubrequests {
		return (&apiError{status: http.StatusBadRequest, code: "INVALID_INPUT",
			message: fmt.Sprintf("compositeRequest must hold 1 to %d subrequests", maxSubrequests)}).response()
	}
	seen := map[string]bool{}
	for _, sr := range in.CompositeRequest {
		if !referenceName.MatchString(sr.ReferenceID) || seen[sr.ReferenceID] || sr.Method == "" || !strings.HasPrefix(sr.URL, "/services/data/v") {
			return (&apiError{status: http.StatusBadRequest, code: "INVALID_INPUT",
				message: "each subrequest needs a method, a /services/data/ url and a unique referenceId"}).response()
		}
		seen[sr.ReferenceID] = true
	}

	var journal []undo
	if in.AllOrNone {
		s.st.journal = &journal
		defer func() { s.st.journal = nil }()
	}
	results := map[string]any{}
	failed := map[string]bool{}
	out := make([]map[string]any, 0, len(in.CompositeRequest))
	halted := false
	for _, sr := range in.CompositeRequest {
		if halted {
			out = append(out, subResult(sr.ReferenceID, http.StatusBadRequest, halt(haltedMessage), nil))
			continue
		}
		resp, refErr := s.subrequest(r, sr, results, failed)
		if refErr != "" {
			resp = apiResponse{status: http.StatusBadRequest, body: encode(halt(refErr))}
		}
		var body any
		if resp.body != nil {
			_ = json.Unmarshal(resp.body, &body)
		}
		out = append(out, subResult(sr.ReferenceID, resp.status, body, resp.header))
		if resp.status >= 400 {
			failed[sr.ReferenceID] = true
			if in.AllOrNone {
				s.st.rollback(journal)
				halted = true
				for i := range len(out) - 1 {
					out[i] = subResult(out[i]["referenceId"].(string), http.StatusBadRequest, halt(haltedMessage), nil)
				}
			}
			continue
		}
		results[sr.ReferenceID] = body
	}
	return jsonResponse(http.StatusOK, map[string]any{"compositeResponse": out})
}

// subrequest runs one subrequest after resolving its references; refErr explains a reference that
// cannot be resolved.
func (s *Server) subrequest(r apiRequest, sr subrequest, results map[string]any, failed map[string]bool) (apiResponse, string) {
	resolve := func(text string, inJSON bool) (string, string) {
		var problem string
		out := referenceUse.ReplaceAllStringFunc(text, func(m string) string {
			sub := referenceUse.FindStringSubmatch(m)
			ref, path := sub[1], sub[2]
			if failed[ref] {
				problem = fmt.Sprintf("Invalid reference specified. No value for %s%s found in %s. Provided referenceId (%s) failed.", ref, path, ref, ref)
				return m
			}
			v, ok := lookupPath(results[ref], path)
			if !ok {
				problem = fmt.Sprintf("Invalid reference specified. No value for %s%s found in %s.", ref, path, ref)
				return m
			}
			str := fmt.Sprint(v)
			if inJSON {
				b, _ := json.Marshal(str)
				str = string(b[1 : len(b)-1])
			}
			return str
		})
		return out, problem
	}
	u, problem := resolve(sr.URL, false)
	if problem != "" {
		return apiResponse{}, problem
	}
	body := []byte(sr.Body)
	if len(body) > 0 && string(body) != "null" {
		b, problem := resolve(string(body), true)
		if problem != "" {
			return apiResponse{}, problem
		}
		body = []byte(b)
	} else {
		body = nil
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return errNotFound().response(), ""
	}
	version, rest, ok := splitVersion(parsed.Path)
	if !ok || strings.HasPrefix(rest, "/composite") {
		return errNotFound().response(), ""
	}
	h := http.Header{}
	for k, v := range sr.HTTPHeaders {
		h.Set(k, v)
	}
	return s.dispatch(apiRequest{method: strings.ToUpper(sr.Method), version: version, path: rest,
		query: parsed.Query(), header: h, body: body, host: r.host}), ""
}

func subResult(ref string, status int, body any, header map[string]string) map[string]any {
	if header == nil {
		header = map[string]string{}
	}
	return map[string]any{"body": body, "httpHeaders": header, "httpStatusCode": status, "referenceId": ref}
}

func halt(msg string) []any {
	return []any{map[string]any{"errorCode": "PROCESSING_HALTED", "message": msg}}
}

// lookupPath follows ".name" and "[i]" steps into a decoded JSON value.
func lookupPath(v any, path string) (any, bool) {
	for path != "" {
		switch path[0] {
		case '.':
			end := strings.IndexAny(path[1:], ".[")
			if end < 0 {
				end = len(path) - 1
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			v, ok = m[path[1:1+end]]
			if !ok {
				return nil, false
			}
			path = path[1+end:]
		case '[':
			end := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:end])
			list, ok := v.([]any)
			if err != nil || !ok || i >= len(list) {
				return nil, false
			}
			v, path = list[i], path[end+1:]
		default:
			return nil, false
		}
	}
	return v, v != nil
}
