package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Limits of the search endpoints, HubSpot's.
const (
	// searchWindow is the most results one query can page through, unless Config.SearchWindow says
	// otherwise: a request whose after reaches it is refused with a 400.
	searchWindow     = 10_000
	maxSearchLimit   = 200
	maxFilterGroups  = 5
	maxGroupFilters  = 6
	maxTotalFilters  = 18
	defaultSearchMax = 10
)

// searchBody is the body of POST /crm/v3/objects/<type>/search.
type searchBody struct {
	FilterGroups []struct {
		Filters []filter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []json.RawMessage `json:"sorts"`
	Query      string            `json:"query"`
	Properties []string          `json:"properties"`
	Limit      *json.Number      `json:"limit"`
	After      json.RawMessage   `json:"after"`
}

// filter is one condition of a filter group.
type filter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        any    `json:"value"`
	HighValue    any    `json:"highValue"`
	Values       []any  `json:"values"`
}

// sortRule orders search results by one property.
type sortRule struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// handleSearch serves POST /crm/v3/objects/<type>/search: objects matching any filter group (all of
// whose filters hold), sorted by at most one property, paged by an offset that may not reach 10,000.
// Archived objects are never found, and changes become visible after Config.SearchLag.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	t, e := typeOf(r)
	if e != nil {
		writeError(w, e)
		return
	}
	var body searchBody
	if e := decodeBody(r, &body); e != nil {
		writeError(w, e)
		return
	}
	limit, after, sorter, e := s.searchParams(t, &body)
	if e != nil {
		writeError(w, e)
		return
	}
	match, e := t.matcher(&body)
	if e != nil {
		writeError(w, e)
		return
	}
	props := t.propertyList(body.Properties)
	now := s.nowMs()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var found []*object
	for _, o := range s.st.tables[t.name].objs {
		if !o.archived && o.visible <= now && match(o) {
			found = append(found, o)
		}
	}
	slices.SortStableFunc(found, sorter)
	b := make([]byte, 0, 512*limit)
	b = append(b, `{"total":`...)
	b = strconv.AppendInt(b, int64(len(found)), 10)
	b = append(b, `,"results":[`...)
	end := min(int64(len(found)), after+int64(limit), int64(s.window()))
	for i := after; i < end; i++ {
		if i > after {
			b = append(b, ',')
		}
		b = t.appendObject(b, found[i], props)
	}
	b = append(b, ']')
	if end < int64(len(found)) {
		b = append(b, `,"paging":{"next":{"after":"`...)
		b = strconv.AppendInt(b, end, 10)
		b = append(b, `"}}`...)
	}
	writeJSON(w, http.StatusOK, append(b, '}'))
}

// window is the search window in force.
func (s *Server) window() int {
	if s.cfg.SearchWindow > 0 {
		return s.cfg.SearchWindow
	}
	return searchWindow
}

// searchParams validates limit, after and sorts.
func (s *Server) searchParams(t *objectType, body *searchBody) (int, int64, func(a, b *object) int, *apiError) {
	limit := defaultSearchMax
	if body.Limit != nil {
		n, err := body.Limit.Int64()
		if err != nil || n < 1 || n > maxSearchLimit {
			return 0, 0, nil, errBadRequest(fmt.Sprintf("limit must be between 1 and %d, got %s", maxSearchLimit, body.Limit.String()))
		}
		limit = int(n)
	}
	var after int64
	if raw := bytes.TrimSpace(body.After); len(raw) > 0 && string(raw) != "null" {
		v := strings.Trim(string(raw), `"`)
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, nil, errBadRequest("Invalid after value: " + string(raw))
		}
		after = n
	}
	if after >= int64(s.window()) {
		return 0, 0, nil, errBadRequest(fmt.Sprintf("Paging beyond %d results is not supported: after %d. Narrow the search with filters instead.", s.window(), after))
	}
	if len(body.Sorts) > 1 {
		return 0, 0, nil, errBadRequest("Only one sort is supported, got " + strconv.Itoa(len(body.Sorts)))
	}
	rule := sortRule{PropertyName: "hs_object_id", Direction: "ASCENDING"}
	if len(body.Sorts) == 1 {
		raw := body.Sorts[0]
		var name string
		if json.Unmarshal(raw, &name) == nil {
			// The short form: "prop" or "-prop".
			rule = sortRule{PropertyName: strings.TrimPrefix(name, "-"), Direction: "ASCENDING"}
			if strings.HasPrefix(name, "-") {
				rule.Direction = "DESCENDING"
			}
		} else if err := json.Unmarshal(raw, &rule); err != nil {
			return 0, 0, nil, errBadRequest("Invalid sort: " + string(raw))
		}
		if rule.Direction == "" {
			rule.Direction = "ASCENDING"
		}
		if t.prop(rule.PropertyName) == nil {
			return 0, 0, nil, errBadRequest("Sort property " + rule.PropertyName + " does not exist")
		}
		if rule.Direction != "ASCENDING" && rule.Direction != "DESCENDING" {
			return 0, 0, nil, errBadRequest("Invalid sort direction: " + rule.Direction)
		}
	}
	def := t.prop(rule.PropertyName)
	desc := rule.Direction == "DESCENDING"
	sorter := func(a, b *object) int {
		c := t.compareValues(def, a, b)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	}
	return limit, after, sorter, nil
}

// compareValues orders two objects by a property; objects without a value sort last.
func (t *objectType) compareValues(def *propDef, a, b *object) int {
	x, xok := t.numeric(def, a)
	y, yok := t.numeric(def, b)
	if xok && yok {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	av, aok := t.value(a, def.name)
	bv, bok := t.value(b, def.name)
	switch {
	case !aok && !bok:
		return 0
	case !aok:
		return 1
	case !bok:
		return -1
	}
	return strings.Compare(strings.ToLower(av), strings.ToLower(bv))
}

// numeric returns a property of o as a number for comparisons: numbers as themselves, dates as unix
// milliseconds; ok is false for other types and missing values.
func (t *objectType) numeric(def *propDef, o *object) (float64, bool) {
	switch {
	case def.name == "createdate":
		return float64(o.created), true
	case def.name == t.modified:
		return float64(o.updated), true
	case def.name == "hs_object_id":
		return float64(o.id), true
	}
	v := o.props[def.name]
	if v == "" {
		return 0, false
	}
	switch def.typ {
	case tDatetime:
		ms, ok := parseTime(v)
		return float64(ms), ok
	case tNumber:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// operand turns a filter value into a comparable number (for number and date properties) or string.
func operand(def *propDef, v any) (float64, string, bool) {
	s, ok := propertyValue(v)
	if !ok {
		return 0, "", false
	}
	switch def.typ {
	case tDatetime:
		ms, ok := parseTime(s)
		return float64(ms), s, ok
	case tNumber:
		f, err := strconv.ParseFloat(s, 64)
		return f, s, err == nil
	}
	return 0, strings.ToLower(s), true
}

// matcher compiles the filter groups and the free-text query into a predicate.
func (t *objectType) matcher(body *searchBody) (func(*object) bool, *apiError) {
	if len(body.FilterGroups) > maxFilterGroups {
		return nil, errBadRequest(fmt.Sprintf("Too many filter groups: %d (at most %d)", len(body.FilterGroups), maxFilterGroups))
	}
	total := 0
	var groups [][]func(*object) bool
	for _, g := range body.FilterGroups {
		if len(g.Filters) > maxGroupFilters {
			return nil, errBadRequest(fmt.Sprintf("Too many filters in a group: %d (at most %d)", len(g.Filters), maxGroupFilters))
		}
		total += len(g.Filters)
		var fs []func(*object) bool
		for _, f := range g.Filters {
			fn, e := t.compileFilter(f)
			if e != nil {
				return nil, e
			}
			fs = append(fs, fn)
		}
		groups = append(groups, fs)
	}
	if total > maxTotalFilters {
		return nil, errBadRequest(fmt.Sprintf("Too many filters: %d (at most %d)", total, maxTotalFilters))
	}
	query := strings.ToLower(strings.TrimSpace(body.Query))
	return func(o *object) bool {
		if query != "" && !t.queryMatch(o, query) {
			return false
		}
		if len(groups) == 0 {
			return true
		}
		for _, g := range groups {
			all := true
			for _, f := range g {
				if !f(o) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}, nil
}

// queryMatch is the free-text query: a prefix of a word of one of the default properties.
func (t *objectType) queryMatch(o *object, q string) bool {
	for _, p := range t.defaults {
		v, _ := t.value(o, p)
		for _, w := range strings.FieldsFunc(strings.ToLower(v), notWordChar) {
			if strings.HasPrefix(w, q) {
				return true
			}
		}
		if strings.Contains(strings.ToLower(v), q) {
			return true
		}
	}
	return false
}

func notWordChar(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// compileFilter turns one filter into a predicate.
func (t *objectType) compileFilter(f filter) (func(*object) bool, *apiError) {
	def := t.prop(f.PropertyName)
	if def == nil {
		return nil, errBadRequest("There was a problem with the request: property " + f.PropertyName + " does not exist for " + t.name)
	}
	op := strings.ToUpper(f.Operator)
	get := func(o *object) (string, bool) { return t.value(o, def.name) }
	cmp := func(want any, test func(c int) bool) (func(*object) bool, *apiError) {
		n, s, ok := operand(def, want)
		if !ok {
			return nil, errBadRequest(fmt.Sprintf("Invalid value %v for %s %s", want, f.PropertyName, op))
		}
		if def.typ == tNumber || def.typ == tDatetime {
			return func(o *object) bool {
				x, ok := t.numeric(def, o)
				if !ok {
					return false
				}
				switch {
				case x < n:
					return test(-1)
				case x > n:
					return test(1)
				}
				return test(0)
			}, nil
		}
		return func(o *object) bool {
			v, ok := get(o)
			if !ok {
				return false
			}
			return test(strings.Compare(strings.ToLower(v), s))
		}, nil
	}
	switch op {
	case "EQ":
		return cmp(f.Value, func(c int) bool { return c == 0 })
	case "NEQ":
		eq, e := cmp(f.Value, func(c int) bool { return c == 0 })
		if e != nil {
			return nil, e
		}
		return func(o *object) bool { return !eq(o) }, nil
	case "LT":
		return cmp(f.Value, func(c int) bool { return c < 0 })
	case "LTE":
		return cmp(f.Value, func(c int) bool { return c <= 0 })
	case "GT":
		return cmp(f.Value, func(c int) bool { return c > 0 })
	case "GTE":
		return cmp(f.Value, func(c int) bool { return c >= 0 })
	case "BETWEEN":
		lo, e := cmp(f.Value, func(c int) bool { return c >= 0 })
		if e != nil {
			return nil, e
		}
		hi, e := cmp(f.HighValue, func(c int) bool { return c <= 0 })
		if e != nil {
			return nil, e
		}
		return func(o *object) bool { return lo(o) && hi(o) }, nil
	case "IN", "NOT_IN":
		if len(f.Values) == 0 {
			return nil, errBadRequest(op + " needs values")
		}
		var tests []func(*object) bool
		for _, v := range f.Values {
			fn, e := cmp(v, func(c int) bool { return c == 0 })
			if e != nil {
				return nil, e
			}
			tests = append(tests, fn)
		}
		in := func(o *object) bool {
			for _, fn := range tests {
				if fn(o) {
					return true
				}
			}
			return false
		}
		if op == "IN" {
			return in, nil
		}
		return func(o *object) bool { return !in(o) }, nil
	case "HAS_PROPERTY":
		return func(o *object) bool { _, ok := get(o); return ok }, nil
	case "NOT_HAS_PROPERTY":
		return func(o *object) bool { _, ok := get(o); return !ok }, nil
	case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		tok, _ := propertyValue(f.Value)
		tok = strings.ToLower(tok)
		contains := func(o *object) bool {
			v, ok := get(o)
			if !ok {
				return false
			}
			v = strings.ToLower(v)
			if strings.Contains(tok, "*") {
				ok, _ := path.Match(tok, v)
				return ok
			}
			return slices.Contains(strings.FieldsFunc(v, notWordChar), tok)
		}
		if op == "CONTAINS_TOKEN" {
			return contains, nil
		}
		return func(o *object) bool { return !contains(o) }, nil
	}
	return nil, errBadRequest("Invalid operator: " + f.Operator)
}
