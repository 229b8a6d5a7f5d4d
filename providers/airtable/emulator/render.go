package emulator

import (
	"encoding/json"
	"fmt"
	"time"
)

// ts formats a time as Airtable does: UTC with milliseconds.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emulator: encoding %T: %v", v, err))
	}
	return b
}

// value is a cell's value as the API serves it, computed fields included; nil when empty (Airtable
// leaves empty cells out of a record's fields).
func (t *table) value(r *record, f *field) any {
	switch f.Type {
	case "createdTime":
		return ts(r.created)
	case "lastModifiedTime":
		return ts(r.modified)
	case "autoNumber":
		return r.seq
	case "formula":
		if f.formula != nil {
			return f.formula(r, t)
		}
		return nil
	}
	return r.cells[f.ID]
}

// render is the record as the API serves it: {"id", "createdTime", "fields"}.
func (t *table) render(r *record) json.RawMessage {
	if r.raw != nil {
		return r.raw
	}
	fields := map[string]any{}
	for _, f := range t.fields {
		if v := t.value(r, f); v != nil {
			fields[f.Name] = v
		}
	}
	r.raw = mustJSON(map[string]any{"id": r.id, "createdTime": ts(r.created), "fields": fields})
	return r.raw
}

// invalidate drops the cached JSON of every record, after a change of the table's schema.
func (t *table) invalidate() {
	for _, r := range t.records {
		r.raw = nil
	}
}

// schema is the table as the schema API serves it.
func (t *table) schema() map[string]any {
	fields := make([]any, 0, len(t.fields))
	for _, f := range t.fields {
		m := map[string]any{"id": f.ID, "name": f.Name, "type": f.Type}
		if f.Description != "" {
			m["description"] = f.Description
		}
		opts := map[string]any{}
		for k, v := range f.Options {
			opts[k] = v
		}
		if f.choices != nil {
			opts["choices"] = f.choices
		}
		if len(opts) > 0 {
			m["options"] = opts
		}
		fields = append(fields, m)
	}
	out := map[string]any{"id": t.id, "name": t.name, "primaryFieldId": t.primary().ID, "fields": fields, "views": t.views}
	if t.description != "" {
		out["description"] = t.description
	}
	return out
}

// info is the base as the list-bases endpoint serves it.
func (b *base) info() map[string]any {
	return map[string]any{"id": b.id, "name": b.name, "permissionLevel": b.permission}
}
