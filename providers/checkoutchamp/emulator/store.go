package emulator

import (
	"errors"
	"fmt"
	"maps"
	"time"
)

// ErrNotFound is returned for a record that does not exist.
var ErrNotFound = errors.New("emulator: no such record")

// DateLayout is how CheckoutChamp renders date-times, in the account's time zone.
const DateLayout = "2006-01-02 15:04:05"

// Kinds are the record kinds: order, customer and transaction.
var Kinds = []string{"customer", "order", "transaction"}

// idField names each kind's id.
var idField = map[string]string{"order": "orderId", "customer": "customerId", "transaction": "transactionId"}

// lookup returns a record by id; the caller holds s.mu.
func (s *Server) lookup(kind, id string) map[string]any {
	for _, r := range s.store[kind] {
		if fmt.Sprint(r[idField[kind]]) == id {
			return r
		}
	}
	return nil
}

// insert creates a record at time at; the caller holds s.mu.
func (s *Server) insert(kind string, fields map[string]any, at time.Time) map[string]any {
	var rec map[string]any
	switch kind {
	case "customer":
		rec = s.genCustomer()
	case "order":
		rec = s.genOrder()
	default:
		rec = s.genTransaction()
	}
	maps.Copy(rec, fields)
	s.nextID[kind]++
	n := s.nextID[kind]
	if kind == "order" {
		rec["orderId"] = fmt.Sprintf("%08X%02X", 0x5E0000+n*7919, n%256)
	} else {
		rec[idField[kind]] = 1000 + n
	}
	rec["dateCreated"], rec["dateUpdated"] = at, at
	s.store[kind] = append(s.store[kind], rec)
	return rec
}

// modify applies fields at time at; the caller holds s.mu.
func (s *Server) modify(rec map[string]any, fields map[string]any, at time.Time) {
	for k, v := range fields {
		switch k {
		case "orderId", "customerId", "transactionId", "dateCreated", "dateUpdated":
			continue
		}
		rec[k] = v
	}
	rec["dateUpdated"] = at
}

// render shapes a record as the API serves it: dates in the account's zone.
func (s *Server) render(rec map[string]any) map[string]any {
	out := make(map[string]any, len(rec))
	for k, v := range rec {
		if t, ok := v.(time.Time); ok {
			v = t.In(s.cfg.Location).Format(DateLayout)
		}
		out[k] = v
	}
	return out
}

// Create adds a record (typical values for fields not given) and returns its id.
func (s *Server) Create(kind string, fields map[string]any) (string, error) {
	if idField[kind] == "" {
		return "", fmt.Errorf("emulator: unknown kind %s", kind)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.insert(kind, fields, s.now())[idField[kind]]), nil
}

// Update changes a record; nil fields make a typical change.
func (s *Server) Update(kind, id string, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup(kind, id)
	if rec == nil {
		return ErrNotFound
	}
	if fields == nil {
		fields = s.change(kind)
	}
	s.modify(rec, fields, s.now())
	return nil
}

// IDs lists a kind's ids in creation order.
func (s *Server) IDs(kind string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.store[kind]))
	for i, r := range s.store[kind] {
		ids[i] = fmt.Sprint(r[idField[kind]])
	}
	return ids
}

// Object returns a record as the API serves it.
func (s *Server) Object(kind, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup(kind, id)
	if rec == nil {
		return nil, false
	}
	return s.render(rec), true
}
