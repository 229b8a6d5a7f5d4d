package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
)

// maxWriteRecords is how many records one create or delete request may hold, as on Airtable.
const maxWriteRecords = 10

// cellsOf validates the fields of a write, keyed by field name or id, and returns the values by field
// id (nil for a cleared cell).
func (s *Server) cellsOf(t *table, raw any, typecast bool) (map[string]any, *Error) {
	fields, ok := raw.(map[string]any)
	if !ok {
		return nil, errInvalidRequest("Invalid request: parameter validation failed. Check your request data.")
	}
	out := map[string]any{}
	for name, v := range fields {
		f := t.fieldNamed(name)
		if f == nil {
			return nil, apiError(http.StatusUnprocessableEntity, "UNKNOWN_FIELD_NAME", fmt.Sprintf("Unknown field name: %q", name))
		}
		val, e := s.st.cell(t, f, v, typecast)
		if e != nil {
			return nil, e
		}
		out[f.ID] = val
	}
	return out, nil
}

// createRecords is POST /v0/{baseId}/{table} with {"fields"} (one record) or {"records": [...]} (up
// to ten), and optionally "typecast".
func (s *Server) createRecords(t *table, body []byte) response {
	m, e := decodeBody(body)
	if e != nil {
		return errResponse(e)
	}
	typecast, _ := m["typecast"].(bool)
	var raws []any
	single := false
	switch {
	case m["records"] != nil:
		list, ok := m["records"].([]any)
		if !ok || len(list) == 0 {
			return errResponse(errInvalidRequest("Invalid request: parameter validation failed. Check your request data."))
		}
		if len(list) > maxWriteRecords {
			return errResponse(apiError(http.StatusUnprocessableEntity, "INVALID_RECORDS", "You can create up to 10 records per request"))
		}
		for _, it := range list {
			rm, _ := it.(map[string]any)
			raws = append(raws, rm["fields"])
		}
	case m["fields"] != nil:
		raws, single = []any{m["fields"]}, true
	default:
		return errResponse(apiError(http.StatusUnprocessableEntity, "INVALID_REQUEST_MISSING_FIELDS", `Could not find field "fields" in the request body`))
	}
	var all []map[string]any
	for _, raw := range raws {
		cells, e := s.cellsOf(t, raw, typecast)
		if e != nil {
			return errResponse(e)
		}
		all = append(all, cells)
	}
	now := s.st.now()
	created := map[string]any{}
	var out []json.RawMessage
	for _, cells := range all {
		rec := s.st.insert(t, now)
		for id, v := range cells {
			if v != nil {
				rec.cells[id] = v
			}
		}
		created[rec.id] = map[string]any{"cellValuesByFieldId": cellsByID(rec.cells), "createdTime": ts(now)}
		out = append(out, t.render(rec))
	}
	s.emit(t, map[string]any{"createdRecordsById": created})
	if single {
		return response{status: http.StatusOK, body: out[0]}
	}
	return okJSON(map[string]any{"records": out})
}

// updateRecord is PATCH (merge) or PUT (replace) of /v0/{baseId}/{table}/{recordId}.
func (s *Server) updateRecord(t *table, rec *record, body []byte, replace bool) response {
	m, e := decodeBody(body)
	if e != nil {
		return errResponse(e)
	}
	if m["fields"] == nil {
		return errResponse(apiError(http.StatusUnprocessableEntity, "INVALID_REQUEST_MISSING_FIELDS", `Could not find field "fields" in the request body`))
	}
	typecast, _ := m["typecast"].(bool)
	cells, e := s.cellsOf(t, m["fields"], typecast)
	if e != nil {
		return errResponse(e)
	}
	if replace {
		for _, f := range t.fields {
			if _, given := cells[f.ID]; !given && !f.computed() {
				cells[f.ID] = nil
			}
		}
	}
	current, previous := map[string]any{}, map[string]any{}
	for id, v := range cells {
		old, had := rec.cells[id]
		if (v == nil && !had) || (had && reflect.DeepEqual(old, v)) {
			continue
		}
		previous[id], current[id] = old, v
		if v == nil {
			delete(rec.cells, id)
		} else {
			rec.cells[id] = v
		}
	}
	if len(current) > 0 {
		rec.modified = s.st.now()
		rec.raw = nil
		s.emit(t, map[string]any{"changedRecordsById": map[string]any{rec.id: map[string]any{
			"current": map[string]any{"cellValuesByFieldId": current}, "previous": map[string]any{"cellValuesByFieldId": previous}}}})
	}
	return response{status: http.StatusOK, body: t.render(rec)}
}

// deleteRecords is DELETE /v0/{baseId}/{table}?records[]=...: up to ten records at once.
func (s *Server) deleteRecords(t *table, ids []string) response {
	if len(ids) == 0 || len(ids) > maxWriteRecords {
		return errResponse(errInvalidRequest("Invalid request: parameter validation failed. Check your request data."))
	}
	var recs []*record
	for _, id := range ids {
		rec := t.byID[id]
		if rec == nil {
			return errResponse(errNotFound())
		}
		recs = append(recs, rec)
	}
	s.destroy(t, recs)
	out := make([]any, 0, len(recs))
	for _, rec := range recs {
		out = append(out, map[string]any{"id": rec.id, "deleted": true})
	}
	return okJSON(map[string]any{"records": out})
}

// destroy removes records from a table.
func (s *Server) destroy(t *table, recs []*record) {
	ids := make([]string, 0, len(recs))
	for _, rec := range recs {
		delete(t.byID, rec.id)
		ids = append(ids, rec.id)
	}
	t.records = slices.DeleteFunc(t.records, func(r *record) bool { return t.byID[r.id] == nil })
	s.emit(t, map[string]any{"destroyedRecordIds": ids})
}

// cellsByID copies cell values for a webhook payload.
func cellsByID(cells map[string]any) map[string]any {
	out := make(map[string]any, len(cells))
	for k, v := range cells {
		out[k] = v
	}
	return out
}
