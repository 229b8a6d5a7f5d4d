package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The methods below change and read the emulator's state directly, for tests and the command line;
// record writes behave as the API's (validation, modification times, webhook payloads).

func (s *Server) table(name string) (*table, error) {
	t := s.st.main.tableNamed(name)
	if t == nil {
		return nil, fmt.Errorf("emulator: the main base has no table %q", name)
	}
	return t, nil
}

// defaultFields are the fields of a typical new record of a table.
func defaultFields(t *table, n int) map[string]any {
	switch t.name {
	case TasksTable:
		return map[string]any{"Name": "New task " + strconv.Itoa(n), "Status": "Todo", "Priority": 3.0, "Tags": []any{"feature"}}
	case ContactsTable:
		return map[string]any{"Name": "New contact " + strconv.Itoa(n), "Email": "new" + strconv.Itoa(n) + "@example.com"}
	case ProjectsTable:
		return map[string]any{"Name": "New project " + strconv.Itoa(n), "Status": "Planning"}
	}
	return map[string]any{t.primary().Name: "New record " + strconv.Itoa(n)}
}

// CreateRecord creates a record in a table of the main base (by name or id) with fields keyed by
// field name; nil fields make a typical record. It returns the record's id.
func (s *Server) CreateRecord(tableName string, fields map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return "", err
	}
	if fields == nil {
		fields = defaultFields(t, t.nextSeq+1)
	}
	resp := s.createRecords(t, mustJSON(map[string]any{"fields": fields}))
	if resp.status != 200 {
		return "", fmt.Errorf("emulator: creating a record of %s: %s", t.name, resp.body)
	}
	var rec struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp.body, &rec); err != nil {
		return "", fmt.Errorf("emulator: reading the created record: %w", err)
	}
	return rec.ID, nil
}

// UpdateRecord changes a record's fields (keyed by name) as PATCH does; nil fields make a change of
// its notes or name.
func (s *Server) UpdateRecord(tableName, id string, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return err
	}
	rec := t.byID[id]
	if rec == nil {
		return fmt.Errorf("emulator: %s has no record %s", t.name, id)
	}
	if fields == nil {
		edit := "Edited " + strconv.Itoa(s.st.rng.IntN(1_000_000))
		if f := t.fieldNamed("Notes"); f != nil {
			fields = map[string]any{"Notes": edit}
		} else {
			fields = map[string]any{t.primary().Name: edit}
		}
	}
	resp := s.updateRecord(t, rec, mustJSON(map[string]any{"fields": fields}), false)
	if resp.status != 200 {
		return fmt.Errorf("emulator: updating %s: %s", id, resp.body)
	}
	return nil
}

// DeleteRecord deletes a record.
func (s *Server) DeleteRecord(tableName, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return err
	}
	rec := t.byID[id]
	if rec == nil {
		return fmt.Errorf("emulator: %s has no record %s", t.name, id)
	}
	s.destroy(t, []*record{rec})
	return nil
}

// RecordIDs lists the ids of a table's records in creation order.
func (s *Server) RecordIDs(tableName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(t.records))
	for _, r := range t.records {
		out = append(out, r.id)
	}
	return out
}

// Record returns a record as the API serves it.
func (s *Server) Record(tableName, id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil || t.byID[id] == nil {
		return nil, false
	}
	return t.render(t.byID[id]), true
}

// Count returns the number of records of a table.
func (s *Server) Count(tableName string) int { return len(s.RecordIDs(tableName)) }

// BaseIDs lists the ids of the workspace's bases.
func (s *Server) BaseIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.st.bases))
	for _, b := range s.st.bases {
		out = append(out, b.id)
	}
	return out
}

// Base returns a base as the list-bases endpoint serves it.
func (s *Server) Base(id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.st.baseByID(id); b != nil {
		return mustJSON(b.info()), true
	}
	return nil, false
}

// TableIDs lists the ids of the main base's tables in schema order.
func (s *Server) TableIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.st.main.tables))
	for _, t := range s.st.main.tables {
		out = append(out, t.id)
	}
	return out
}

// Table returns a table of the main base as the schema API serves it.
func (s *Server) Table(id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.st.main.tableNamed(id); t != nil {
		return mustJSON(t.schema()), true
	}
	return nil, false
}

// CreateTable adds a table with a name and notes field to the main base and returns its id.
func (s *Server) CreateTable(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" || s.st.main.tableNamed(name) != nil {
		return "", fmt.Errorf("emulator: a table needs a new name, not %q", name)
	}
	t := newTable(s.st.main, name, "", newField(name, "Name", "singleLineText", nil), newField(name, "Notes", "multilineText", nil))
	return t.id, nil
}

// AddField adds a field to a table of the main base, as a person editing the base would.
func (s *Server) AddField(tableName, name, typ string, options map[string]any, choices ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(tableName)
	if err != nil {
		return err
	}
	if t.fieldNamed(name) != nil {
		return fmt.Errorf("emulator: %s already has a field %q", t.name, name)
	}
	t.fields = append(t.fields, newField(t.name, name, typ, options, choices...))
	t.invalidate()
	return nil
}

// RenameTable renames a table of the main base; its id stays.
func (s *Server) RenameTable(id, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.main.tableNamed(id)
	if t == nil || name == "" {
		return fmt.Errorf("emulator: no table %q to rename", id)
	}
	t.name = name
	return nil
}

// DeleteTable removes a table of the main base with its records.
func (s *Server) DeleteTable(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.st.main.tables {
		if t.id == id {
			s.st.main.tables = append(s.st.main.tables[:i], s.st.main.tables[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("emulator: no table %q", id)
}

// PayloadCount returns the number of payloads the webhook has recorded.
func (s *Server) PayloadCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks == nil {
		return 0
	}
	return len(s.hooks.payloads)
}
