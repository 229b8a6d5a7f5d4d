package emulator

import (
	"fmt"
	"strconv"
	"strings"
)

// params are the decoded JSON body of a write request.
type params map[string]any

// str returns a string parameter and whether it was given (null counts as given and empty).
func (p params) str(key string) (string, bool, *Error) {
	v, ok := p[key]
	if !ok {
		return "", false, nil
	}
	switch x := v.(type) {
	case nil:
		return "", true, nil
	case string:
		return x, true, nil
	}
	return "", true, errInvalidType(key, "string", v)
}

// boolean returns a boolean parameter and whether it was given.
func (p params) boolean(key string) (bool, bool, *Error) {
	v, ok := p[key]
	if !ok || v == nil {
		return false, false, nil
	}
	if b, isBool := v.(bool); isBool {
		return b, true, nil
	}
	return false, true, errInvalidType(key, "boolean", v)
}

// strings returns a list of strings (a label list may also hold {"name": ...} objects).
func (p params) strings(key string) ([]string, bool, *Error) {
	v, ok := p[key]
	if !ok {
		return nil, false, nil
	}
	list, isList := v.([]any)
	if v != nil && !isList {
		return nil, true, errInvalidType(key, "array", v)
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			if n, isStr := x["name"].(string); isStr {
				out = append(out, n)
				continue
			}
			return nil, true, errInvalidType(key, "array of strings", v)
		default:
			return nil, true, errInvalidType(key, "array of strings", v)
		}
	}
	return out, true, nil
}

// number returns an integer parameter, accepting JSON numbers and numeric strings.
func (p params) number(key string) (int64, bool, *Error) {
	v, ok := p[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true, nil
		}
	case int:
		return int64(x), true, nil
	case int64:
		return x, true, nil
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n, true, nil
		}
	}
	return 0, true, errInvalidType(key, "integer", v)
}

// only rejects keys outside allowed, as GitHub does for strict endpoints.
func (p params) only(resource string, allowed ...string) *Error {
	for k := range p {
		found := false
		for _, a := range allowed {
			found = found || a == k
		}
		if !found {
			return &Error{Status: 422, Message: "Validation Failed",
				Errors: []FieldError{{Resource: resource, Field: k, Code: "invalid", Message: fmt.Sprintf("%q is not a permitted key.", k)}}}
		}
	}
	return nil
}

func errInvalidType(key, want string, got any) *Error {
	return &Error{Status: 422, Message: fmt.Sprintf("Invalid request.\n\nFor 'properties/%s', %s is not a%s %s.", key, describe(got), article(want), want)}
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "nil"
	default:
		return fmt.Sprint(x)
	}
}

func article(word string) string {
	if strings.IndexByte("aeiou", word[0]) >= 0 {
		return "n"
	}
	return ""
}
