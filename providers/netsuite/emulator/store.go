package emulator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound is returned for a record that does not exist.
var ErrNotFound = errors.New("emulator: no such record")

// recordType describes a REST record type and where SuiteQL finds it.
type recordType struct {
	// name is the REST record type, e.g. "salesOrder".
	name string
	// table is the SuiteQL table holding it.
	table string
	// fixed are column values every record of the type has (a transaction's type).
	fixed map[string]any
	// deletedType is the recordtypeid DeletedRecord gives it.
	deletedType string
	// created is the creation date column.
	created string
	// gen returns typical values of the nth record.
	gen func(s *Server, n int) map[string]any
	// change returns a typical update.
	change func(s *Server) map[string]any
}

// recordTypes lists the emulated record types; customers come first so that transactions can refer
// to them.
var recordTypes = []*recordType{
	{name: "customer", table: "customer", deletedType: "customer", created: "datecreated", gen: genCustomer,
		change: func(s *Server) map[string]any {
			return map[string]any{"comments": "note " + strconv.Itoa(s.rng.IntN(1e6))}
		}},
	{name: "salesOrder", table: "transaction", fixed: map[string]any{"type": "SalesOrd"}, deletedType: "salesorder", created: "createddate",
		gen: genSalesOrder, change: changeTransaction},
	{name: "invoice", table: "transaction", fixed: map[string]any{"type": "CustInvc"}, deletedType: "invoice", created: "createddate",
		gen: genInvoice, change: changeTransaction},
	{name: "inventoryItem", table: "item", fixed: map[string]any{"itemtype": "InvtPart"}, deletedType: "inventoryitem", created: "createddate",
		gen: genItem, change: func(s *Server) map[string]any {
			return map[string]any{"displayname": "Widget rev " + strconv.Itoa(s.rng.IntN(1e6))}
		}},
	{name: "employee", table: "employee", deletedType: "employee", created: "datecreated", gen: genEmployee,
		change: func(s *Server) map[string]any {
			return map[string]any{"title": pick(s, titles) + " " + strconv.Itoa(s.rng.IntN(1000))}
		}},
}

// RecordTypes lists the emulated REST record types.
func RecordTypes() []string {
	out := make([]string, len(recordTypes))
	for i, rt := range recordTypes {
		out[i] = rt.name
	}
	return out
}

func findType(name string) *recordType {
	for _, rt := range recordTypes {
		if strings.EqualFold(rt.name, name) {
			return rt
		}
	}
	return nil
}

// tableNames are the SuiteQL tables, including DeletedRecord.
var tableNames = []string{"customer", "transaction", "item", "employee", "deletedrecord"}

// ofType reports whether row belongs to rt.
func (rt *recordType) ofType(row map[string]any) bool {
	for k, v := range rt.fixed {
		if row[k] != v {
			return false
		}
	}
	return true
}

// insert creates a record of rt at time at; the caller holds s.mu.
func (s *Server) insert(rt *recordType, fields map[string]any, at time.Time) map[string]any {
	row := rt.gen(s, len(s.tables[rt.table]))
	maps.Copy(row, rt.fixed)
	for k, v := range fields {
		if v == nil {
			delete(row, k)
		} else {
			row[k] = v
		}
	}
	s.nextID++
	id := strconv.Itoa(s.nextID)
	row["id"] = id
	row[rt.created] = at
	row["lastmodifieddate"] = at
	s.tables[rt.table][id] = row
	return row
}

// modify applies fields at time at; the caller holds s.mu.
func (s *Server) modify(row map[string]any, fields map[string]any, at time.Time) {
	for k, v := range fields {
		switch k {
		case "id", "datecreated", "createddate", "lastmodifieddate", "type", "itemtype":
			continue
		}
		if v == nil {
			delete(row, k)
		} else {
			row[k] = v
		}
	}
	row["lastmodifieddate"] = at
}

// remove deletes a record and records it in DeletedRecord; the caller holds s.mu.
func (s *Server) remove(rt *recordType, id string, at time.Time) bool {
	row := s.tables[rt.table][id]
	if row == nil || !rt.ofType(row) {
		return false
	}
	delete(s.tables[rt.table], id)
	name, _ := row["entityid"].(string)
	if name == "" {
		name, _ = row["tranid"].(string)
	}
	if name == "" {
		name, _ = row["itemid"].(string)
	}
	s.nextDel++
	s.tables["deletedrecord"][strconv.Itoa(s.nextDel)] = map[string]any{
		"recordid": id, "recordtypeid": rt.deletedType, "name": name, "deleteddate": at,
		"deletedby": "-4", "context": "WEBSERVICES", "istransaction": boolText(rt.table == "transaction"),
	}
	return true
}

// Create adds a record of a REST record type (typical values for fields not given) and returns its id.
func (s *Server) Create(typeName string, fields map[string]any) (string, error) {
	rt := findType(typeName)
	if rt == nil {
		return "", fmt.Errorf("emulator: unknown record type %s", typeName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insert(rt, fields, s.now())["id"].(string), nil
}

// Update changes a record; nil fields make a typical change.
func (s *Server) Update(typeName, id string, fields map[string]any) error {
	rt := findType(typeName)
	if rt == nil {
		return fmt.Errorf("emulator: unknown record type %s", typeName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	row := s.tables[rt.table][id]
	if row == nil || !rt.ofType(row) {
		return ErrNotFound
	}
	if fields == nil {
		fields = rt.change(s)
	}
	s.modify(row, fields, s.now())
	return nil
}

// Delete removes a record.
func (s *Server) Delete(typeName, id string) error {
	rt := findType(typeName)
	if rt == nil {
		return fmt.Errorf("emulator: unknown record type %s", typeName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.remove(rt, id, s.now()) {
		return ErrNotFound
	}
	return nil
}

// IDs lists the internal ids of a record type's live records, in id order.
func (s *Server) IDs(typeName string) []string {
	rt := findType(typeName)
	if rt == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, row := range s.tables[rt.table] {
		if rt.ofType(row) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return compareAny(a, b) })
	return ids
}

func boolText(b bool) string {
	if b {
		return "T"
	}
	return "F"
}
