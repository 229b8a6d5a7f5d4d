package emulator

import (
	"fmt"
	"slices"
	"sort"
)

// compileFilter turns a filter argument into a predicate. It understands what a sync asks for: date
// comparators on createdAt and updatedAt, id comparators, the team (issues, cycles) or issue
// (comments) an entity belongs to by id, and "and"/"or" lists of such filters. Anything else is
// refused by name, so a client relying on it learns at once.
func compileFilter(t *typeDef, m map[string]any, depth int) (func(*entity) bool, error) {
	if depth > 8 {
		return nil, fmt.Errorf("filters nest too deep")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var preds []func(*entity) bool
	for _, k := range keys {
		v := m[k]
		var p func(*entity) bool
		var err error
		switch {
		case k == "createdAt" || k == "updatedAt":
			p, err = dateComparator(k, v)
		case k == "id":
			p, err = idComparator(func(e *entity) string { return e.id }, k, v)
		case k == "team" && (t.name == tIssue || t.name == tCycle), k == "issue" && t.name == tComment:
			fk := t.objects[k].fk
			sub, ok := v.(map[string]any)
			if !ok || len(sub) != 1 || sub["id"] == nil {
				return nil, fmt.Errorf("%s: only an id comparator is supported", k)
			}
			p, err = idComparator(func(e *entity) string { return e.str(fk) }, k+".id", sub["id"])
		case k == "and" || k == "or":
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s must be a list of filters", k)
			}
			var subs []func(*entity) bool
			for _, x := range list {
				sm, ok := x.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s must be a list of filters", k)
				}
				fn, err := compileFilter(t, sm, depth+1)
				if err != nil {
					return nil, err
				}
				subs = append(subs, fn)
			}
			isOr := k == "or"
			p = func(e *entity) bool {
				for _, fn := range subs {
					if fn(e) == isOr {
						return isOr
					}
				}
				return !isOr || len(subs) == 0
			}
		default:
			return nil, fmt.Errorf("the %s filter field %q is not supported by this emulator", t.name, k)
		}
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return func(e *entity) bool { return allOf(preds, e) }, nil
}

// dateComparator compiles a DateComparator on createdAt or updatedAt.
func dateComparator(name string, v any) (func(*entity) bool, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a date comparator", name)
	}
	get := func(e *entity) int64 { return e.created }
	if name == "updatedAt" {
		get = func(e *entity) int64 { return e.updated }
	}
	var tests []func(int64) bool
	for op, raw := range m {
		s, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("%s.%s must be a date", name, op)
		}
		at, ok := parseISO(s)
		if !ok {
			return nil, fmt.Errorf("%s.%s: %q is not an ISO 8601 date (durations are not supported by this emulator)", name, op, clip(s))
		}
		switch op {
		case "eq":
			tests = append(tests, func(x int64) bool { return x == at })
		case "neq":
			tests = append(tests, func(x int64) bool { return x != at })
		case "gt":
			tests = append(tests, func(x int64) bool { return x > at })
		case "gte":
			tests = append(tests, func(x int64) bool { return x >= at })
		case "lt":
			tests = append(tests, func(x int64) bool { return x < at })
		case "lte":
			tests = append(tests, func(x int64) bool { return x <= at })
		default:
			return nil, fmt.Errorf("%s: comparator %q is not supported by this emulator", name, op)
		}
	}
	return func(e *entity) bool { return allOf(tests, get(e)) }, nil
}

// idComparator compiles an ID comparator (eq, neq, in, nin).
func idComparator(get func(*entity) string, name string, v any) (func(*entity) bool, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an id comparator", name)
	}
	var tests []func(string) bool
	for op, raw := range m {
		switch op {
		case "eq", "neq":
			s, ok := raw.(string)
			if !ok {
				return nil, fmt.Errorf("%s.%s must be a string", name, op)
			}
			eq := op == "eq"
			tests = append(tests, func(x string) bool { return (x == s) == eq })
		case "in", "nin":
			list, ok := raw.([]any)
			if !ok {
				return nil, fmt.Errorf("%s.%s must be a list", name, op)
			}
			var ids []string
			for _, x := range list {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("%s.%s must be a list of strings", name, op)
				}
				ids = append(ids, s)
			}
			in := op == "in"
			tests = append(tests, func(x string) bool { return slices.Contains(ids, x) == in })
		default:
			return nil, fmt.Errorf("%s: comparator %q is not supported by this emulator", name, op)
		}
	}
	return func(e *entity) bool { return allOf(tests, get(e)) }, nil
}

// allOf reports whether x passes every test.
func allOf[T any](tests []func(T) bool, x T) bool {
	for _, t := range tests {
		if !t(x) {
			return false
		}
	}
	return true
}
