package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strings"
	"time"
)

// timeLayout is how the API renders datetimes: milliseconds and a +0000 offset.
const timeLayout = "2006-01-02T15:04:05.000-0700"

// formatTime renders t as the API does.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads a datetime as the API accepts it: its own layout, or RFC 3339.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{timeLayout, time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.000Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// record is one row of an object; values are JSON values by field name (compound fields are
// computed when rendered).
type record struct {
	id      string
	values  map[string]any
	deleted bool
}

func (r *record) clone() *record {
	return &record{id: r.id, values: maps.Clone(r.values), deleted: r.deleted}
}

// table holds an object's records in creation (and id) order.
type table struct {
	obj  *sobject
	seq  int
	ids  []string
	byID map[string]*record // by the 15-character id
}

// undo restores one record to what it was before a write; prev nil means the write created it.
type undo struct {
	t    *table
	key  string
	prev *record
}

// store is the org's data.
type store struct {
	tables map[string]*table
	// last is the newest timestamp given out; stamps strictly increase, so changes sort in the order
	// they happened.
	last time.Time
	// journal, when set, records undos for a composite request with allOrNone.
	journal *[]undo
	// userID is the integration user every write is made by.
	userID string
}

func newStore() *store {
	st := &store{tables: map[string]*table{}}
	for _, o := range catalogue {
		if o.queryable {
			st.tables[o.name] = &table{obj: o, byID: map[string]*record{}}
		}
	}
	return st
}

// stamp returns a timestamp after every earlier one, at millisecond precision.
func (st *store) stamp(now time.Time) time.Time {
	now = now.UTC().Truncate(time.Millisecond)
	if !now.After(st.last) {
		now = st.last.Add(time.Millisecond)
	}
	st.last = now
	return now
}

// lookup finds a record by id, live or deleted.
func (t *table) lookup(id string) *record {
	if !validID(id) || !strings.HasPrefix(id, t.obj.prefix) {
		return nil
	}
	return t.byID[id15(id)]
}

// journalize remembers a record's state before a write.
func (st *store) journalize(t *table, key string, prev *record) {
	if st.journal != nil {
		if prev != nil {
			prev = prev.clone()
		}
		*st.journal = append(*st.journal, undo{t: t, key: key, prev: prev})
	}
}

// rollback undoes the journal's writes, newest first.
func (st *store) rollback(j []undo) {
	for i := len(j) - 1; i >= 0; i-- {
		u := j[i]
		if u.prev == nil {
			delete(u.t.byID, u.key)
			if n := len(u.t.ids); n > 0 && id15(u.t.ids[n-1]) == u.key {
				u.t.ids = u.t.ids[:n-1]
			}
			continue
		}
		u.t.byID[u.key] = u.prev
	}
}

// render returns a record as the API serves it: attributes and every field (or only the fields
// named), compound fields included.
func (t *table) render(r *record, version string, only []*field) map[string]any {
	o := t.obj
	out := map[string]any{"attributes": map[string]any{
		"type": o.name, "url": "/services/data/v" + version + "/sobjects/" + o.name + "/" + r.id,
	}}
	fields := only
	if fields == nil {
		fields = o.fields
	}
	for _, f := range fields {
		switch f.typ {
		case "id":
			out[f.name] = r.id
		case "address", "location":
			out[f.name] = compoundValue(o, f, r.values)
		default:
			out[f.name] = r.values[f.name]
		}
	}
	return out
}

// compoundValue builds an address or location from its components, or nil when all are empty.
func compoundValue(o *sobject, f *field, values map[string]any) any {
	parts := o.components(f.name)
	m := map[string]any{}
	empty := true
	for _, p := range parts {
		key := strings.TrimPrefix(p.name, strings.TrimSuffix(f.name, "Address"))
		if f.typ == "location" {
			key = strings.TrimSuffix(strings.TrimPrefix(p.name, strings.TrimSuffix(f.name, "__c")+"__"), "__s")
		}
		key = strings.ToLower(key[:1]) + key[1:]
		m[key] = values[p.name]
		if values[p.name] != nil {
			empty = false
		}
	}
	if empty {
		return nil
	}
	return m
}

// write validates and applies field values from a request body to r (a new record when create).
func (st *store) write(t *table, r *record, body map[string]any, create bool) *apiError {
	o := t.obj
	var readOnly []string
	names := make([]string, 0, len(body))
	for k := range body {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "attributes" {
			continue
		}
		f := o.fieldNamed(name)
		if f == nil {
			return errField(o.name, name)
		}
		if (create && !f.createable) || (!create && !f.updateable) {
			readOnly = append(readOnly, f.name)
			continue
		}
		v, err := coerce(f, body[name])
		if err != nil {
			return err
		}
		r.values[f.name] = v
	}
	if len(readOnly) > 0 {
		return errReadOnly(readOnly)
	}
	var missing []string
	for _, f := range o.fields {
		if f.required && (r.values[f.name] == nil || r.values[f.name] == "") {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return errRequired(missing)
	}
	for _, f := range o.fields {
		if !f.externalID || r.values[f.name] == nil {
			continue
		}
		for _, other := range t.byID {
			if other.id != r.id && !other.deleted && strings.EqualFold(fmt.Sprint(other.values[f.name]), fmt.Sprint(r.values[f.name])) {
				return &apiError{status: http.StatusBadRequest, code: "DUPLICATE_VALUE", fields: []string{f.name},
					message: fmt.Sprintf("duplicate value found: %s duplicates value on record with id: %s", f.name, other.id)}
			}
		}
	}
	derive(o, r.values)
	return nil
}

// derive computes the read-only fields that follow from others.
func derive(o *sobject, v map[string]any) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	switch o.name {
	case "Contact", "Lead", "User":
		v["Name"] = strings.TrimSpace(str("FirstName") + " " + str("LastName"))
	case "Task":
		v["IsClosed"] = str("Status") == "Completed"
	case "Opportunity":
		stage := str("StageName")
		v["IsClosed"] = strings.HasPrefix(stage, "Closed")
		v["IsWon"] = stage == "Closed Won"
	}
}

// coerce checks a written value against the field's type and returns it as stored.
func coerce(f *field, v any) (any, *apiError) {
	if v == nil {
		if f.typ == "boolean" {
			return nil, errJSON(fmt.Sprintf("Cannot deserialize instance of boolean from null value for field %s", f.name))
		}
		return nil, nil
	}
	bad := func(kind string) *apiError {
		b, _ := json.Marshal(v)
		return errJSON(fmt.Sprintf("Cannot deserialize instance of %s from %s value %s or request may be missing a required field", f.typ, kind, clip(string(b))))
	}
	switch f.typ {
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, bad("VALUE")
	case "currency", "double", "percent", "int":
		n, ok := v.(float64)
		if !ok {
			return nil, bad("VALUE_STRING")
		}
		if f.typ == "int" && n != float64(int64(n)) {
			return nil, bad("VALUE_NUMBER_FLOAT")
		}
		return n, nil
	case "date":
		s, ok := v.(string)
		if _, err := time.Parse("2006-01-02", s); !ok || err != nil {
			return nil, bad("VALUE_STRING")
		}
		return s, nil
	case "datetime":
		s, _ := v.(string)
		t, ok := parseTime(s)
		if !ok {
			return nil, bad("VALUE_STRING")
		}
		return formatTime(t), nil
	case "reference":
		s, ok := v.(string)
		if !ok || (s != "" && !validID(s)) {
			return nil, &apiError{status: http.StatusBadRequest, code: "MALFORMED_ID", fields: []string{f.name},
				message: fmt.Sprintf("%s: id value of incorrect type: %v", f.name, v)}
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, bad("VALUE_NUMBER")
	}
	if f.length > 0 && len([]rune(s)) > f.length {
		return nil, &apiError{status: http.StatusBadRequest, code: "STRING_TOO_LONG", fields: []string{f.name},
			message: fmt.Sprintf("%s: data value too large: %s (max length=%d)", f.name, clip(s), f.length)}
	}
	return s, nil
}

// create makes a record from body.
func (st *store) create(t *table, body map[string]any, now time.Time) (*record, *apiError) {
	r := &record{id: makeID(t.obj.prefix, t.seq+1), values: map[string]any{}}
	for _, f := range t.obj.fields {
		switch {
		case f.typ == "boolean":
			r.values[f.name] = false
		case f.name == "OwnerId":
			r.values[f.name] = st.userID
		case f.name == "IsActive":
			r.values[f.name] = true
		case f.name == "UserType":
			r.values[f.name] = "Standard"
		}
	}
	if err := st.write(t, r, body, true); err != nil {
		return nil, err
	}
	at := formatTime(st.stamp(now))
	for _, k := range []string{"CreatedDate", "LastModifiedDate", "SystemModstamp"} {
		r.values[k] = at
	}
	r.values["CreatedById"], r.values["LastModifiedById"] = st.userID, st.userID
	t.seq++
	t.ids = append(t.ids, r.id)
	t.byID[id15(r.id)] = r
	st.journalize(t, id15(r.id), nil)
	return r, nil
}

// update applies body to a live record.
func (st *store) update(t *table, r *record, body map[string]any, now time.Time) *apiError {
	next := r.clone()
	if err := st.write(t, next, body, false); err != nil {
		return err
	}
	st.journalize(t, id15(r.id), r)
	at := formatTime(st.stamp(now))
	next.values["LastModifiedDate"], next.values["SystemModstamp"] = at, at
	next.values["LastModifiedById"] = st.userID
	t.byID[id15(r.id)] = next
	return nil
}

// remove moves a record to the recycle bin: it keeps its values, IsDeleted becomes true and its
// SystemModstamp the time of the delete, as queryAll shows it.
func (st *store) remove(t *table, r *record, now time.Time) {
	st.journalize(t, id15(r.id), r)
	next := r.clone()
	next.deleted = true
	at := formatTime(st.stamp(now))
	next.values["IsDeleted"] = true
	next.values["SystemModstamp"] = at
	next.values["LastModifiedDate"] = at
	t.byID[id15(r.id)] = next
}

// findByExternalID returns the live records whose external id field equals value.
func (t *table) findByExternalID(f *field, value string) []*record {
	var out []*record
	for _, id := range t.ids {
		r := t.byID[id15(id)]
		if r != nil && !r.deleted && strings.EqualFold(fmt.Sprint(r.values[f.name]), value) && r.values[f.name] != nil {
			out = append(out, r)
		}
	}
	return out
}

// live returns the live records in id order.
func (t *table) live() []*record {
	out := make([]*record, 0, len(t.ids))
	for _, id := range t.ids {
		if r := t.byID[id15(id)]; r != nil && !r.deleted {
			out = append(out, r)
		}
	}
	return out
}

// all returns every record, deleted ones included, in id order.
func (t *table) all() []*record {
	out := make([]*record, 0, len(t.ids))
	for _, id := range t.ids {
		if r := t.byID[id15(id)]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: encoding an answer: " + err.Error())
	}
	return b
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
