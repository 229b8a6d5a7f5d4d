package extract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// nulEscape is how JSON writes the NUL character, which jsonb refuses.
var nulEscape = []byte(`\u0000`)

// storable returns data in a form jsonb accepts. APIs do send strings with invalid UTF-8 or a NUL
// character, and JSON allows numbers no numeric holds: refused by Postgres, one such object would fail
// its whole page again and again. Invalid bytes and NULs become U+FFFD, the replacement character, and
// such numbers their text; everything else is left byte for byte.
func storable(data []byte) ([]byte, error) {
	if utf8.Valid(data) && !bytes.Contains(data, nulEscape) && !mayHaveHugeExponent(data) {
		return data, nil
	}
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	if !bytes.Contains(data, nulEscape) && !mayHaveHugeExponent(data) {
		return data, nil
	}
	// `\u0000` may also be the text of an escaped backslash followed by "u0000", and a long exponent
	// text inside a string: decode to be sure.
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	out, err := json.Marshal(withoutNUL(v))
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	return out, nil
}

// mayHaveHugeExponent reports whether data holds a digit followed by an exponent of five digits or
// more (1e20000): a number beyond what jsonb's numeric can hold. A cheap scan: a match inside a string
// only costs a decode.
func mayHaveHugeExponent(data []byte) bool {
	for i := 1; i < len(data); i++ {
		if (data[i] != 'e' && data[i] != 'E') || data[i-1] < '0' || data[i-1] > '9' {
			continue
		}
		j := i + 1
		if j < len(data) && (data[j] == '+' || data[j] == '-') {
			j++
		}
		k := j
		for k < len(data) && data[k] >= '0' && data[k] <= '9' {
			k++
		}
		if k-j >= 5 {
			return true
		}
	}
	return false
}

// withoutNUL replaces NUL characters in the strings and keys of a decoded JSON value, and numbers
// beyond jsonb's range by their text (kept, as a string).
func withoutNUL(v any) any {
	switch x := v.(type) {
	case json.Number:
		if mayHaveHugeExponent([]byte(x)) {
			return string(x)
		}
		return x
	case string:
		return strings.ReplaceAll(x, "\x00", "\uFFFD")
	case []any:
		for i := range x {
			x[i] = withoutNUL(x[i])
		}
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[strings.ReplaceAll(k, "\x00", "\uFFFD")] = withoutNUL(e)
		}
		return m
	}
	return v
}
