package providertest

import (
	"encoding/json"
	"testing"
)

func TestContains(t *testing.T) {
	var got any
	if err := json.Unmarshal([]byte(`{"name":"Ada","balance":-500,"metadata":{"plan":"gold","x":"1"},"tags":["a","b"],"gone":null}`), &got); err != nil {
		t.Fatal(err)
	}
	yes := []map[string]any{
		{"name": "Ada"},
		{"balance": -500},
		{"metadata": map[string]any{"plan": "gold"}},
		{"metadata": map[string]any{"absent": nil}},
		{"gone": nil, "missing": nil},
		{"tags": []any{"a", "b"}},
		{},
	}
	for _, w := range yes {
		if !contains(got, w) {
			t.Errorf("contains(%v) = false", w)
		}
	}
	no := []map[string]any{
		{"name": "Grace"},
		{"balance": 500},
		{"metadata": map[string]any{"plan": "silver"}},
		{"metadata": map[string]any{"x": nil}},
		{"tags": []any{"a"}},
		{"missing": "x"},
		{"name": nil},
	}
	for _, w := range no {
		if contains(got, w) {
			t.Errorf("contains(%v) = true", w)
		}
	}
}

func TestJSONEqual(t *testing.T) {
	if !jsonEqual([]byte(`{"a":1,"b":[1,2]}`), []byte(`{"b":[1,2.0],"a":1}`)) {
		t.Error("equal documents differ")
	}
	if jsonEqual([]byte(`{"a":1}`), []byte(`{"a":"1"}`)) || jsonEqual([]byte(`{`), []byte(`{`)) {
		t.Error("different or broken documents are equal")
	}
}
