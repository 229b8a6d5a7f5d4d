package emulator

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendJSON appends the JSON encoding of v to b. Object keys are written with "id" and "object"
// first and the rest in lexical order, as Stripe does, which also makes the encoding canonical.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return appendFloat(b, x)
	case json.Number:
		return append(b, x...)
	case json.RawMessage:
		return append(b, x...)
	case map[string]any:
		return appendObject(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']')
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		return appendObject(b, m)
	default:
		raw, err := json.Marshal(x)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, raw...)
	}
}

// encode returns the canonical JSON encoding of v.
func encode(v any) []byte { return appendJSON(make([]byte, 0, 256), v) }

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return append(b, "null"...)
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.AppendInt(b, int64(f), 10)
	default:
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
}

func appendObject(b []byte, m map[string]any) []byte {
	var buf [64]string
	keys := buf[:0]
	id, hasID := m["id"]
	object, hasObject := m["object"]
	for k := range m {
		if k != "id" && k != "object" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = append(b, '{')
	first := true
	if hasID {
		b = append(b, `"id":`...)
		b = appendJSON(b, id)
		first = false
	}
	if hasObject {
		if !first {
			b = append(b, ',')
		}
		b = append(b, `"object":`...)
		b = appendJSON(b, object)
		first = false
	}
	for _, k := range keys {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
		b = appendJSON(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, replacing invalid UTF-8 with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
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

// decodeObject decodes a JSON object into a map with the usual encoding/json types (numbers as float64).
func decodeObject(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// sameJSON reports whether two values have the same canonical encoding.
func sameJSON(a, b any) bool { return string(encode(a)) == string(encode(b)) }

// toInt64 converts a decoded or generated number to int64.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// str returns v if it is a string, else "".
func str(v any) string {
	s, _ := v.(string)
	return s
}
