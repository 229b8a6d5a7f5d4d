package emulator

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"time"
)

// kind describes one collection of the tenant: its URL segment, the field holding an object's id and
// how new ids look.
type kind struct {
	name    string // URL segment under /api/v2, e.g. "users"
	idField string
	newID   func() string
	// noun is used in log descriptions and error messages ("user", "organization").
	noun string
}

var kinds = []kind{
	{name: "users", idField: "user_id", noun: "user", newID: func() string { return "auth0|" + hexID(12) }},
	{name: "organizations", idField: "id", noun: "organization", newID: func() string { return "org_" + alnumID(16) }},
	{name: "roles", idField: "id", noun: "role", newID: func() string { return "rol_" + alnumID(16) }},
	{name: "clients", idField: "client_id", noun: "client", newID: func() string { return alnumID(32) }},
	{name: "connections", idField: "id", noun: "connection", newID: func() string { return "con_" + alnumID(16) }},
}

func kindOf(name string) (kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// table holds the objects of one collection in creation order.
type table struct {
	objs  map[string]map[string]any
	order []string
}

func (t *table) put(id string, o map[string]any) {
	if _, ok := t.objs[id]; !ok {
		t.order = append(t.order, id)
	}
	t.objs[id] = o
}

func (t *table) remove(id string) {
	delete(t.objs, id)
	for i, x := range t.order {
		if x == id {
			t.order = append(t.order[:i], t.order[i+1:]...)
			return
		}
	}
}

// list returns the objects in creation order.
func (t *table) list() []map[string]any {
	out := make([]map[string]any, len(t.order))
	for i, id := range t.order {
		out[i] = t.objs[id]
	}
	return out
}

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func alnumID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func hexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// stamp formats a time as Auth0 does: ISO 8601 in UTC with milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// clone deep-copies a JSON-like object so callers never share state with the store.
func clone(o map[string]any) map[string]any {
	b, _ := json.Marshal(o)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

// ErrNotFound is returned by the test-facing methods for an unknown collection or object.
var ErrNotFound = errors.New("emulator: no such object")

// Create makes an object of collection ("users", "roles", ...) from API-style data, as a Management
// API POST would; nil data makes a typical object.
func (s *Server) Create(collection string, data map[string]any) (map[string]any, error) {
	k, ok := kindOf(collection)
	if !ok {
		return nil, fmt.Errorf("emulator: unknown collection %q", collection)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if data == nil {
		s.seq++
		data = s.sample(k, int(s.seq)+100000, s.cfg.Now())
	}
	o, apiErr := s.create(k, data)
	if apiErr != nil {
		return nil, apiErr
	}
	return clone(o), nil
}

// Update changes an object as a PATCH would; nil data makes a change Auth0 reports as an update.
func (s *Server) Update(collection, id string, data map[string]any) (map[string]any, error) {
	k, ok := kindOf(collection)
	if !ok {
		return nil, fmt.Errorf("emulator: unknown collection %q", collection)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if data == nil {
		s.seq++
		rev := fmt.Sprint(s.seq)
		switch k.name {
		case "users":
			data = map[string]any{"user_metadata": map[string]any{"suite_rev": rev}}
		case "organizations":
			data = map[string]any{"display_name": "Organization rev " + rev}
		case "clients":
			data = map[string]any{"description": "Client rev " + rev}
		case "connections":
			data = map[string]any{"display_name": "Connection rev " + rev}
		default:
			data = map[string]any{"description": "Role rev " + rev}
		}
	}
	o, apiErr := s.update(k, id, data)
	if apiErr != nil {
		return nil, apiErr
	}
	return clone(o), nil
}

// Delete deletes an object as a DELETE would.
func (s *Server) Delete(collection, id string) error {
	k, ok := kindOf(collection)
	if !ok {
		return fmt.Errorf("emulator: unknown collection %q", collection)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tables[k.name].objs[id]; !ok {
		return ErrNotFound
	}
	s.remove(k, id)
	return nil
}

// IDs lists the ids of a collection's objects in creation order.
func (s *Server) IDs(collection string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[collection]
	if t == nil {
		return nil
	}
	return append([]string(nil), t.order...)
}

// Count is the number of objects of a collection.
func (s *Server) Count(collection string) int { return len(s.IDs(collection)) }

// Object returns an object as the API serves it.
func (s *Server) Object(collection, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[collection]
	if t == nil || t.objs[id] == nil {
		return nil, false
	}
	return clone(t.objs[id]), true
}

// apiError is an error answered with Auth0's error body.
type apiError struct {
	status  int
	message string
	code    string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.message) }

// create stores a new object; callers hold s.mu.
func (s *Server) create(k kind, data map[string]any) (map[string]any, *apiError) {
	now := s.cfg.Now()
	o := clone(data)
	t := s.tables[k.name]
	switch k.name {
	case "users":
		email, _ := o["email"].(string)
		conn, _ := o["connection"].(string)
		if conn == "" {
			return nil, &apiError{400, "Payload validation error: 'Missing required property: connection'.", "invalid_body"}
		}
		if email == "" {
			return nil, &apiError{400, "Payload validation error: 'Missing required property: email'.", "invalid_body"}
		}
		for _, u := range t.objs {
			if u["email"] == email {
				return nil, &apiError{409, "The user already exists.", "auth0_idp_error"}
			}
		}
		id := k.newID()
		if v, _ := o["user_id"].(string); v != "" {
			id = "auth0|" + v
		}
		delete(o, "connection")
		delete(o, "password")
		delete(o, "verify_email")
		o["user_id"] = id
		o["identities"] = []any{map[string]any{"connection": conn, "provider": "auth0", "user_id": id[len("auth0|"):], "isSocial": false}}
		setDefault(o, "email_verified", false)
		setDefault(o, "name", email)
		setDefault(o, "nickname", email[:max(1, indexByte(email, '@'))])
		setDefault(o, "picture", "https://s.gravatar.com/avatar/"+hexID(16)+"?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fdefault.png")
		setDefault(o, "app_metadata", map[string]any{})
		setDefault(o, "user_metadata", map[string]any{})
		setDefault(o, "logins_count", 0)
		setDefault(o, "blocked", false)
		if _, ok := o["created_at"]; !ok {
			o["created_at"] = stamp(now)
		}
		if _, ok := o["updated_at"]; !ok {
			o["updated_at"] = stamp(now)
		}
	default:
		name, _ := o["name"].(string)
		if name == "" {
			return nil, &apiError{400, "Payload validation error: 'Missing required property: name'.", "invalid_body"}
		}
		if k.name != "clients" {
			for _, x := range t.objs {
				if x["name"] == name {
					return nil, &apiError{409, fmt.Sprintf("A %s with the same name already exists", k.noun), k.noun + "_conflict"}
				}
			}
		}
		if _, ok := o[k.idField]; !ok {
			o[k.idField] = k.newID()
		}
	}
	id := o[k.idField].(string)
	t.put(id, o)
	s.audit("post", "/api/v2/"+k.name, "Create a "+k.noun, 201, now)
	s.notify(k, "created", o, now)
	return o, nil
}

// update applies a PATCH; callers hold s.mu. Metadata objects merge key by key and a null value
// removes a key, as Auth0 does for user_metadata and app_metadata.
func (s *Server) update(k kind, id string, data map[string]any) (map[string]any, *apiError) {
	t := s.tables[k.name]
	cur := t.objs[id]
	if cur == nil {
		return nil, notFound(k)
	}
	now := s.cfg.Now()
	o := clone(cur)
	for key, v := range data {
		switch {
		case key == k.idField || key == "identities" || key == "created_at" || key == "updated_at":
			return nil, &apiError{400, fmt.Sprintf("Payload validation error: 'Additional properties not allowed: %s'.", key), "invalid_body"}
		case key == "user_metadata" || key == "app_metadata":
			m, _ := o[key].(map[string]any)
			m = maps.Clone(m)
			if m == nil {
				m = map[string]any{}
			}
			patch, ok := v.(map[string]any)
			if !ok {
				return nil, &apiError{400, fmt.Sprintf("Payload validation error: 'Expected type object but found type %T' on property %s.", v, key), "invalid_body"}
			}
			for mk, mv := range patch {
				if mv == nil {
					delete(m, mk)
				} else {
					m[mk] = mv
				}
			}
			o[key] = m
		case key == "password" || key == "connection":
		case v == nil:
			delete(o, key)
		default:
			o[key] = v
		}
	}
	if k.name == "users" {
		o["updated_at"] = stamp(now)
	}
	t.put(id, clone(o))
	s.audit("patch", "/api/v2/"+k.name+"/"+url.PathEscape(id), "Update a "+k.noun, 200, now)
	s.notify(k, "updated", o, now)
	return o, nil
}

// remove deletes an object; callers hold s.mu.
func (s *Server) remove(k kind, id string) {
	t := s.tables[k.name]
	o := t.objs[id]
	if o == nil {
		return
	}
	now := s.cfg.Now()
	t.remove(id)
	s.audit("delete", "/api/v2/"+k.name+"/"+url.PathEscape(id), "Delete a "+k.noun, 204, now)
	s.notify(k, "deleted", o, now)
}

// audit appends the "sapi" (successful API operation) tenant log Auth0 writes for every Management
// API change; callers hold s.mu.
func (s *Server) audit(method, path, description string, status int, now time.Time) {
	s.logSeq++
	s.logs = append(s.logs, map[string]any{
		"log_id":      fmt.Sprintf("90020%036d", s.logSeq),
		"date":        stamp(now),
		"type":        "sapi",
		"description": description,
		"client_id":   "sequin-emulator-m2m",
		"client_name": "",
		"ip":          "127.0.0.1",
		"details": map[string]any{
			"request":  map[string]any{"method": method, "path": path, "query": map[string]any{}, "body": map[string]any{}, "channel": "api"},
			"response": map[string]any{"statusCode": status, "body": map[string]any{}},
		},
	})
}

func notFound(k kind) *apiError {
	switch k.name {
	case "users":
		return &apiError{404, "The user does not exist.", "inexistent_user"}
	case "clients":
		return &apiError{404, "The client does not exist", "inexistent_client"}
	case "connections":
		return &apiError{404, "The connection does not exist", "inexistent_connection"}
	case "roles":
		return &apiError{404, "The role does not exist.", "inexistent_role"}
	}
	return &apiError{404, "No organization found by that id or name", ""}
}

func setDefault(o map[string]any, key string, v any) {
	if _, ok := o[key]; !ok {
		o[key] = v
	}
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return len(s)
}
