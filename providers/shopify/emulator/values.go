package emulator

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// toInt reads an integer from a decoded JSON value: a number, a json.Number or a numeric string.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return i, err == nil
	}
	return 0, false
}

// toIntOr reads an integer or returns def.
func toIntOr(v any, def int64) int64 {
	if n, ok := toInt(v); ok {
		return n
	}
	return def
}

// toMoney reads a price given as a string or a number and renders it as Shopify does.
func toMoney(v any) (string, bool) {
	var f float64
	switch n := v.(type) {
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if err != nil {
			return "", false
		}
		f = p
	case json.Number:
		p, err := n.Float64()
		if err != nil {
			return "", false
		}
		f = p
	case float64:
		f = n
	case int64:
		f = float64(n)
	default:
		return "", false
	}
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e12 {
		return "", false
	}
	return money(int64(math.Round(f * 100))), true
}

// normalizeJSON turns decoded request values into the document's value types: json.Number becomes
// int64 or float64, recursively.
func normalizeJSON(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalizeJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalizeJSON(e)
		}
		return out
	}
	return v
}

// str reads a string value, "" for anything else.
func str(v any) string {
	s, _ := v.(string)
	return s
}
