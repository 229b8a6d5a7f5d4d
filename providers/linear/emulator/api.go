package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// typeOf finds the type of a collection by its root list field ("issues").
func typeOf(collection string) (*typeDef, error) {
	t := typeByList(collection)
	if t == nil {
		return nil, fmt.Errorf("emulator: unknown collection %q (want one of %v)", collection, Collections)
	}
	return t, nil
}

// Create makes an entity of a collection as a user would in Linear: it shows up in lists and sends a
// webhook. Issues take IssueCreateInput fields (teamId, title, ...); other collections take their
// scalar fields and the ids of related entities (teamId, issueId, ...). Nil data makes a typical
// entity. It returns the new id.
func (s *Server) Create(collection string, data map[string]any) (string, error) {
	t, err := typeOf(collection)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if data == nil {
		data = s.typical(t)
	}
	in, err := normaliseMap(data)
	if err != nil {
		return "", err
	}
	if t.name == tIssue {
		if e := checkIssueInput(in, true); e != nil {
			return "", e
		}
		e, ge := s.createIssue(in)
		if ge != nil {
			return "", ge
		}
		return e.id, nil
	}
	allowed := settable(t)
	props := map[string]any{}
	for k, v := range in {
		if !slices.Contains(allowed, k) {
			return "", fmt.Errorf("emulator: %s has no settable field %q", t.name, k)
		}
		props[k] = v
	}
	for _, r := range t.objects {
		if id, ok := props[r.fk].(string); ok && s.st.get(r.typ, id) == nil {
			return "", fmt.Errorf("emulator: no %s %s", r.typ, id)
		}
	}
	now := s.st.tick(s.nowMs())
	e := &entity{typ: t.name, id: s.newID(), created: now, updated: now, props: props}
	switch t.name {
	case tTeam:
		for j, d := range stateDefs {
			s.st.add(&entity{typ: tWorkflowState, id: s.newID(), created: now, updated: now, props: map[string]any{
				"name": d.name, "type": d.typ, "color": d.color, "position": float64(j), "teamId": e.id}})
		}
	case tUser:
		if _, ok := props["active"]; !ok {
			props["active"] = true
		}
	case tCycle:
		if team, ok := props["teamId"].(string); ok {
			s.st.cycleCounters[team]++
			props["number"] = s.st.cycleCounters[team]
		}
	}
	s.st.add(e)
	s.emit("create", e, now)
	return e.id, nil
}

// typical returns the data of a plausible new entity; s.mu is held.
func (s *Server) typical(t *typeDef) map[string]any {
	n := strconv.FormatInt(s.st.lastSyncID+1, 10)
	switch t.name {
	case tIssue:
		return map[string]any{"teamId": DefaultTeamID, "title": "New issue " + n, "priority": int64(3), "description": "Created by a test."}
	case tProject:
		return map[string]any{"name": "New project " + n, "description": "Created by a test.", "state": "planned",
			"priority": int64(0), "progress": float64(0), "leadId": s.viewerID()}
	case tTeam:
		return map[string]any{"name": "New team " + n, "key": "N" + n, "displayName": "New team " + n, "private": false}
	case tUser:
		return map[string]any{"name": "New User " + n, "displayName": "new" + n, "email": "new" + n + "@example.com", "admin": false, "guest": false}
	case tComment:
		issue := ""
		for _, e := range s.st.tables[tIssue].all {
			if e.live() {
				issue = e.id
				break
			}
		}
		return map[string]any{"issueId": issue, "userId": s.viewerID(), "body": "New comment " + n}
	default:
		return map[string]any{"teamId": DefaultTeamID, "name": "New cycle " + n, "startsAt": iso(s.nowMs()),
			"endsAt": iso(s.nowMs() + 14*24*3600*1000), "progress": float64(0)}
	}
}

// touched is the field Update changes when given no data.
var touched = map[string]string{tIssue: "title", tProject: "description", tTeam: "description", tUser: "displayName",
	tComment: "body", tCycle: "description"}

// Update changes an entity as a user would and sends a webhook; nil data edits one field. Issues
// take IssueUpdateInput fields.
func (s *Server) Update(collection, id string, data map[string]any) error {
	t, err := typeOf(collection)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.st.get(t.name, id)
	if e == nil {
		return fmt.Errorf("emulator: no %s %s", t.name, id)
	}
	if data == nil {
		data = map[string]any{touched[t.name]: fmt.Sprintf("Edited (%d)", s.st.lastSyncID+1)}
	}
	in, err := normaliseMap(data)
	if err != nil {
		return err
	}
	if t.name == tIssue {
		if ge := checkIssueInput(in, false); ge != nil {
			return ge
		}
		_, ge := s.updateIssue(id, in)
		if ge != nil {
			return ge
		}
		return nil
	}
	allowed := settable(t)
	for k, v := range in {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("emulator: %s has no settable field %q", t.name, k)
		}
		if v == nil {
			delete(e.props, k)
		} else {
			e.props[k] = v
		}
	}
	now := s.st.tick(s.nowMs())
	e.updated = now
	if t.name == tComment {
		e.props["editedAt"] = iso(now)
	}
	s.emit("update", e, now)
	return nil
}

// Delete deletes an entity the way Linear's API does for its kind: issues and projects go to the
// trash (archived, trashed), teams, comments and cycles are archived. Users cannot be deleted through
// Linear's API (they are suspended), so Delete of a user is errors.ErrUnsupported.
func (s *Server) Delete(collection, id string) error {
	t, err := typeOf(collection)
	if err != nil {
		return err
	}
	if t.name == tUser {
		return errors.ErrUnsupported
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.name == tIssue {
		if _, ge := s.deleteIssue(id, false); ge != nil {
			return ge
		}
		return nil
	}
	e := s.st.get(t.name, id)
	if e == nil {
		return fmt.Errorf("emulator: no %s %s", t.name, id)
	}
	if e.archived != 0 {
		return nil
	}
	now := s.st.tick(s.nowMs())
	e.archived, e.updated = now, now
	if t.name == tProject {
		e.props["trashed"] = true
	}
	s.emit("remove", e, now)
	return nil
}

// Archive archives an issue without trashing it, as Linear does by itself for issues closed long ago.
func (s *Server) Archive(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ge := s.archiveIssue(id, false); ge != nil {
		return ge
	}
	return nil
}

// Suspend deactivates a user, as an admin does in Linear; the user stays listed with active false.
func (s *Server) Suspend(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.st.get(tUser, id)
	if e == nil {
		return fmt.Errorf("emulator: no user %s", id)
	}
	now := s.st.tick(s.nowMs())
	e.props["active"], e.updated = false, now
	s.emit("update", e, now)
	return nil
}

// IDs lists the ids of the live (not archived) entities of a collection, newest first.
func (s *Server) IDs(collection string) []string {
	t, err := typeOf(collection)
	if err != nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	all := s.st.tables[t.name].all
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].live() {
			out = append(out, all[i].id)
		}
	}
	return out
}

// Count returns the number of live entities of a collection.
func (s *Server) Count(collection string) int { return len(s.IDs(collection)) }

// Query runs a GraphQL operation in process, without authentication or rate limits, and returns the
// answer's body; an answer with errors is an error.
func (s *Server) Query(query string, variables map[string]any) (json.RawMessage, error) {
	vars, err := normaliseMap(variables)
	if err != nil {
		return nil, err
	}
	p, ge := prepare(query, vars)
	if ge != nil {
		return nil, ge
	}
	status, body := s.execute(p)
	if status != http.StatusOK || bytes.Contains(body, []byte(`"errors":`)) {
		return nil, fmt.Errorf("emulator: query failed (HTTP %d): %s", status, body)
	}
	return body, nil
}

// Object returns a live entity as "query { <single>(id: ...) { <selection> } }" serves it, where
// selection is a GraphQL selection set's content ("id title team { id }").
func (s *Server) Object(collection, id, selection string) (json.RawMessage, bool) {
	t, err := typeOf(collection)
	if err != nil {
		return nil, false
	}
	s.mu.RLock()
	e := s.st.get(t.name, id)
	s.mu.RUnlock()
	if e == nil || !e.live() {
		return nil, false
	}
	body, err := s.Query("query Object($id: String!) { x: "+t.single+"(id: $id) { "+selection+" } }", map[string]any{"id": id})
	if err != nil {
		return nil, false
	}
	var out struct {
		Data struct {
			X json.RawMessage `json:"x"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &out) != nil {
		return nil, false
	}
	return out.Data.X, true
}

// SignedWebhook returns a delivery about an entity (an "update") as Linear would POST it at the given
// time: its headers and body. Collections Linear sends no webhooks about (teams) are an error.
func (s *Server) SignedWebhook(collection, id string, at time.Time) (http.Header, []byte, error) {
	t, err := typeOf(collection)
	if err != nil {
		return nil, nil, err
	}
	if t.webhook == "" {
		return nil, nil, fmt.Errorf("emulator: Linear sends no webhooks about %s", collection)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.st.get(t.name, id)
	if e == nil {
		return nil, nil, fmt.Errorf("emulator: no %s %s", t.name, id)
	}
	h, body := signed(s.cfg.WebhookSecret, s.payload("update", e, at.UnixMilli()), at)
	return h, body, nil
}

// normaliseMap converts test data (Go ints, float64s, nested maps) to the forms the emulator stores.
func normaliseMap(m map[string]any) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("emulator: encoding data: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var out map[string]any
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("emulator: decoding data: %w", err)
	}
	n, err := normalise(out)
	if err != nil {
		return nil, err
	}
	return n.(map[string]any), nil
}

// Backdate moves an entity's updatedAt back by d, as an update looks whose transaction committed
// after later ones: stamped earlier than changes a client has already read.
func (s *Server) Backdate(collection, id string, d time.Duration) error {
	t, err := typeOf(collection)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.st.get(t.name, id)
	if e == nil {
		return fmt.Errorf("emulator: no %s %s", t.name, id)
	}
	e.updated = max(e.updated-d.Milliseconds(), e.created)
	s.st.version++
	return nil
}
