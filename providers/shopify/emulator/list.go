package emulator

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// response is an answer to write.
type response struct {
	status int
	header map[string]string
	body   []byte
}

func ok(body []byte) response { return response{status: http.StatusOK, body: body} }

func created(body []byte) response { return response{status: http.StatusCreated, body: body} }

func fail(e *apiError) response { return response{status: e.status, body: e.body()} }

// wrap renders {"<key>": <raw>}.
func wrap(key string, raw []byte) []byte {
	b := make([]byte, 0, len(raw)+len(key)+8)
	b = append(b, `{"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	b = append(b, raw...)
	return append(b, '}')
}

// wrapList renders {"<key>": [<raw>, ...]}.
func wrapList(key string, raws [][]byte) []byte {
	n := len(key) + 8
	for _, r := range raws {
		n += len(r) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"`...)
	b = append(b, key...)
	b = append(b, `":[`...)
	b = append(b, bytes.Join(raws, []byte{','})...)
	return append(b, "]}"...)
}

// project keeps only the named top-level fields of a document (the fields parameter).
func project(doc map[string]any, fields []string) []byte {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if v, ok := doc[f]; ok {
			out[f] = v
		}
	}
	return encode(out)
}

// splitFields parses the fields parameter.
func splitFields(v string) []string {
	var out []string
	for f := range strings.SplitSeq(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// render encodes an object for an answer, projected when fields were asked for.
func render(o *object, fields []string) []byte {
	if len(fields) == 0 {
		return o.json()
	}
	return project(o.d(), fields)
}

// filter is a parsed set of list filters: which objects match and in what order they are served.
type filter struct {
	key   sortKey
	desc  bool
	match func(*object) bool
}

// and adds a condition.
func (f *filter) and(cond func(*object) bool) {
	prev := f.match
	if prev == nil {
		f.match = cond
		return
	}
	f.match = func(o *object) bool { return prev(o) && cond(o) }
}

// listSpec describes a list endpoint.
type listSpec struct {
	// key is the JSON key of the list ("products").
	key   string
	table *table
	// build parses the endpoint's filters.
	build func(q url.Values) (*filter, *apiError)
}

// pageLimits are Shopify's: 50 by default, at most 250.
const (
	defaultLimit = 50
	maxLimit     = 250
)

func parseLimit(q url.Values) (int, *apiError) {
	v := q.Get("limit")
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errParam("limit", "Invalid value.")
	}
	return min(n, maxLimit), nil
}

// list serves one page of a list endpoint. A request with page_info may carry nothing but limit and
// fields: the filters travel inside the token, as with Shopify.
func (s *Server) list(r *http.Request, spec listSpec) response {
	q := r.URL.Query()
	limit, e := parseLimit(q)
	if e != nil {
		return fail(e)
	}
	fieldsParam := q.Get("fields")
	fields := splitFields(fieldsParam)
	filters := url.Values{}
	var tok *pageToken
	if q.Has("page_info") {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				return fail(errPageInfo())
			}
		}
		t, err := decodeToken(q.Get("page_info"))
		if err != nil {
			return fail(errPageInfo())
		}
		filters, _ = url.ParseQuery(t.Filters)
		tok = &t
	} else {
		for k, v := range q {
			if k != "limit" && k != "fields" {
				filters[k] = v
			}
		}
	}
	f, e := spec.build(filters)
	if e != nil {
		if tok != nil {
			return fail(errPageInfo())
		}
		return fail(e)
	}
	pq := pageQuery{objs: spec.table.sorted(f.key), key: f.key, desc: f.desc, match: f.match, limit: limit}
	if tok != nil {
		p := position{Value: tok.LastValue, ID: tok.LastID}
		if tok.Direction == "prev" {
			pq.before = &p
		} else {
			pq.after = &p
		}
	}
	res := pq.run()
	raws := make([][]byte, len(res.items))
	for i, o := range res.items {
		raws[i] = render(o, fields)
	}
	out := ok(wrapList(spec.key, raws))
	if len(res.items) > 0 && (res.hasNext || res.hasPrev) {
		enc := filters.Encode()
		var prev, next string
		if res.hasPrev {
			first := res.items[0]
			prev = encodeToken(pageToken{Filters: enc, LastID: first.id, LastValue: f.key.of(first), Direction: "prev"})
		}
		if res.hasNext {
			last := res.items[len(res.items)-1]
			next = encodeToken(pageToken{Filters: enc, LastID: last.id, LastValue: f.key.of(last), Direction: "next"})
		}
		out.header = map[string]string{"Link": linkHeader(r, limit, fieldsParam, prev, next)}
	}
	return out
}

// count serves a count endpoint with the list's filters.
func (s *Server) count(r *http.Request, spec listSpec) response {
	q := r.URL.Query()
	f, e := spec.build(q)
	if e != nil {
		return fail(e)
	}
	n := 0
	for _, o := range spec.table.order {
		if f.match == nil || f.match(o) {
			n++
		}
	}
	return ok(encode(map[string]any{"count": n}))
}

// common parses the filters every resource list has: ids, since_id, created_at and updated_at
// bounds, and order.
func common(q url.Values) (*filter, *apiError) {
	f := &filter{key: byID}
	if v := q.Get("ids"); v != "" {
		set := map[int64]bool{}
		for p := range strings.SplitSeq(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				return nil, errParam("ids", "Invalid value.")
			}
			set[n] = true
		}
		f.and(func(o *object) bool { return set[o.id] })
	}
	if v := q.Get("since_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, errParam("since_id", "Invalid value.")
		}
		f.and(func(o *object) bool { return o.id > n })
	}
	for _, b := range []struct {
		name string
		key  sortKey
		min  bool
	}{
		{"created_at_min", byCreated, true}, {"created_at_max", byCreated, false},
		{"updated_at_min", byUpdated, true}, {"updated_at_max", byUpdated, false},
	} {
		v := q.Get(b.name)
		if v == "" {
			continue
		}
		t, err := parseTime(v)
		if err != nil {
			return nil, errParam(b.name, "Invalid value.")
		}
		key, bound, isMin := b.key, t, b.min
		f.and(func(o *object) bool {
			if isMin {
				return key.of(o) >= bound
			}
			return key.of(o) <= bound
		})
	}
	if v := q.Get("order"); v != "" {
		field, dir, _ := strings.Cut(strings.TrimSpace(v), " ")
		switch field {
		case "id":
			f.key = byID
		case "created_at", "processed_at":
			f.key = byCreated
		case "updated_at":
			f.key = byUpdated
		}
		f.desc = strings.EqualFold(strings.TrimSpace(dir), "desc")
	}
	return f, nil
}

// timeLayouts are the forms Shopify accepts for date filters.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05", "2006-01-02"}

// parseTime reads a date filter as unix seconds; times without a zone are in the shop's zone.
func parseTime(v string) (int64, error) {
	var last error
	for _, l := range timeLayouts {
		t, err := time.ParseInLocation(l, strings.TrimSpace(v), shopZone)
		if err == nil {
			return t.Unix(), nil
		}
		last = err
	}
	return 0, last
}

// inSet returns a condition on a string field being one of a comma-separated list.
func inSet(field, list string) func(*object) bool {
	set := map[string]bool{}
	for p := range strings.SplitSeq(list, ",") {
		set[strings.TrimSpace(p)] = true
	}
	return func(o *object) bool { return set[str(o.d()[field])] }
}
