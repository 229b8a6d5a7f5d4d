package emulator

import (
	"errors"
	"fmt"
)

// The test-facing API changes the org directly, as a person or another integration would, with the
// same validation and timestamps as the REST API. Object names are API names in any case.

// ErrNotFound is returned for a record or object that does not exist.
var ErrNotFound = errors.New("emulator: not found")

// table returns the table of a queryable object; the caller holds s.mu.
func (s *Server) table(object string) (*table, error) {
	o := objectNamed(object)
	if o == nil || s.st.tables[o.name] == nil {
		return nil, fmt.Errorf("%w: object %q", ErrNotFound, object)
	}
	return s.st.tables[o.name], nil
}

// Create creates a record and returns it as the API serves it; nil data means typical valid values.
func (s *Server) Create(object string, data map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(object)
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = s.sample(t.obj.name)
	}
	rec, aerr := s.st.create(t, data, s.cfg.Now())
	if aerr != nil {
		return nil, aerr
	}
	return t.render(rec, APIVersion, nil), nil
}

// Update changes a live record; nil data changes a description-like field.
func (s *Server) Update(object, id string, data map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(object)
	if err != nil {
		return err
	}
	rec := t.lookup(id)
	if rec == nil || rec.deleted {
		return fmt.Errorf("%w: %s %s", ErrNotFound, t.obj.name, id)
	}
	if data == nil {
		s.suite++
		key := "Description"
		switch t.obj.name {
		case "User":
			key = "Title"
		case "Invoice__c":
			key = "Notes__c"
		}
		data = map[string]any{key: fmt.Sprintf("Revision %d", s.suite)}
	}
	if aerr := s.st.update(t, rec, data, s.cfg.Now()); aerr != nil {
		return aerr
	}
	return nil
}

// Delete moves a live record to the recycle bin.
func (s *Server) Delete(object, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(object)
	if err != nil {
		return err
	}
	if !t.obj.deletable {
		return fmt.Errorf("emulator: %s records cannot be deleted", t.obj.name)
	}
	rec := t.lookup(id)
	if rec == nil || rec.deleted {
		return fmt.Errorf("%w: %s %s", ErrNotFound, t.obj.name, id)
	}
	s.st.remove(t, rec, s.cfg.Now())
	return nil
}

// Get returns a live record as GET /sobjects/{object}/{id} serves it.
func (s *Server) Get(object, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(object)
	if err != nil {
		return nil, false
	}
	rec := t.lookup(id)
	if rec == nil || rec.deleted {
		return nil, false
	}
	return t.render(rec, APIVersion, nil), true
}

// IDs lists the live records of an object in id order.
func (s *Server) IDs(object string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(object)
	if err != nil {
		return nil
	}
	recs := t.live()
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.id
	}
	return ids
}

// Count is the number of live records of an object.
func (s *Server) Count(object string) int { return len(s.IDs(object)) }

// Deletable reports whether the API can delete records of an object.
func Deletable(object string) bool {
	o := objectNamed(object)
	return o != nil && o.deletable
}
