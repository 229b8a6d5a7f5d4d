package emulator

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// issueInput lists the IssueCreateInput and IssueUpdateInput fields the emulator applies, with the
// kind of value each takes.
var issueInput = map[string]string{
	"id": "string", "title": "string", "description": "string", "teamId": "string", "stateId": "string",
	"assigneeId": "string", "projectId": "string", "cycleId": "string", "parentId": "string",
	"priority": "int", "estimate": "int", "labelIds": "strings", "dueDate": "string", "sortOrder": "float",
	"trashed": "bool",
}

// uuidV4 matches the form Linear requires of a client-chosen id.
var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkIssueInput validates an input object's fields and value types, as GraphQL validation does.
func checkIssueInput(in map[string]any, create bool) *gqlError {
	typ := "IssueUpdateInput"
	if create {
		typ = "IssueCreateInput"
	}
	for k, v := range in {
		kind, ok := issueInput[k]
		if !ok || (k == "id" && !create) || (k == "trashed" && create) {
			return errValidation(fmt.Sprintf("Field \"%s\" is not defined by type \"%s\".", k, typ))
		}
		if v == nil {
			if k == "teamId" && create {
				return errValidation("Field \"IssueCreateInput.teamId\" of required type \"String!\" was not provided.")
			}
			continue
		}
		bad := false
		switch kind {
		case "string":
			_, isStr := v.(string)
			bad = !isStr
		case "int":
			_, isInt := v.(int64)
			bad = !isInt
		case "float":
			switch v.(type) {
			case int64, float64:
			default:
				bad = true
			}
		case "bool":
			_, isBool := v.(bool)
			bad = !isBool
		case "strings":
			list, isList := v.([]any)
			bad = !isList
			for _, x := range list {
				if _, isStr := x.(string); !isStr {
					bad = true
				}
			}
		}
		if bad {
			return errValidation(fmt.Sprintf("Field \"%s.%s\" got an invalid value %s.", typ, k, clip(fmt.Sprint(v))))
		}
	}
	if _, ok := in["teamId"]; create && !ok {
		return errValidation("Field \"IssueCreateInput.teamId\" of required type \"String!\" was not provided.")
	}
	return nil
}

// runMutation applies one root mutation field and renders its payload; s.mu is held for writing.
func (s *Server) runMutation(p *plan, f *field) ([]byte, *gqlError) {
	a := p.args[f]
	var e *entity
	var ge *gqlError
	payload := "issue"
	switch f.name {
	case "issueCreate":
		e, ge = s.createIssue(a["input"].(map[string]any))
	case "issueUpdate":
		e, ge = s.updateIssue(a["id"].(string), a["input"].(map[string]any))
	case "issueDelete":
		perm, _ := a["permanentlyDelete"].(bool)
		e, ge = s.deleteIssue(a["id"].(string), perm)
		payload = "entity"
	case "issueArchive":
		trash, _ := a["trash"].(bool)
		e, ge = s.archiveIssue(a["id"].(string), trash)
		payload = "entity"
	}
	if ge != nil {
		ge.Path = []string{f.key()}
		return nil, ge
	}
	b := []byte{'{'}
	for i, c := range f.sel {
		b = appendKey(b, i, c.key())
		switch {
		case c.name == "success":
			b = append(b, "true"...)
		case c.name == "lastSyncId":
			b = appendJSON(b, float64(s.st.lastSyncID))
		case c.name == payload && e != nil:
			b = s.render(b, e, c.sel)
		default:
			b = append(b, "null"...)
		}
	}
	return append(b, '}'), nil
}

// newID returns a fresh UUID v4 from the emulator's generator; s.mu is held.
func (s *Server) newID() string {
	var b [16]byte
	for i := range 2 {
		v := s.rng.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// priorityLabels name Linear's priorities 0 to 4.
var priorityLabels = []string{"No priority", "Urgent", "High", "Medium", "Low"}

// slug renders a title as the tail of an issue's URL and branch name.
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// createIssue makes an issue from an IssueCreateInput; s.mu is held for writing.
func (s *Server) createIssue(in map[string]any) (*entity, *gqlError) {
	id, _ := in["id"].(string)
	if id != "" {
		if !uuidV4.MatchString(id) {
			return nil, errInput("id: must be a UUID v4", "The issue id must be a UUID v4.")
		}
		if s.st.get(tIssue, id) != nil {
			return nil, errInput("id: an entity with this id already exists", "An issue with this id already exists.")
		}
	} else {
		id = s.newID()
	}
	team := s.st.get(tTeam, in["teamId"].(string))
	if team == nil || !team.live() {
		return nil, errNotFound(tTeam)
	}
	e := &entity{typ: tIssue, id: id, props: map[string]any{
		"teamId": team.id, "title": "", "priority": int64(0), "priorityLabel": priorityLabels[0], "labelIds": []any{},
		"sortOrder": float64(s.rng.IntN(100000)) / 10, "creatorId": s.viewerID(),
	}}
	if _, ok := in["stateId"]; !ok {
		in["stateId"] = s.defaultState(team.id)
	}
	now := s.st.tick(s.nowMs())
	e.created, e.updated = now, now
	if _, ge := s.applyIssue(e, in, now); ge != nil {
		return nil, ge
	}
	s.st.teamCounters[team.id]++
	n := s.st.teamCounters[team.id]
	ident := team.str("key") + "-" + strconv.FormatInt(n, 10)
	e.props["number"] = n
	e.props["identifier"] = ident
	e.props["url"] = "https://linear.app/sequin-emulator/issue/" + ident + "/" + slug(e.str("title"))
	e.props["branchName"] = strings.ToLower(ident) + "-" + slug(e.str("title"))
	s.st.add(e)
	s.emit("create", e, now)
	return e, nil
}

// updateIssue applies an IssueUpdateInput; s.mu is held for writing.
func (s *Server) updateIssue(id string, in map[string]any) (*entity, *gqlError) {
	e := s.st.get(tIssue, id)
	if e == nil {
		return nil, errNotFound(tIssue)
	}
	now := s.st.tick(s.nowMs())
	changed, ge := s.applyIssue(e, in, now)
	if ge != nil {
		return nil, ge
	}
	if changed {
		e.updated = now
		s.emit("update", e, now)
	}
	return e, nil
}

// applyIssue sets the fields of an input on an issue and reports whether anything changed. It checks
// every reference before changing anything.
func (s *Server) applyIssue(e *entity, in map[string]any, now int64) (bool, *gqlError) {
	teamID := e.str("teamId")
	if v, ok := in["teamId"].(string); ok {
		if t := s.st.get(tTeam, v); t == nil || !t.live() {
			return false, errNotFound(tTeam)
		}
		teamID = v
	}
	refs := map[string]string{"assigneeId": tUser, "projectId": tProject, "cycleId": tCycle, "parentId": tIssue, "stateId": tWorkflowState}
	for k, typ := range refs {
		v, ok := in[k].(string)
		if !ok {
			continue
		}
		target := s.st.get(typ, v)
		if target == nil {
			return false, errNotFound(typ)
		}
		if k == "stateId" && target.str("teamId") != teamID {
			return false, errInput("stateId: the workflow state belongs to another team", "The state does not belong to the issue's team.")
		}
		if k == "parentId" && v == e.id {
			return false, errInput("parentId: an issue cannot be its own parent", "An issue cannot be its own parent.")
		}
	}
	if v, ok := in["teamId"].(string); ok && v != e.str("teamId") {
		if st, ok := in["stateId"].(string); !ok || s.st.get(tWorkflowState, st).str("teamId") != v {
			in["stateId"] = s.defaultState(v)
		}
	}
	if v, ok := in["priority"].(int64); ok && (v < 0 || v > 4) {
		return false, errInput("priority: must be between 0 and 4", "The priority must be between 0 (none) and 4 (low).")
	}
	if v, ok := in["dueDate"].(string); ok {
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return false, errInput("dueDate: must be a date (YYYY-MM-DD)", "The due date is not a date.")
		}
	}
	before := e.flat()
	for k, v := range in {
		switch k {
		case "id":
		case "trashed":
			if v == true && e.archived == 0 {
				e.archived = now
				e.props["trashed"] = true
			} else if v == false {
				e.archived = 0
				delete(e.props, "trashed")
			}
		case "priority":
			p, _ := v.(int64)
			e.props["priority"], e.props["priorityLabel"] = p, priorityLabels[p]
		case "title":
			if v == nil {
				v = ""
			}
			e.props["title"] = v
		case "labelIds":
			if v == nil {
				v = []any{}
			}
			e.props["labelIds"] = v
		case "sortOrder":
			if n, ok := v.(int64); ok {
				v = float64(n)
			}
			e.props["sortOrder"] = v
		case "stateId":
			if st, ok := v.(string); ok {
				s.enterState(e, st, now)
			}
		default:
			if v == nil {
				delete(e.props, k)
			} else {
				e.props[k] = v
			}
		}
	}
	return !reflect.DeepEqual(before, e.flat()), nil
}

// enterState moves an issue to a workflow state, stamping when it started, completed or was canceled.
func (s *Server) enterState(e *entity, stateID string, now int64) {
	if e.str("stateId") == stateID {
		return
	}
	e.props["stateId"] = stateID
	switch s.st.get(tWorkflowState, stateID).str("type") {
	case "started":
		if e.props["startedAt"] == nil {
			e.props["startedAt"] = iso(now)
		}
		delete(e.props, "completedAt")
		delete(e.props, "canceledAt")
	case "completed":
		e.props["completedAt"] = iso(now)
		delete(e.props, "canceledAt")
	case "canceled":
		e.props["canceledAt"] = iso(now)
		delete(e.props, "completedAt")
	default:
		delete(e.props, "startedAt")
		delete(e.props, "completedAt")
		delete(e.props, "canceledAt")
	}
}

// defaultState is the state new issues of a team start in: its first unstarted or backlog state.
func (s *Server) defaultState(teamID string) string {
	states := s.st.states[teamID]
	for _, st := range states {
		if t := st.str("type"); t == "unstarted" || t == "backlog" {
			return st.id
		}
	}
	if len(states) > 0 {
		return states[0].id
	}
	return ""
}

// viewerID is the id of the user the API key belongs to: the first user.
func (s *Server) viewerID() any {
	if users := s.st.tables[tUser].all; len(users) > 0 {
		return users[0].id
	}
	return nil
}

// deleteIssue moves an issue to the trash (archiving it), or removes it for good; an issue already
// trashed is returned as it is. s.mu is held for writing.
func (s *Server) deleteIssue(id string, permanently bool) (*entity, *gqlError) {
	e := s.st.get(tIssue, id)
	if e == nil {
		return nil, errNotFound(tIssue)
	}
	now := s.st.tick(s.nowMs())
	if permanently {
		s.st.remove(e)
		s.emit("remove", e, now)
		return nil, nil
	}
	if e.archived != 0 && e.props["trashed"] == true {
		return e, nil
	}
	e.archived, e.updated = now, now
	e.props["trashed"] = true
	s.emit("remove", e, now)
	return e, nil
}

// archiveIssue archives an issue (and trashes it when trash is set); s.mu is held for writing.
func (s *Server) archiveIssue(id string, trash bool) (*entity, *gqlError) {
	e := s.st.get(tIssue, id)
	if e == nil {
		return nil, errNotFound(tIssue)
	}
	if e.archived != 0 && (!trash || e.props["trashed"] == true) {
		return e, nil
	}
	now := s.st.tick(s.nowMs())
	e.archived, e.updated = now, now
	if trash {
		e.props["trashed"] = true
	}
	action := "update"
	if trash {
		action = "remove"
	}
	s.emit(action, e, now)
	return e, nil
}

// settable lists the fields of a type other than issues that the test API may set: its scalars
// (but not the id and times) and the ids of its relations.
func settable(t *typeDef) []string {
	var out []string
	for _, sc := range t.scalars {
		if !slices.Contains(common, sc) {
			out = append(out, sc)
		}
	}
	for _, r := range t.objects {
		out = append(out, r.fk)
	}
	return out
}
