package emulator

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// decodeForm turns an application/x-www-form-urlencoded body (or query string) into nested values in
// Stripe's bracket notation: "a[b]=1" is {"a": {"b": "1"}}, "items[0][price]=x" is a list of maps and
// "expand[]=x" appends to a list. Leaves are strings.
func decodeForm(raw string) (map[string]any, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, invalid("", "", "Invalid request body: %v", err)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	root := map[string]any{}
	for _, k := range keys {
		path := splitKey(k)
		vs := vals[k]
		if len(path) > 1 && path[len(path)-1] == "" {
			parent, err := walk(root, path[:len(path)-1], k)
			if err != nil {
				return nil, err
			}
			name := path[len(path)-2]
			cur, _ := parent[name].([]any)
			if existing, ok := parent[name]; ok && cur == nil {
				if s, isStr := existing.(string); !isStr || s != "" {
					return nil, invalid("parameter_invalid_array", k, "Invalid array")
				}
			}
			for _, v := range vs {
				cur = append(cur, v)
			}
			parent[name] = cur
			continue
		}
		parent, err := walk(root, path, k)
		if err != nil {
			return nil, err
		}
		name := path[len(path)-1]
		if _, isMap := parent[name].(map[string]any); isMap {
			return nil, invalid("parameter_invalid_object", k, "Invalid object")
		}
		parent[name] = vs[len(vs)-1]
	}
	return root, nil
}

// splitKey splits "a[b][0][]" into ["a", "b", "0", ""]; a key without brackets is a single element.
func splitKey(k string) []string {
	i := strings.IndexByte(k, '[')
	if i <= 0 || !strings.HasSuffix(k, "]") {
		return []string{k}
	}
	out := []string{k[:i]}
	rest := k[i:]
	for len(rest) > 0 {
		if rest[0] != '[' {
			return []string{k}
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return []string{k}
		}
		out = append(out, rest[1:j])
		rest = rest[j+1:]
	}
	return out
}

// walk descends root along path[:len(path)-1], creating maps, and returns the map holding the last element.
func walk(root map[string]any, path []string, key string) (map[string]any, error) {
	m := root
	for _, p := range path[:len(path)-1] {
		next, ok := m[p]
		if !ok {
			child := map[string]any{}
			m[p] = child
			m = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return nil, invalid("parameter_invalid_object", key, "Invalid object")
		}
		m = child
	}
	return m, nil
}

// listify converts maps whose keys are all canonical non-negative integers ("0", "1", "12") into lists
// ordered by index, recursively. It runs where a list may be meant, so that hashes keep numeric keys.
func listify(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = listify(e)
		}
		return out
	case map[string]any:
		if l, ok := indexedList(x); ok {
			return listify(l)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = listify(e)
		}
		return out
	}
	return v
}

// indexedList returns the values of m ordered by key when every key is a canonical integer.
func indexedList(m map[string]any) ([]any, bool) {
	if len(m) == 0 {
		return nil, false
	}
	idx := make([]int, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 || strconv.Itoa(n) != k {
			return nil, false
		}
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]any, len(idx))
	for i, n := range idx {
		out[i] = m[strconv.Itoa(n)]
	}
	return out, true
}

// normalize converts Go values given to the direct API into the shape decodeForm produces (string
// leaves, map[string]any and []any), so both paths share validation.
func normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	default:
		return fmt.Sprint(x)
	}
}

// kind is the type a parameter is coerced to.
type kind int

const (
	kString kind = iota
	kInt
	kBool
	kFloat
	kHash   // metadata-like map of strings; an empty value removes a key
	kObject // nested object with an optional schema
	kList   // list of elements
	kAny    // anything, kept as decoded
)

// param describes one accepted parameter.
type param struct {
	kind  kind
	store bool              // copied onto the object by the generic update
	sub   map[string]*param // kObject schema; nil accepts any keys as strings
	elem  *param            // kList element
}

type schema map[string]*param

func pStr() *param             { return &param{kind: kString, store: true} }
func pInt() *param             { return &param{kind: kInt, store: true} }
func pBool() *param            { return &param{kind: kBool, store: true} }
func pFloat() *param           { return &param{kind: kFloat, store: true} }
func pHash() *param            { return &param{kind: kHash, store: true} }
func pObj(sub schema) *param   { return &param{kind: kObject, store: true, sub: sub} }
func pList(elem *param) *param { return &param{kind: kList, store: true, elem: elem} }
func pAny() *param             { return &param{kind: kAny, store: true} }
func (p *param) logic() *param { p.store = false; return p }
func with(s schema, more schema) schema {
	out := make(schema, len(s)+len(more))
	for k, v := range s {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

func without(s schema, names ...string) schema {
	out := with(s, nil)
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// coerce validates params against sc and converts leaves to their types. Empty strings become nil
// (Stripe's way of unsetting a field), except inside hashes where they mean "remove this key".
func coerce(sc schema, params map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(params))
	for k, v := range params {
		p, ok := sc[k]
		if !ok {
			return nil, errUnknownParam(k)
		}
		cv, err := coerceValue(p, v, k)
		if err != nil {
			return nil, err
		}
		out[k] = cv
	}
	return out, nil
}

func coerceValue(p *param, v any, name string) (any, error) {
	if s, ok := v.(string); ok && s == "" && p.kind != kString {
		if p.kind == kList {
			return []any{}, nil
		}
		return nil, nil
	}
	switch p.kind {
	case kString:
		s, ok := v.(string)
		if !ok {
			return nil, invalid("parameter_invalid_string", name, "Invalid string: %s", describe(v))
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case kInt:
		s, ok := v.(string)
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if !ok || err != nil {
			return nil, invalid("parameter_invalid_integer", name, "Invalid integer: %s", describe(v))
		}
		return n, nil
	case kBool:
		s, _ := v.(string)
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, invalid("parameter_invalid_boolean", name, "Invalid boolean: %s", describe(v))
	case kFloat:
		s, ok := v.(string)
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if !ok || err != nil {
			return nil, invalid("parameter_invalid_decimal", name, "Invalid decimal: %s", describe(v))
		}
		return f, nil
	case kHash:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, invalid("parameter_invalid_object", name, "Invalid hash")
		}
		for k, e := range m {
			if _, isStr := e.(string); !isStr {
				return nil, invalid("parameter_invalid_string", name+"["+k+"]", "Invalid string: %s", describe(e))
			}
		}
		return m, nil
	case kObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, invalid("parameter_invalid_object", name, "Invalid object")
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			sp := p.sub[k]
			if sp == nil {
				if p.sub != nil {
					return nil, errUnknownParam(name + "[" + k + "]")
				}
				sp = &param{kind: kAny}
			}
			cv, err := coerceValue(sp, e, name+"["+k+"]")
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	case kList:
		l, ok := v.([]any)
		if m, isMap := v.(map[string]any); isMap {
			l, ok = indexedList(m)
		}
		if !ok {
			return nil, invalid("parameter_invalid_array", name, "Invalid array")
		}
		elem := p.elem
		if elem == nil {
			elem = &param{kind: kAny}
		}
		out := make([]any, 0, len(l))
		for i, e := range l {
			cv, err := coerceValue(elem, e, fmt.Sprintf("%s[%d]", name, i))
			if err != nil {
				return nil, err
			}
			out = append(out, cv)
		}
		return out, nil
	}
	return listify(v), nil
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return "{...}"
	case []any:
		return "[...]"
	}
	return fmt.Sprint(v)
}

// applyParams copies the stored parameters onto obj: hashes are merged (an empty value removes the key,
// an empty hash clears it), objects are merged key by key, everything else replaces the field.
func applyParams(obj map[string]any, sc schema, params map[string]any) {
	for k, v := range params {
		p := sc[k]
		if p == nil || !p.store {
			continue
		}
		switch p.kind {
		case kHash:
			obj[k] = mergeHash(obj[k], v)
		case kObject:
			obj[k] = mergeObject(obj[k], v, p.sub)
		default:
			obj[k] = v
		}
	}
}

func mergeHash(old, v any) map[string]any {
	out := map[string]any{}
	if v == nil {
		return out
	}
	if m, ok := old.(map[string]any); ok {
		for k, e := range m {
			out[k] = e
		}
	}
	for k, e := range v.(map[string]any) {
		if e == "" || e == nil {
			delete(out, k)
		} else {
			out[k] = e
		}
	}
	return out
}

func mergeObject(old, v any, sub schema) any {
	if v == nil {
		return nil
	}
	out := map[string]any{}
	if m, ok := old.(map[string]any); ok {
		for k, e := range m {
			out[k] = e
		}
	} else {
		for k, p := range sub {
			if p.store {
				out[k] = nil
			}
		}
	}
	for k, e := range v.(map[string]any) {
		if sp := sub[k]; sp != nil {
			switch sp.kind {
			case kHash:
				out[k] = mergeHash(out[k], e)
				continue
			case kObject:
				out[k] = mergeObject(out[k], e, sp.sub)
				continue
			}
		}
		out[k] = e
	}
	return out
}
