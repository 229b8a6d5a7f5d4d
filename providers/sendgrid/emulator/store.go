package emulator

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// collections are the emulated collections, by URL-ish name.
var collections = []string{"contacts", "lists", "segments", "templates", "unsubscribes"}

// idField is the field holding an object's id; global unsubscribes are keyed by email.
func idField(coll string) string {
	if coll == "unsubscribes" {
		return "email"
	}
	return "id"
}

// table holds one collection's objects in creation order.
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

func (t *table) remove(id string) bool {
	if _, ok := t.objs[id]; !ok {
		return false
	}
	delete(t.objs, id)
	for i, x := range t.order {
		if x == id {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
	return true
}

func (t *table) list() []map[string]any {
	out := make([]map[string]any, len(t.order))
	for i, id := range t.order {
		out[i] = t.objs[id]
	}
	return out
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func hexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func clone(o map[string]any) map[string]any {
	b, _ := json.Marshal(o)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

// iso is how Marketing endpoints write times; templateTime is how the templates API does.
func iso(t time.Time) string          { return t.UTC().Format("2006-01-02T15:04:05Z") }
func templateTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// apiError is an error answered with SendGrid's error body.
type apiError struct {
	status         int
	field, message string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.message) }

var errNotFound = &apiError{404, "", "resource not found"}

// create stores a new object built from API-style data; callers hold s.mu.
func (s *Server) create(coll string, data map[string]any, at time.Time) (map[string]any, *apiError) {
	o := clone(data)
	t := s.tables[coll]
	switch coll {
	case "lists":
		name, _ := o["name"].(string)
		if name == "" {
			return nil, &apiError{400, "name", "missing required field: name"}
		}
		for _, l := range t.objs {
			if l["name"] == name {
				return nil, &apiError{400, "name", "list name already exists"}
			}
		}
		id := uuid()
		o = map[string]any{"id": id, "name": name, "contact_count": 0, "_metadata": map[string]any{"self": "https://api.sendgrid.com/v3/marketing/lists/" + id}}
	case "contacts":
		if o["email"] == nil {
			return nil, &apiError{400, "email", "email is required"}
		}
		o["id"] = uuid()
		for _, k := range []string{"first_name", "last_name", "address_line_1", "city", "country", "postal_code", "phone_number"} {
			setDefault(o, k, "")
		}
		setDefault(o, "alternate_emails", []any{})
		setDefault(o, "list_ids", []any{})
		setDefault(o, "segment_ids", []any{})
		setDefault(o, "custom_fields", map[string]any{})
		o["created_at"], o["updated_at"] = iso(at), iso(at)
	case "segments":
		o["id"] = uuid()
		setDefault(o, "contacts_count", 0)
		setDefault(o, "parent_list_ids", []any{})
		setDefault(o, "query_version", "2")
		o["created_at"], o["updated_at"], o["sample_updated_at"] = iso(at), iso(at), iso(at)
		o["status"] = map[string]any{"query_validation": "VALID"}
	case "templates":
		o["id"] = "d-" + hexID(16)
		setDefault(o, "generation", "dynamic")
		setDefault(o, "versions", []any{})
		o["updated_at"] = templateTime(at)
	case "unsubscribes":
		email, _ := o["email"].(string)
		if email == "" {
			return nil, &apiError{400, "recipient_emails", "email is required"}
		}
		o = map[string]any{"email": email, "created": at.Unix()}
	}
	t.put(o[idField(coll)].(string), o)
	return o, nil
}

// update changes an object; callers hold s.mu.
func (s *Server) update(coll, id string, data map[string]any, at time.Time) (map[string]any, *apiError) {
	t := s.tables[coll]
	cur := t.objs[id]
	if cur == nil {
		return nil, errNotFound
	}
	o := clone(cur)
	for k, v := range data {
		if k == "id" || k == "_metadata" || k == "created_at" {
			continue
		}
		o[k] = v
	}
	switch coll {
	case "lists":
		name, _ := o["name"].(string)
		for lid, l := range t.objs {
			if lid != id && l["name"] == name {
				return nil, &apiError{400, "name", "list name already exists"}
			}
		}
	case "contacts", "segments":
		o["updated_at"] = iso(at)
	case "templates":
		o["updated_at"] = templateTime(at)
	}
	t.put(id, o)
	return o, nil
}

func setDefault(o map[string]any, k string, v any) {
	if _, ok := o[k]; !ok {
		o[k] = v
	}
}

// ErrUnknown is returned by the test-facing methods for an unknown collection or object.
var ErrUnknown = errors.New("emulator: no such collection or object")

// Create makes an object of coll ("contacts", "lists", ...); nil data makes a typical one.
func (s *Server) Create(coll string, data map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[coll] == nil {
		return nil, ErrUnknown
	}
	if data == nil {
		data = sample(coll, len(s.tables[coll].order)+100000+int(s.cfg.Now().UnixNano()%100000))
	}
	o, err := s.create(coll, data, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	return clone(o), nil
}

// Update changes an object; nil data makes a change SendGrid records.
func (s *Server) Update(coll, id string, data map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[coll] == nil {
		return nil, ErrUnknown
	}
	if data == nil {
		rev := s.cfg.Now().Format(time.RFC3339Nano)
		switch coll {
		case "lists", "segments", "templates":
			data = map[string]any{"name": "renamed " + rev}
		default:
			data = map[string]any{"first_name": "Rev " + rev}
		}
	}
	o, err := s.update(coll, id, data, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	return clone(o), nil
}

// Delete deletes an object.
func (s *Server) Delete(coll, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[coll]
	if t == nil || !t.remove(id) {
		return ErrUnknown
	}
	return nil
}

// IDs lists a collection's ids in creation order.
func (s *Server) IDs(coll string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tables[coll]; t != nil {
		return append([]string(nil), t.order...)
	}
	return nil
}

// Count is the number of objects of a collection.
func (s *Server) Count(coll string) int { return len(s.IDs(coll)) }

// Object returns an object as the API serves it.
func (s *Server) Object(coll, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[coll]
	if t == nil || t.objs[id] == nil {
		return nil, false
	}
	return clone(t.objs[id]), true
}
