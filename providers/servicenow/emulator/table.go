package emulator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// TimeLayout is how ServiceNow renders date-times in internal format (sysparm_display_value=false):
// UTC, to the second.
const TimeLayout = "2006-01-02 15:04:05"

// ErrNotFound is returned for a record that does not exist.
var ErrNotFound = errors.New("emulator: no such record")

// spec describes one emulated table.
type spec struct {
	name string
	// prefix numbers task records ("INC" gives INC0010001); "" means the table has no number.
	prefix string
	// refs maps reference fields to the table they refer to.
	refs map[string]string
	// gen returns typical field values of the nth record.
	gen func(s *Server, n int) map[string]string
	// change returns a typical update of a record.
	change func(s *Server, rec map[string]string) map[string]string
}

// table is one table's live records.
type table struct {
	spec spec
	byID map[string]map[string]string
	next int // the next number
}

// AuditTable is the table recording deleted records.
const AuditTable = "sys_audit_delete"

// specs lists the emulated tables; sys_user comes first so that seeded tasks can refer to users.
var specs = []spec{
	{name: "sys_user", gen: genUser, change: func(s *Server, r map[string]string) map[string]string {
		return map[string]string{"title": pick(s, titles) + " " + strconv.Itoa(s.rng.IntN(1000))}
	}},
	{name: "incident", prefix: "INC", refs: taskRefs, gen: genIncident, change: changeTask},
	{name: "problem", prefix: "PRB", refs: taskRefs, gen: genProblem, change: changeTask},
	{name: "change_request", prefix: "CHG", refs: taskRefs, gen: genChange, change: changeTask},
	{name: "cmdb_ci", gen: genCI, change: func(s *Server, r map[string]string) map[string]string {
		return map[string]string{"operational_status": strconv.Itoa(1 + s.rng.IntN(6)), "comments": "checked " + strconv.Itoa(s.rng.IntN(1e6))}
	}},
}

// Tables lists the names of the emulated tables (besides sys_audit_delete).
func Tables() []string {
	out := make([]string, len(specs))
	for i, sp := range specs {
		out[i] = sp.name
	}
	return out
}

// table returns a table by name; the caller holds s.mu.
func (s *Server) table(name string) (*table, error) {
	t := s.tables[name]
	if t == nil {
		return nil, fmt.Errorf("emulator: invalid table %s", name)
	}
	return t, nil
}

// sysID returns a new 32-hex-digit sys_id.
func (s *Server) sysID() string {
	return fmt.Sprintf("%016x%016x", s.rng.Uint64(), s.rng.Uint64())
}

// insert creates a record at time at; the caller holds s.mu.
func (s *Server) insert(t *table, fields map[string]string, at time.Time) map[string]string {
	rec := map[string]string{}
	if t.spec.gen != nil {
		rec = t.spec.gen(s, t.next)
	}
	maps.Copy(rec, fields)
	id := rec["sys_id"]
	if id == "" || t.byID[id] != nil {
		id = s.sysID()
	}
	ts := at.UTC().Format(TimeLayout)
	rec["sys_id"] = id
	rec["sys_created_on"], rec["sys_updated_on"] = ts, ts
	rec["sys_created_by"], rec["sys_updated_by"] = "admin", "admin"
	rec["sys_mod_count"] = "0"
	if rec["sys_class_name"] == "" {
		rec["sys_class_name"] = t.spec.name
	}
	if t.spec.prefix != "" && fields["number"] == "" {
		rec["number"] = fmt.Sprintf("%s%07d", t.spec.prefix, 10001+t.next)
	}
	if _, ok := rec["opened_at"]; ok || t.spec.prefix != "" {
		if rec["opened_at"] == "" {
			rec["opened_at"] = ts
		}
	}
	t.next++
	t.byID[id] = rec
	return rec
}

// modify applies fields to a record at time at; the caller holds s.mu.
func (s *Server) modify(rec map[string]string, fields map[string]string, at time.Time) {
	for k, v := range fields {
		switch k {
		case "sys_id", "sys_created_on", "sys_created_by", "sys_mod_count", "sys_class_name", "sys_updated_on":
			continue
		}
		rec[k] = v
	}
	n, _ := strconv.Atoi(rec["sys_mod_count"])
	rec["sys_mod_count"] = strconv.Itoa(n + 1)
	rec["sys_updated_on"] = at.UTC().Format(TimeLayout)
	rec["sys_updated_by"] = "admin"
}

// remove deletes a record and audits the delete; the caller holds s.mu.
func (s *Server) remove(t *table, id string, at time.Time) bool {
	rec := t.byID[id]
	if rec == nil {
		return false
	}
	delete(t.byID, id)
	display := rec["number"]
	if display == "" {
		display = firstNonEmpty(rec["name"], rec["user_name"], id)
	}
	s.audit = append(s.audit, map[string]string{
		"sys_id": s.sysID(), "tablename": t.spec.name, "documentkey": id, "display_value": display,
		"sys_created_on": at.UTC().Format(TimeLayout), "sys_created_by": "admin",
		"sys_updated_on": at.UTC().Format(TimeLayout), "sys_mod_count": "0", "sys_class_name": AuditTable,
		"payload": fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><record_update table="%s"><%s action="DELETE"><sys_id>%s</sys_id></%s></record_update>`, t.spec.name, t.spec.name, id, t.spec.name),
	})
	return true
}

// Create adds a record to a table, with typical values for fields not given, and returns it.
func (s *Server) Create(tableName string, fields map[string]string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return nil, err
	}
	return maps.Clone(s.insert(t, fields, s.now())), nil
}

// Update changes a record; nil fields make a typical change of the table.
func (s *Server) Update(tableName, id string, fields map[string]string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return nil, err
	}
	rec := t.byID[id]
	if rec == nil {
		return nil, ErrNotFound
	}
	if fields == nil {
		fields = t.spec.change(s, rec)
	}
	s.modify(rec, fields, s.now())
	return maps.Clone(rec), nil
}

// Delete removes a record and records the delete in sys_audit_delete.
func (s *Server) Delete(tableName, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return err
	}
	if !s.remove(t, id, s.now()) {
		return ErrNotFound
	}
	return nil
}

// Get returns a record as stored.
func (s *Server) Get(tableName, id string) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[tableName]
	if t == nil || t.byID[id] == nil {
		return nil, false
	}
	return maps.Clone(t.byID[id]), true
}

// IDs lists the sys_ids of a table's live records in sys_id order.
func (s *Server) IDs(tableName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[tableName]
	if t == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(t.byID))
}

// Render returns a record as the Table API serves it with sysparm_exclude_reference_link=true: every
// value a string.
func Render(rec map[string]string) map[string]any {
	out := make(map[string]any, len(rec))
	for k, v := range rec {
		out[k] = v
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
