package emulator

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
)

// MaxComplexity is the most complexity points one query may cost, Linear's limit.
const MaxComplexity = 10_000

// Page sizes of connections, Linear's.
const (
	defaultFirst = 50
	maxFirst     = 250
)

// plan is a parsed, validated operation ready to run.
type plan struct {
	op   *operation
	vars map[string]any
	// args are the resolved arguments of each field that takes some.
	args map[*field]map[string]any
	// filters are the compiled filters of list fields.
	filters map[*field]func(*entity) bool
	// complexity is the operation's cost in Linear's points, rounded up.
	complexity int
}

// prepare parses, validates and prices a request.
func prepare(query string, variables map[string]any) (*plan, *gqlError) {
	op, err := parseDocument(query)
	if err != nil {
		return nil, errParse(err.Error())
	}
	vars, err := resolveVars(op, variables)
	if err != nil {
		return nil, errValidation(err.Error())
	}
	p := &plan{op: op, vars: vars, args: map[*field]map[string]any{}, filters: map[*field]func(*entity) bool{}}
	var cost float64
	for _, f := range op.sel {
		c, e := p.checkRoot(f)
		if e != nil {
			return nil, e
		}
		cost += c
	}
	p.complexity = int(math.Ceil(cost - 1e-9))
	return p, nil
}

// checkRoot validates a root field and returns its cost.
func (p *plan) checkRoot(f *field) (float64, *gqlError) {
	if p.op.kind == "mutation" {
		return p.checkMutation(f)
	}
	if t := typeByList(f.name); t != nil {
		return p.checkList(f, t)
	}
	if t := typeBySingle(f.name); t != nil {
		a, err := args(f, p.vars, "id")
		if err != nil {
			return 0, errValidation(err.Error())
		}
		if id, ok := a["id"].(string); !ok || id == "" {
			return 0, errValidation(fmt.Sprintf("Field \"%s\" argument \"id\" of type \"String!\" is required.", f.name))
		}
		p.args[f] = a
		return p.checkObject(f, t)
	}
	if f.name == "viewer" {
		if len(f.args) > 0 {
			return 0, errValidation("Unknown argument \"" + f.args[0].name + "\" on field \"viewer\".")
		}
		return p.checkObject(f, types[tUser])
	}
	return 0, errValidation(fmt.Sprintf("Cannot query field \"%s\" on type \"Query\".", f.name))
}

// checkObject validates the selection of an object field of type t and returns its cost: a point for
// the object and a tenth for each scalar.
func (p *plan) checkObject(f *field, t *typeDef) (float64, *gqlError) {
	if f.sel == nil {
		return 0, errValidation(fmt.Sprintf("Field \"%s\" of type \"%s\" must have a selection of subfields.", f.name, t.name))
	}
	cost := 1.0
	for _, c := range f.sel {
		if len(c.args) > 0 {
			return 0, errValidation(fmt.Sprintf("Unknown argument \"%s\" on field \"%s.%s\".", c.args[0].name, t.name, c.name))
		}
		if t.has(c.name) {
			if c.sel != nil {
				return 0, errValidation(fmt.Sprintf("Field \"%s\" must not have a selection since type is a scalar.", c.name))
			}
			cost += 0.1
			continue
		}
		r, ok := t.objects[c.name]
		if !ok {
			return 0, errValidation(fmt.Sprintf("Cannot query field \"%s\" on type \"%s\".", c.name, t.name))
		}
		sub, e := p.checkObject(c, types[r.typ])
		if e != nil {
			return 0, e
		}
		cost += sub
	}
	return cost, nil
}

// checkList validates a connection field and returns its cost: its children multiplied by the page
// size, as Linear prices connections.
func (p *plan) checkList(f *field, t *typeDef) (float64, *gqlError) {
	allowed := []string{"first", "after", "before", "last", "filter", "orderBy", "includeArchived"}
	if t.name == tUser {
		allowed = append(allowed, "includeDisabled")
	}
	a, err := args(f, p.vars, allowed...)
	if err != nil {
		return 0, errValidation(err.Error())
	}
	if a["before"] != nil || a["last"] != nil {
		return 0, errInput("before/last: backward pagination is not supported by this emulator", "")
	}
	first := int64(defaultFirst)
	if v, ok := a["first"]; ok && v != nil {
		n, ok := v.(int64)
		if !ok {
			return 0, errValidation("Argument \"first\" has invalid value: Int expected.")
		}
		if n < 0 || n > maxFirst {
			return 0, errInput(fmt.Sprintf("first: must be between 0 and %d", maxFirst), "")
		}
		first = n
	}
	a["first"] = first
	if v := a["after"]; v != nil {
		if _, ok := v.(string); !ok {
			return 0, errValidation("Argument \"after\" has invalid value: String expected.")
		}
	}
	switch v := a["orderBy"]; v {
	case nil, "createdAt", "updatedAt":
	default:
		return 0, errValidation(fmt.Sprintf("Value \"%v\" does not exist in \"PaginationOrderBy\" enum.", v))
	}
	for _, k := range []string{"includeArchived", "includeDisabled"} {
		if v := a[k]; v != nil {
			if _, ok := v.(bool); !ok {
				return 0, errValidation("Argument \"" + k + "\" has invalid value: Boolean expected.")
			}
		}
	}
	match := func(*entity) bool { return true }
	if v := a["filter"]; v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return 0, errValidation("Argument \"filter\" has invalid value: an input object expected.")
		}
		fn, err := compileFilter(t, m, 0)
		if err != nil {
			return 0, errInput("filter: "+err.Error(), "")
		}
		match = fn
	}
	p.args[f], p.filters[f] = a, match
	if f.sel == nil {
		return 0, errValidation(fmt.Sprintf("Field \"%s\" must have a selection of subfields.", f.name))
	}
	cost := 1.0
	for _, c := range f.sel {
		if len(c.args) > 0 {
			return 0, errValidation(fmt.Sprintf("Unknown argument \"%s\" on field \"%s\".", c.args[0].name, c.name))
		}
		switch c.name {
		case "nodes":
			sub, e := p.checkObject(c, t)
			if e != nil {
				return 0, e
			}
			cost += float64(first) * sub
		case "edges":
			if c.sel == nil {
				return 0, errValidation("Field \"edges\" must have a selection of subfields.")
			}
			edge := 1.0
			for _, ec := range c.sel {
				switch {
				case ec.name == "cursor" && ec.sel == nil && len(ec.args) == 0:
					edge += 0.1
				case ec.name == "node" && len(ec.args) == 0:
					sub, e := p.checkObject(ec, t)
					if e != nil {
						return 0, e
					}
					edge += sub
				default:
					return 0, errValidation(fmt.Sprintf("Cannot query field \"%s\" on type \"%sEdge\".", ec.name, t.name))
				}
			}
			cost += float64(first) * edge
		case "pageInfo":
			if c.sel == nil {
				return 0, errValidation("Field \"pageInfo\" must have a selection of subfields.")
			}
			cost++
			for _, pc := range c.sel {
				if !slices.Contains([]string{"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}, pc.name) || pc.sel != nil || len(pc.args) > 0 {
					return 0, errValidation(fmt.Sprintf("Cannot query field \"%s\" on type \"PageInfo\".", pc.name))
				}
				cost += 0.1
			}
		default:
			return 0, errValidation(fmt.Sprintf("Cannot query field \"%s\" on type \"%sConnection\".", c.name, t.name))
		}
	}
	return cost, nil
}

// checkMutation validates a root mutation field and its payload selection.
func (p *plan) checkMutation(f *field) (float64, *gqlError) {
	var allowed []string
	payload := "issue"
	switch f.name {
	case "issueCreate":
		allowed = []string{"input"}
	case "issueUpdate":
		allowed = []string{"id", "input"}
	case "issueDelete":
		allowed, payload = []string{"id", "permanentlyDelete"}, "entity"
	case "issueArchive":
		allowed, payload = []string{"id", "trash"}, "entity"
	default:
		return 0, errValidation(fmt.Sprintf("Cannot query field \"%s\" on type \"Mutation\".", f.name))
	}
	a, err := args(f, p.vars, allowed...)
	if err != nil {
		return 0, errValidation(err.Error())
	}
	if slices.Contains(allowed, "id") {
		if id, ok := a["id"].(string); !ok || id == "" {
			return 0, errValidation(fmt.Sprintf("Field \"%s\" argument \"id\" of type \"String!\" is required.", f.name))
		}
	}
	if slices.Contains(allowed, "input") {
		in, ok := a["input"].(map[string]any)
		if !ok {
			return 0, errValidation(fmt.Sprintf("Field \"%s\" argument \"input\" is required.", f.name))
		}
		if e := checkIssueInput(in, f.name == "issueCreate"); e != nil {
			return 0, e
		}
	}
	p.args[f] = a
	if f.sel == nil {
		return 0, errValidation(fmt.Sprintf("Field \"%s\" must have a selection of subfields.", f.name))
	}
	cost := 1.0
	for _, c := range f.sel {
		switch {
		case (c.name == "success" || c.name == "lastSyncId") && c.sel == nil && len(c.args) == 0:
			cost += 0.1
		case c.name == payload && len(c.args) == 0:
			sub, e := p.checkObject(c, types[tIssue])
			if e != nil {
				return 0, e
			}
			cost += sub
		default:
			name := "IssuePayload"
			if payload == "entity" {
				name = "IssueArchivePayload"
			}
			return 0, errValidation(fmt.Sprintf("Cannot query field \"%s\" on type \"%s\".", c.name, name))
		}
	}
	return cost, nil
}

// execute runs a plan and returns the answer's status and body. Queries read under the read lock;
// mutations change the store under the write lock and queue their webhooks.
func (s *Server) execute(p *plan) (int, []byte) {
	if p.op.kind == "mutation" {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	b := make([]byte, 0, 4096)
	b = append(b, `{"data":{`...)
	var errs []*gqlError
	for i, f := range p.op.sel {
		var out []byte
		var e *gqlError
		if p.op.kind == "mutation" {
			out, e = s.runMutation(p, f)
		} else {
			out, e = s.runQuery(p, f)
		}
		if e != nil {
			// A failed root field is non-null in Linear's schema: the whole data becomes null.
			if len(e.Path) == 0 {
				e.Path = []string{f.key()}
			}
			errs = append(errs, e)
			continue
		}
		if i > 0 && len(b) > len(`{"data":{`) {
			b = append(b, ',')
		}
		b = appendString(b, f.key())
		b = append(b, ':')
		b = append(b, out...)
	}
	if len(errs) > 0 {
		status := http.StatusOK
		for _, e := range errs {
			if e.status != http.StatusOK {
				status = e.status
			}
		}
		b = append(b[:0], `{"data":null,"errors":`...)
		raw := errorBody(errs...)
		b = append(b, raw[len(`{"errors":`):]...)
		return status, b
	}
	return http.StatusOK, append(b, "}}"...)
}

// runQuery resolves one root query field.
func (s *Server) runQuery(p *plan, f *field) ([]byte, *gqlError) {
	if t := typeByList(f.name); t != nil {
		return s.runList(p, f, t)
	}
	if f.name == "viewer" {
		users := s.st.tables[tUser].all
		if len(users) == 0 {
			return nil, errAuthentication()
		}
		return s.render(nil, users[0], f.sel), nil
	}
	t := typeBySingle(f.name)
	id := p.args[f]["id"].(string)
	e := s.st.get(t.name, id)
	if e == nil && t.name == tIssue {
		e = s.issueByIdentifier(id)
	}
	if e == nil {
		return nil, errNotFound(t.name)
	}
	return s.render(nil, e, f.sel), nil
}

// issueByIdentifier finds an issue by its identifier ("ENG-12"), which issue(id:) accepts too.
func (s *Server) issueByIdentifier(ident string) *entity {
	if !strings.Contains(ident, "-") || len(ident) > 32 {
		return nil
	}
	for _, e := range s.st.tables[tIssue].all {
		if e.str("identifier") == ident {
			return e
		}
	}
	return nil
}

// runList serves a connection: the matching entities newest first by the order key (createdAt or
// updatedAt), paged after the cursor, which is the id of the last entity of the previous page.
func (s *Server) runList(p *plan, f *field, t *typeDef) ([]byte, *gqlError) {
	a := p.args[f]
	first := int(a["first"].(int64))
	byUpdated := a["orderBy"] == "updatedAt"
	archived, _ := a["includeArchived"].(bool)
	disabled, _ := a["includeDisabled"].(bool)
	match := p.filters[f]
	keep := func(e *entity) bool {
		return (archived || e.live()) && (t.name != tUser || disabled || e.props["active"] != false) && match(e)
	}
	all := s.st.ordered(t.name, byUpdated)
	start := 0
	after, _ := a["after"].(string)
	if after != "" {
		c := s.st.get(t.name, after)
		if c == nil {
			return nil, errInput("after: the cursor "+clip(after)+" does not point to a "+t.name, "The pagination cursor is invalid.")
		}
		// The page starts right after the cursor's entity in the ordering, wherever it is now.
		start, _ = slices.BinarySearchFunc(all, c, func(x, target *entity) int { return compareOrder(x, target, byUpdated) })
		if start < len(all) && all[start] == c {
			start++
		}
	}
	page := make([]*entity, 0, first)
	more, i := false, start
	for ; i < len(all); i++ {
		if !keep(all[i]) {
			continue
		}
		if len(page) == first {
			more = true
			break
		}
		page = append(page, all[i])
	}
	b := []byte{'{'}
	for i, c := range f.sel {
		b = appendKey(b, i, c.key())
		switch c.name {
		case "nodes":
			b = append(b, '[')
			for j, e := range page {
				if j > 0 {
					b = append(b, ',')
				}
				b = s.render(b, e, c.sel)
			}
			b = append(b, ']')
		case "edges":
			b = append(b, '[')
			for j, e := range page {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, '{')
				for k, ec := range c.sel {
					b = appendKey(b, k, ec.key())
					if ec.name == "cursor" {
						b = appendString(b, e.id)
					} else {
						b = s.render(b, e, ec.sel)
					}
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		case "pageInfo":
			b = append(b, '{')
			for k, pc := range c.sel {
				b = appendKey(b, k, pc.key())
				switch pc.name {
				case "hasNextPage":
					b = appendJSON(b, more)
				case "hasPreviousPage":
					b = appendJSON(b, after != "")
				case "startCursor":
					if len(page) == 0 {
						b = appendJSON(b, nil)
					} else {
						b = appendString(b, page[0].id)
					}
				case "endCursor":
					if len(page) == 0 {
						b = appendJSON(b, nil)
					} else {
						b = appendString(b, page[len(page)-1].id)
					}
				}
			}
			b = append(b, '}')
		}
	}
	return append(b, '}'), nil
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// render appends an entity with the selected fields.
func (s *Server) render(b []byte, e *entity, sel []*field) []byte {
	t := types[e.typ]
	b = append(b, '{')
	for i, f := range sel {
		b = appendKey(b, i, f.key())
		if r, ok := t.objects[f.name]; ok {
			id, _ := e.props[r.fk].(string)
			if target := s.st.get(r.typ, id); id != "" && target != nil {
				b = s.render(b, target, f.sel)
			} else {
				b = append(b, "null"...)
			}
			continue
		}
		b = appendJSON(b, e.scalar(f.name))
	}
	return append(b, '}')
}

// appendKey appends an object member's key: a comma unless it is the first (i is 0), the quoted key
// and a colon.
func appendKey(b []byte, i int, key string) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = appendString(b, key)
	return append(b, ':')
}
