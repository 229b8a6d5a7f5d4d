package emulator

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// resolveVars checks the request's variables against the operation's definitions and returns them
// normalised (numbers as int64 or float64), with defaults applied.
func resolveVars(op *operation, given map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, d := range op.vars {
		v, ok := given[d.name]
		if !ok || v == nil {
			switch {
			case d.def != nil:
				dv, err := resolveValue(*d.def, nil)
				if err != nil {
					return nil, err
				}
				out[d.name] = dv
				continue
			case d.required:
				return nil, fmt.Errorf("Variable \"$%s\" of required type \"%s!\" was not provided.", d.name, d.typ)
			}
			out[d.name] = nil
			continue
		}
		nv, err := normalise(v)
		if err != nil {
			return nil, fmt.Errorf("Variable \"$%s\" got invalid value: %v", d.name, err)
		}
		if err := checkScalar(d.typ, nv); err != nil {
			return nil, fmt.Errorf("Variable \"$%s\" got invalid value %s; %v", d.name, clip(fmt.Sprint(nv)), err)
		}
		out[d.name] = nv
	}
	return out, nil
}

// checkScalar checks a variable of a built-in or date scalar type; input objects are checked where
// they are used.
func checkScalar(typ string, v any) error {
	if v == nil {
		return nil
	}
	switch typ {
	case "Int":
		if _, ok := v.(int64); !ok {
			return fmt.Errorf("Int cannot represent non-integer value")
		}
	case "Float":
		switch v.(type) {
		case int64, float64:
		default:
			return fmt.Errorf("Float cannot represent non numeric value")
		}
	case "String", "ID", "DateTime", "DateTimeOrDuration", "TimelessDate":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s cannot represent a non string value", typ)
		}
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("Boolean cannot represent a non boolean value")
		}
	}
	return nil
}

// normalise converts a decoded JSON value (numbers as json.Number) to the emulator's forms.
func normalise(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("bad number %s", clip(x.String()))
		}
		return f, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
		return x, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalise(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalise(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	}
	return v, nil
}

// resolveValue turns a literal (with variables substituted) into the emulator's forms: nil, bool,
// int64, float64, string (also for enums), []any or map[string]any.
func resolveValue(v value, vars map[string]any) (any, error) {
	switch v.kind {
	case vNull:
		return nil, nil
	case vBool:
		return v.b, nil
	case vInt:
		n, err := strconv.ParseInt(v.text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Int cannot represent %s", v.text)
		}
		return n, nil
	case vFloat:
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return nil, fmt.Errorf("Float cannot represent %s", v.text)
		}
		return f, nil
	case vString, vEnum:
		return v.text, nil
	case vVar:
		x, ok := vars[v.text]
		if !ok {
			return nil, fmt.Errorf("Variable \"$%s\" is not defined.", v.text)
		}
		return x, nil
	case vList:
		out := make([]any, 0, len(v.list))
		for _, e := range v.list {
			x, err := resolveValue(e, vars)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case vObject:
		out := make(map[string]any, len(v.fields))
		for _, f := range v.fields {
			if _, dup := out[f.name]; dup {
				return nil, fmt.Errorf("There can be only one input field named \"%s\".", f.name)
			}
			x, err := resolveValue(f.val, vars)
			if err != nil {
				return nil, err
			}
			out[f.name] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value")
}

// args resolves a field's arguments, refusing names outside allowed.
func args(f *field, vars map[string]any, allowed ...string) (map[string]any, error) {
	out := map[string]any{}
	for _, a := range f.args {
		ok := false
		for _, n := range allowed {
			ok = ok || n == a.name
		}
		if !ok {
			return nil, fmt.Errorf("Unknown argument \"%s\" on field \"%s\".", a.name, f.name)
		}
		if _, dup := out[a.name]; dup {
			return nil, fmt.Errorf("There can be only one argument named \"%s\".", a.name)
		}
		v, err := resolveValue(a.val, vars)
		if err != nil {
			return nil, err
		}
		out[a.name] = v
	}
	return out, nil
}

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
