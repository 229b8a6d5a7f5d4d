package emulator

import (
	"fmt"
	"net/http"
)

// specFor returns the spec of an object type or an error naming the accepted types.
func specFor(objectType string) (*typeSpec, error) {
	spec := specByName[objectType]
	if spec == nil {
		return nil, fmt.Errorf("emulator: unknown object type %q", objectType)
	}
	return spec, nil
}

func normalized(params map[string]any) map[string]any {
	if params == nil {
		return map[string]any{}
	}
	return normalize(params).(map[string]any)
}

// Create creates an object in the default account as POST /v1/<coll> would (events and webhooks
// included); it also creates types the HTTP API cannot, such as disputes and balance transactions.
func (s *Server) Create(objectType string, params map[string]any) (map[string]any, error) {
	spec, err := specFor(objectType)
	if err != nil {
		return nil, err
	}
	if spec == eventSpec {
		return nil, fmt.Errorf("emulator: events cannot be created directly")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.newTx(s.def, reqInfo{}).create(spec, normalized(params))
	if err != nil {
		return nil, fmt.Errorf("emulator: create %s: %w", objectType, err)
	}
	return decodeObject(rec.json())
}

// Update updates an object in the default account as POST /v1/<coll>/{id} would.
func (s *Server) Update(objectType, id string, params map[string]any) (map[string]any, error) {
	spec, err := specFor(objectType)
	if err != nil {
		return nil, err
	}
	if spec == eventSpec {
		return nil, fmt.Errorf("emulator: events cannot be updated")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.newTx(s.def, reqInfo{}).update(spec, id, normalized(params))
	if err != nil {
		return nil, fmt.Errorf("emulator: update %s %s: %w", objectType, id, err)
	}
	return decodeObject(rec.json())
}

// Delete deletes an object in the default account as DELETE /v1/<coll>/{id} would (for subscriptions,
// that cancels them).
func (s *Server) Delete(objectType, id string) error {
	spec, err := specFor(objectType)
	if err != nil {
		return err
	}
	if spec.del == delNone {
		return fmt.Errorf("emulator: delete %s %s: %w", objectType, id,
			errUnrecognizedURL(http.MethodDelete, "/v1/"+spec.coll+"/"+id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.newTx(s.def, reqInfo{}).remove(spec, id); err != nil {
		return fmt.Errorf("emulator: delete %s %s: %w", objectType, id, err)
	}
	return nil
}

// Get returns an object of the default account as GET /v1/<coll>/{id} would: a deleted customer is
// the {"id", "object", "deleted": true} stub, other deleted objects are not found.
func (s *Server) Get(objectType, id string) (map[string]any, bool) {
	spec := specByName[objectType]
	if spec == nil {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.def.coll(spec.name).byID[id]
	switch {
	case rec == nil || (rec.deleted && spec.del != delStub):
		return nil, false
	case rec.deleted:
		return map[string]any{"id": id, "object": spec.name, "deleted": true}, true
	}
	obj, err := decodeObject(rec.json())
	return obj, err == nil
}

// List returns every live object of a type in the default account, newest first.
func (s *Server) List(objectType string) []map[string]any {
	spec := specByName[objectType]
	if spec == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	coll := s.def.coll(spec.name)
	out := make([]map[string]any, 0, coll.live)
	for i := len(coll.order) - 1; i >= 0; i-- {
		if r := coll.order[i]; !r.deleted {
			if obj, err := decodeObject(r.json()); err == nil {
				out = append(out, obj)
			}
		}
	}
	return out
}

// Count returns the number of live objects of a type ("event" counts events) in the default account.
func (s *Server) Count(objectType string) int {
	spec := specByName[objectType]
	if spec == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.def.coll(spec.name).live
}
