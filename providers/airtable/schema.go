package airtable

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// tableSchema is a table as the schema API describes it.
type tableSchema struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	PrimaryFieldID string        `json:"primaryFieldId"`
	Fields         []fieldSchema `json:"fields"`
}

// fieldSchema is a field of a table.
type fieldSchema struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Type    string          `json:"type"`
	Options json.RawMessage `json:"options"`
}

var (
	baseIDPattern   = regexp.MustCompile(`^app[A-Za-z0-9]{14}$`)
	recordIDPattern = regexp.MustCompile(`^rec[A-Za-z0-9]{14}$`)
	tableIDPattern  = regexp.MustCompile(`^tbl[A-Za-z0-9]{14}$`)
)

func validRecordID(s string) bool { return recordIDPattern.MatchString(s) }

func invalid(format string, args ...any) *providers.Error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: "airtable: " + fmt.Sprintf(format, args...)}
}

// baseOf is the base a session syncs, from options.base_id.
func baseOf(s *providers.Session) (string, error) {
	b := strings.TrimSpace(s.Option(OptionBaseID))
	if b == "" {
		return "", invalid("set options.base_id to the id of the base to sync (app...)")
	}
	if !baseIDPattern.MatchString(b) {
		return "", invalid("options.base_id %q is not a base id (app and 14 letters or digits)", clip(b))
	}
	return b, nil
}

// schemaPath is the schema API's path of a base's tables.
func schemaPath(base string) string { return "/v0/meta/bases/" + url.PathEscape(base) + "/tables" }

// fetchSchema reads a base's tables: each as the API served it and as parsed.
func fetchSchema(ctx context.Context, s *providers.Session, base string) ([]json.RawMessage, []tableSchema, time.Time, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: schemaPath(base)})
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	var out struct {
		Tables []json.RawMessage `json:"tables"`
	}
	if err := resp.DecodeJSON(&out); err != nil {
		return nil, nil, time.Time{}, err
	}
	if out.Tables == nil {
		return nil, nil, time.Time{}, providers.Malformed(nil, "airtable: the schema of %s has no tables list (%d bytes)", base, len(resp.Body))
	}
	parsed := make([]tableSchema, len(out.Tables))
	for i, raw := range out.Tables {
		if err := json.Unmarshal(raw, &parsed[i]); err != nil {
			return nil, nil, time.Time{}, providers.Malformed(err, "airtable: table %d of the schema of %s: %v", i, base, err)
		}
		t := parsed[i]
		if !tableIDPattern.MatchString(t.ID) || t.Name == "" || len(t.Fields) == 0 {
			return nil, nil, time.Time{}, providers.Malformed(nil, "airtable: table %d of the schema of %s has no id, name or fields", i, base)
		}
		for _, f := range t.Fields {
			if f.ID == "" || f.Name == "" || f.Type == "" {
				return nil, nil, time.Time{}, providers.Malformed(nil, "airtable: a field of table %s has no id, name or type", t.ID)
			}
		}
	}
	return out.Tables, parsed, fetchedAt(resp), nil
}

// The names of the declared collections; a table whose snake_case name is one of them gets a suffix.
const (
	baseCollectionName  = "base"
	tableCollectionName = "table"
)

// tableNames gives every table of a schema its collection name: its name in snake_case, "_2", "_3",
// ... appended in schema order when an earlier table (or a declared collection) has it.
func tableNames(tables []tableSchema) map[string]string {
	taken := map[string]bool{baseCollectionName: true, tableCollectionName: true}
	out := make(map[string]string, len(tables))
	for _, t := range tables {
		name := snake(t.Name)
		switch {
		case name == "":
			name = "table"
		case name[0] >= '0' && name[0] <= '9':
			name = "t_" + name
		}
		out[t.ID] = unique(clipName(name), taken)
	}
	return out
}

// maxName keeps a name and its suffix within Postgres's 63 bytes.
const maxName = 56

func clipName(s string) string {
	if len(s) > maxName {
		s = strings.TrimRight(s[:maxName], "_")
	}
	return s
}

// unique returns name, or name with the first free numeric suffix, and marks it taken.
func unique(name string, taken map[string]bool) string {
	out := name
	for n := 2; taken[out]; n++ {
		out = name + "_" + strconv.Itoa(n)
	}
	taken[out] = true
	return out
}

// columns maps a table's fields to typed columns: created_time, then each field by its name in
// snake_case, at the path "fields.<name>" of the record. A field whose name holds a dot cannot be
// addressed by a dotted path and gets no column; its value is in _data like every other.
func columns(t tableSchema) []providers.Field {
	taken := map[string]bool{"id": true, "created_time": true}
	out := []providers.Field{{Name: "created_time", Type: "timestamptz", Path: "createdTime"}}
	for _, f := range t.Fields {
		if strings.Contains(f.Name, ".") {
			continue
		}
		name := snake(f.Name)
		switch {
		case name == "":
			name = "field"
		case name[0] >= '0' && name[0] <= '9':
			name = "f_" + name
		}
		typ := columnType(f.Type, f.Options)
		out = append(out, providers.Field{Name: unique(clipName(name), taken), Type: typ, Path: "fields." + f.Name, Mutable: !computed(f.Type)})
	}
	return out
}

// computed reports whether Airtable computes a field type's values, so that it cannot be written.
func computed(typ string) bool {
	switch typ {
	case "formula", "rollup", "count", "lookup", "multipleLookupValues", "createdTime", "lastModifiedTime",
		"autoNumber", "createdBy", "lastModifiedBy", "button", "externalSyncSource", "aiText":
		return true
	}
	return false
}

// columnType is the Postgres type of a field type's values; a formula or rollup takes its result's.
// Types without a better fit (collaborators, attachments, lookups, barcodes) are jsonb.
func columnType(typ string, options json.RawMessage) string {
	switch typ {
	case "singleLineText", "multilineText", "richText", "email", "url", "phoneNumber", "singleSelect":
		return "text"
	case "number", "currency", "percent", "duration":
		return "numeric"
	case "rating":
		return "integer"
	case "autoNumber", "count":
		return "bigint"
	case "checkbox":
		return "boolean"
	case "date":
		return "date"
	case "dateTime", "createdTime", "lastModifiedTime":
		return "timestamptz"
	case "multipleSelects", "multipleRecordLinks":
		return "text[]"
	case "formula", "rollup":
		var o struct {
			Result *struct {
				Type    string          `json:"type"`
				Options json.RawMessage `json:"options"`
			} `json:"result"`
		}
		if json.Unmarshal(options, &o) == nil && o.Result != nil && o.Result.Type != "formula" && o.Result.Type != "rollup" {
			return columnType(o.Result.Type, o.Result.Options)
		}
	}
	return "jsonb"
}

// snake turns a name into snake_case ASCII: letters lower-cased (accented Latin letters without their
// accents), words split at spaces, punctuation and lower-to-upper case changes.
func snake(s string) string {
	var b strings.Builder
	gap := false
	var prev rune
	for _, r := range s {
		for _, c := range fold(r) {
			switch {
			case c >= 'A' && c <= 'Z':
				if (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9') {
					gap = true
				}
				if gap && b.Len() > 0 {
					b.WriteByte('_')
				}
				gap = false
				b.WriteRune(c + ('a' - 'A'))
			case (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'):
				if gap && b.Len() > 0 {
					b.WriteByte('_')
				}
				gap = false
				b.WriteRune(c)
			default:
				gap = true
			}
			prev = c
		}
	}
	return b.String()
}

// fold spells a Latin letter without its accents ("é" is "e", "ß" is "ss"); other runes are kept.
func fold(r rune) string {
	if r < 0x80 {
		return string(r)
	}
	const from = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŁłŚśŹźŻżĆćŃńĘęĄąŠšŽžČčŘřĎďŤťŇňĚěŮů"
	const to = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyyLlSsZzZzCcNnEeAaSsZzCcRrDdTtNnEeUu"
	if i := strings.IndexRune(from, r); i >= 0 {
		return string([]rune(to)[len([]rune(from[:i]))])
	}
	switch r {
	case 'ß':
		return "ss"
	case 'Æ':
		return "AE"
	case 'æ':
		return "ae"
	case 'Œ':
		return "OE"
	case 'œ':
		return "oe"
	}
	return string(r)
}

// fetchedAt is when Airtable answered, by its Date header (the clock of LAST_MODIFIED_TIME()), or the
// local clock a second early when the header is missing or implausible.
func fetchedAt(resp *providers.Response) time.Time {
	now := time.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(now).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return now.Add(-time.Second).Truncate(time.Second).UTC()
}
