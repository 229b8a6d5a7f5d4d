package emulator

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// collaborator is a user a collaborator field can hold.
type collaborator struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// collaborators are the users of the emulated workspace.
var collaborators = []collaborator{
	{ID: stableID("usr", "ada"), Email: "ada@example.com", Name: "Ada Lovelace"},
	{ID: stableID("usr", "grace"), Email: "grace@example.com", Name: "Grace Hopper"},
	{ID: stableID("usr", "katherine"), Email: "katherine@example.com", Name: "Katherine Johnson"},
}

func invalidValue(f *field, why string) *Error {
	return apiError(422, "INVALID_VALUE_FOR_COLUMN", fmt.Sprintf("Field %q cannot accept the provided value: %s", f.Name, why))
}

// cell validates a value written to field f and returns it as stored; nil means empty. With typecast,
// Airtable converts strings and numbers where it can and adds select options it does not know.
func (st *state) cell(t *table, f *field, v any, typecast bool) (any, *Error) {
	if f.computed() {
		return nil, apiError(422, "INVALID_VALUE_FOR_COLUMN", fmt.Sprintf("Field %q cannot accept a value because the field is computed", f.Name))
	}
	if v == nil {
		return nil, nil
	}
	switch f.Type {
	case "singleLineText", "multilineText", "richText", "email", "url", "phoneNumber", "barcode":
		s, ok := v.(string)
		if !ok && typecast {
			s, ok = fmt.Sprint(v), true
		}
		if !ok {
			return nil, invalidValue(f, "a string is expected")
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case "number", "currency", "percent", "duration", "rating":
		n, ok := v.(float64)
		if s, isStr := v.(string); isStr && typecast {
			var err error
			n, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
			ok = err == nil
		}
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, invalidValue(f, "a number is expected")
		}
		if f.Type == "rating" {
			if n != math.Trunc(n) || n < 0 || n > 10 {
				return nil, invalidValue(f, "a rating is a whole number")
			}
			if n == 0 {
				return nil, nil
			}
		}
		return n, nil
	case "checkbox":
		b, ok := v.(bool)
		if !ok {
			return nil, invalidValue(f, "a boolean is expected")
		}
		if !b {
			return nil, nil
		}
		return true, nil
	case "singleSelect":
		s, ok := v.(string)
		if !ok {
			return nil, invalidValue(f, "a choice name is expected")
		}
		if s == "" {
			return nil, nil
		}
		c, e := st.choice(t, f, s, typecast)
		if e != nil {
			return nil, e
		}
		return c.Name, nil
	case "multipleSelects":
		names, e := stringList(f, v)
		if e != nil {
			return nil, e
		}
		var out []any
		for _, n := range names {
			c, e := st.choice(t, f, n, typecast)
			if e != nil {
				return nil, e
			}
			if !slices.Contains(out, any(c.Name)) {
				out = append(out, c.Name)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	case "date":
		s, ok := v.(string)
		if !ok {
			return nil, invalidValue(f, "a date (YYYY-MM-DD) is expected")
		}
		if s == "" {
			return nil, nil
		}
		d, err := parseTime(s)
		if err != nil {
			return nil, invalidValue(f, "a date (YYYY-MM-DD) is expected")
		}
		return d.Format("2006-01-02"), nil
	case "dateTime":
		s, ok := v.(string)
		if !ok {
			return nil, invalidValue(f, "an ISO 8601 time is expected")
		}
		if s == "" {
			return nil, nil
		}
		d, err := parseTime(s)
		if err != nil {
			return nil, invalidValue(f, "an ISO 8601 time is expected")
		}
		return ts(d), nil
	case "singleCollaborator":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, invalidValue(f, "a collaborator object ({\"id\"} or {\"email\"}) is expected")
		}
		for _, c := range collaborators {
			if m["id"] == c.ID || m["email"] == c.Email {
				return map[string]any{"id": c.ID, "email": c.Email, "name": c.Name}, nil
			}
		}
		return nil, invalidValue(f, "no such collaborator")
	case "multipleRecordLinks":
		ids, e := stringList(f, v)
		if e != nil {
			return nil, e
		}
		linked := t.base.tableNamed(f.linked)
		var out []any
		for _, id := range ids {
			if linked == nil || linked.byID[id] == nil {
				return nil, apiError(422, "ROW_DOES_NOT_EXIST", fmt.Sprintf("Record ID %s does not exist in the linked table", id))
			}
			if !slices.Contains(out, any(id)) {
				out = append(out, id)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	case "multipleAttachments":
		list, ok := v.([]any)
		if !ok {
			return nil, invalidValue(f, "a list of attachments ({\"url\"}) is expected")
		}
		var out []any
		for _, e := range list {
			m, ok := e.(map[string]any)
			u, _ := m["url"].(string)
			if !ok || !strings.HasPrefix(u, "http") {
				return nil, invalidValue(f, "an attachment needs a url")
			}
			name, _ := m["filename"].(string)
			if name == "" {
				name = path.Base(u)
			}
			id, _ := m["id"].(string)
			if !validID(id, "att") {
				id = randomID(st.rng, "att")
			}
			out = append(out, map[string]any{"id": id, "url": u, "filename": name, "size": 1024 + len(u), "type": mimeOf(name)})
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	return v, nil
}

// stringList reads a list of strings.
func stringList(f *field, v any) ([]string, *Error) {
	list, ok := v.([]any)
	if !ok {
		return nil, invalidValue(f, "a list is expected")
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, invalidValue(f, "a list of strings is expected")
		}
		out = append(out, s)
	}
	return out, nil
}

// choice finds a select option by name, adding it with typecast.
func (st *state) choice(t *table, f *field, name string, typecast bool) (*choice, *Error) {
	for _, c := range f.choices {
		if c.Name == name {
			return c, nil
		}
	}
	if !typecast {
		return nil, apiError(422, "INVALID_MULTIPLE_CHOICE_OPTIONS", fmt.Sprintf("Insufficient permissions to create new select option \"%q\"", name))
	}
	c := &choice{ID: randomID(st.rng, "sel"), Name: name, Color: "grayLight2"}
	f.choices = append(f.choices, c)
	return c, nil
}

// parseTime reads the ISO 8601 forms Airtable accepts.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an ISO 8601 time: %q", s)
}

func mimeOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".pdf":
		return "application/pdf"
	}
	return "application/octet-stream"
}
