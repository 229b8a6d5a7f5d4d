package salesforce

import (
	"strconv"
	"strings"
	"time"
)

// soqlString quotes a value as a SOQL string literal: backslash and quote escaped, control characters
// written as escapes.
func soqlString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '"':
			b.WriteString(`\"`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// soqlDateTime renders a datetime literal (unquoted, whole seconds, UTC).
func soqlDateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// soqlLiteral renders a written value as a literal for a field of describe type typ, or reports that
// it cannot be compared (long text, compound fields, values of another type).
func soqlLiteral(typ string, v any) (string, bool) {
	switch typ {
	case "boolean":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), true
		}
	case "currency", "double", "percent", "int", "long":
		switch n := v.(type) {
		case float64:
			return strconv.FormatFloat(n, 'f', -1, 64), true
		case int:
			return strconv.Itoa(n), true
		case int64:
			return strconv.FormatInt(n, 10), true
		}
	case "date":
		if s, ok := v.(string); ok {
			if _, err := time.Parse("2006-01-02", s); err == nil {
				return s, true
			}
		}
	case "datetime":
		if s, ok := v.(string); ok {
			if t, err := parseTime(s); err == nil && t.Equal(t.Truncate(time.Second)) {
				return soqlDateTime(t), true
			}
		}
	case "id", "reference":
		if s, ok := v.(string); ok && validID(s) {
			return soqlString(s), true
		}
	case "string", "picklist", "combobox", "phone", "url", "email":
		if s, ok := v.(string); ok && s != "" {
			return soqlString(s), true
		}
	}
	return "", false
}
