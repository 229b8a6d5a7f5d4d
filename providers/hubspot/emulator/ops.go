package emulator

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// propertyValue turns a JSON property value into HubSpot's string form; null clears the property.
func propertyValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// invalidProp is one entry of a "Property values were not valid" answer.
func invalidProp(name, code, format string, args ...any) map[string]any {
	return map[string]any{"isValid": false, "message": fmt.Sprintf(format, args...), "error": code, "name": name}
}

// normalize validates property values for t and returns them in stored form ("" clears).
func (s *Server) normalize(t *objectType, in map[string]any) (map[string]string, *apiError) {
	out := make(map[string]string, len(in))
	var bad []map[string]any
	for name, raw := range in {
		def := t.prop(name)
		if def == nil {
			bad = append(bad, invalidProp(name, "PROPERTY_DOESNT_EXIST", "Property \"%s\" does not exist", name))
			continue
		}
		if def.readOnly {
			bad = append(bad, invalidProp(name, "READ_ONLY_VALUE", "%s is a read only property; its value cannot be set.", name))
			continue
		}
		v, ok := propertyValue(raw)
		if !ok {
			bad = append(bad, invalidProp(name, "INVALID_TYPE", "%v was not a valid value for %s", raw, name))
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			out[name] = ""
			continue
		}
		switch def.typ {
		case tNumber:
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				bad = append(bad, invalidProp(name, "INVALID_FLOAT", "%s was not a valid number.", v))
				continue
			}
		case tDatetime:
			ms, ok := parseTime(v)
			if !ok {
				bad = append(bad, invalidProp(name, "INVALID_DATE", "%s was not a valid long or ISO 8601 date.", v))
				continue
			}
			v = isoMs(ms)
		case tBool:
			switch strings.ToLower(v) {
			case "true", "false":
				v = strings.ToLower(v)
			default:
				bad = append(bad, invalidProp(name, "INVALID_BOOLEAN", "%s was not a valid boolean option. Valid options are: true, false", v))
				continue
			}
		case tEnum:
			valid := def.validOption(v)
			if name == "hubspot_owner_id" {
				valid = s.st.liveOwner(v)
			}
			if !valid {
				bad = append(bad, invalidProp(name, "INVALID_OPTION", "%s was not one of the allowed options", v))
				continue
			}
		}
		out[name] = v
	}
	if len(bad) > 0 {
		return nil, errInvalidProperties(bad)
	}
	return out, nil
}

// parseTime reads a unix-millisecond number or an ISO 8601 date or time.
func parseTime(v string) (int64, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

// conflict checks the unique properties of props against live objects other than self.
func (tb *table) conflict(props map[string]string, self int64) *apiError {
	for p, m := range tb.unique {
		v := props[p]
		if v == "" {
			continue
		}
		if id, taken := m[v]; taken && id != self {
			if p == "email" {
				return errConflict(fmt.Sprintf("Contact already exists. Existing ID: %d", id))
			}
			return errConflict(fmt.Sprintf("A %s with the value %q for the unique property %s already exists. Existing ID: %d", tb.typ.singular, v, p, id))
		}
	}
	return nil
}

// create stores a new object; s.mu must be held.
func (s *Server) create(t *objectType, in map[string]any, source string) (*object, *apiError) {
	props, e := s.normalize(t, in)
	if e != nil {
		return nil, e
	}
	tb := s.st.tables[t.name]
	if e := tb.conflict(props, 0); e != nil {
		return nil, e
	}
	for k, v := range props {
		if v == "" {
			delete(props, k)
		}
	}
	now := s.nowMs()
	o := &object{props: props, created: now, updated: now, visible: now + s.cfg.SearchLag.Milliseconds()}
	tb.insert(o)
	s.emit(t, o.id, "creation", "", "", source)
	return o, nil
}

// update changes an object's properties; s.mu must be held. An update that changes nothing leaves the
// object (and its modification time) as it was.
func (s *Server) update(t *objectType, key, idProperty string, in map[string]any, source string) (*object, *apiError) {
	tb := s.st.tables[t.name]
	o := tb.lookup(key, idProperty)
	if o == nil || o.archived {
		return nil, errNotFound()
	}
	props, e := s.normalize(t, in)
	if e != nil {
		return nil, e
	}
	merged := make(map[string]string, len(o.props)+len(props))
	for k, v := range o.props {
		merged[k] = v
	}
	var changed []string
	for k, v := range props {
		if merged[k] != v {
			changed = append(changed, k)
		}
		if v == "" {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	if len(changed) == 0 {
		return o, nil
	}
	if e := tb.conflict(merged, o.id); e != nil {
		return nil, e
	}
	tb.unindex(o)
	o.props = merged
	tb.index(o)
	o.updated = max(s.nowMs(), o.updated)
	o.visible = o.updated + s.cfg.SearchLag.Milliseconds()
	for _, k := range changed {
		s.emit(t, o.id, "propertyChange", k, merged[k], source)
	}
	return o, nil
}

// archive moves an object to the recycling bin; s.mu must be held. Archiving an archived object is a
// no-op, as in HubSpot.
func (s *Server) archive(t *objectType, key string) *apiError {
	tb := s.st.tables[t.name]
	o := tb.lookup(key, "")
	if o == nil {
		return errNotFound()
	}
	if o.archived {
		return nil
	}
	now := max(s.nowMs(), o.updated)
	o.archived, o.archivedAt, o.updated = true, now, now
	o.visible = now + s.cfg.SearchLag.Milliseconds()
	tb.live--
	tb.unindex(o)
	s.emit(t, o.id, "deletion", "", "", "CRM_UI")
	return nil
}

// typeOf resolves the {type} path segment.
func typeOf(r *http.Request) (*objectType, *apiError) {
	name := r.PathValue("type")
	t := typeByName(name)
	if t == nil {
		return nil, errUnknownType(name)
	}
	return t, nil
}
