package emulator

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"
)

// Collections are the emulated REST resources, in seeding order (positions refer to organizations,
// workers to both).
var Collections = []string{"organizations", "positions", "workers"}

// object is one stored object: its fields without href, and its last functionally updated moment.
type object struct {
	data    map[string]any
	updated time.Time
}

// collection is one resource's objects in listing order.
type collection struct {
	byID  map[string]*object
	order []string
	seq   int // the last human-readable number handed out (worker id, position id)
}

// ErrNotFound is returned by the test-facing methods for an unknown collection or object.
var ErrNotFound = errors.New("emulator: not found")

// coll returns the named collection; the caller holds s.mu.
func (s *Server) coll(name string) (*collection, error) {
	c := s.store[name]
	if c == nil {
		return nil, fmt.Errorf("%w: collection %q", ErrNotFound, name)
	}
	return c, nil
}

// stamp returns the moment of a change: the clock at Workday's millisecond resolution, moved past the
// previous moment so that no two changes share one. The caller holds s.mu.
func (s *Server) stamp() time.Time {
	t := s.cfg.Now().UTC().Truncate(time.Millisecond)
	if !t.After(s.last) {
		t = s.last.Add(time.Millisecond)
	}
	s.last = t
	return t
}

// newID returns a Workday ID: 32 hex digits. The caller holds s.mu.
func (s *Server) newID() string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(s.rng.UintN(256))
	}
	return hex.EncodeToString(b)
}

// Create adds an object to a collection: a typical one, with data's fields (API names) over it.
func (s *Server) Create(collection string, data map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.coll(collection)
	if err != nil {
		return "", err
	}
	obj := s.generate(collection)
	merge(obj, data)
	id := obj["id"].(string)
	c.byID[id] = &object{data: obj, updated: s.stamp()}
	c.order = append(c.order, id)
	return id, nil
}

// Update changes an object: data's fields (a nil value removes one), or when data is nil a change
// such as an HR partner makes (a new business title, a renamed organization, a later availability).
func (s *Server) Update(collection, id string, data map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.coll(collection)
	if err != nil {
		return err
	}
	o := c.byID[id]
	if o == nil {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, collection, id)
	}
	if data == nil {
		data = s.change(collection, o.data)
	}
	merge(o.data, data)
	o.updated = s.stamp()
	return nil
}

// Delete removes an object; Workday rarely deletes (it inactivates), but rescinded hires and deleted
// organizations do disappear from lists.
func (s *Server) Delete(collection, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.coll(collection)
	if err != nil {
		return err
	}
	if c.byID[id] == nil {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, collection, id)
	}
	delete(c.byID, id)
	for i, v := range c.order {
		if v == id {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	return nil
}

// IDs lists the ids of a collection's objects in listing order.
func (s *Server) IDs(collection string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.store[collection]; c != nil {
		return append([]string(nil), c.order...)
	}
	return nil
}

// Count returns the number of objects of a collection.
func (s *Server) Count(collection string) int { return len(s.IDs(collection)) }

// Object returns an object as the REST API serves it.
func (s *Server) Object(collection, id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.store[collection]
	if c == nil || c.byID[id] == nil {
		return nil, false
	}
	b, err := json.Marshal(s.render(s.URL(), collection, c.byID[id]))
	if err != nil {
		return nil, false
	}
	return b, true
}

// render returns an object as served, with its href under base. The caller holds s.mu.
func (s *Server) render(base, collection string, o *object) map[string]any {
	out := maps.Clone(o.data)
	out["href"] = base + "/ccx/api/v1/" + s.cfg.Tenant + "/" + collection + "/" + o.data["id"].(string)
	return out
}

// merge writes data's fields over obj; a nil value removes a field, and the id never changes.
func merge(obj, data map[string]any) {
	for k, v := range data {
		switch {
		case k == "id" || k == "href":
		case v == nil:
			delete(obj, k)
		default:
			obj[k] = v
		}
	}
}
