package emulator

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// isoMs formats a unix-millisecond time the way HubSpot does: "2024-01-17T19:55:04.281Z".
func isoMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// propertyList resolves the properties a request names (nil for the type's defaults) to the sorted
// list of known properties to render; unknown names are ignored, as HubSpot does.
func (t *objectType) propertyList(names []string) []string {
	if len(names) == 0 {
		return t.defaults
	}
	out := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		if t.props[n] != nil && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// appendObject renders o with the given (resolved, sorted) properties; a property without a value is
// null.
func (t *objectType) appendObject(b []byte, o *object, props []string) []byte {
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, o.id, 10)
	b = append(b, `","properties":{`...)
	for i, p := range props {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p)
		b = append(b, ':')
		if v, ok := t.value(o, p); ok {
			b = appendString(b, v)
		} else {
			b = append(b, "null"...)
		}
	}
	b = append(b, `},"createdAt":"`...)
	b = append(b, isoMs(o.created)...)
	b = append(b, `","updatedAt":"`...)
	b = append(b, isoMs(o.updated)...)
	b = append(b, `","archived":`...)
	b = strconv.AppendBool(b, o.archived)
	if o.archived {
		b = append(b, `,"archivedAt":"`...)
		b = append(b, isoMs(o.archivedAt)...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// appendOwner renders an owner as GET /crm/v3/owners does.
func appendOwner(b []byte, o *owner) []byte {
	teams := o.teams
	if teams == nil {
		teams = []team{}
	}
	m := map[string]any{
		"id": strconv.FormatInt(o.id, 10), "email": o.email, "type": "PERSON", "firstName": o.firstName, "lastName": o.lastName,
		"userId": o.userID, "userIdIncludingInactive": o.userID, "createdAt": isoMs(o.created), "updatedAt": isoMs(o.updated),
		"archived": o.archived, "teams": teams,
	}
	if o.archived {
		m["archivedAt"] = isoMs(o.archivedAt)
	}
	raw, _ := json.Marshal(m)
	return append(b, raw...)
}

// appendPipeline renders a pipeline as GET /crm/v3/pipelines/<type> does.
func appendPipeline(b []byte, p *pipeline) []byte {
	stages := make([]map[string]any, len(p.stages))
	for i, s := range p.stages {
		stages[i] = map[string]any{
			"id": s.id, "label": s.label, "displayOrder": s.displayOrder, "metadata": s.metadata,
			"createdAt": isoMs(p.created), "updatedAt": isoMs(p.updated), "archived": false, "writePermissions": "CRUD_ALL",
		}
	}
	m := map[string]any{
		"id": p.id, "label": p.label, "displayOrder": p.displayOrder, "stages": stages,
		"createdAt": isoMs(p.created), "updatedAt": isoMs(p.updated), "archived": p.archived,
	}
	raw, _ := json.Marshal(m)
	return append(b, raw...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, replacing invalid UTF-8 with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
