package stripe

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEncodeForm(t *testing.T) {
	tests := []struct {
		name string
		data map[string]any
		want string // unescaped, for readability
	}{
		{"scalars", map[string]any{"name": "Ada Lovelace", "balance": float64(-1500), "delinquent": false, "n": 3},
			"balance=-1500&delinquent=false&n=3&name=Ada Lovelace"},
		{"nested", map[string]any{"metadata": map[string]any{"plan": "gold", "tier": "2"}, "address": map[string]any{"city": "Paris"}},
			"address[city]=Paris&metadata[plan]=gold&metadata[tier]=2"},
		{"nil unsets", map[string]any{"metadata": map[string]any{"old": nil}, "description": nil},
			"description=&metadata[old]="},
		{"arrays", map[string]any{"items": []any{map[string]any{"price": "price_1", "quantity": float64(2)}, map[string]any{"price": "price_2"}}, "expand": []any{"customer", "latest_invoice"}},
			"expand[0]=customer&expand[1]=latest_invoice&items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2"},
		{"empty containers clear", map[string]any{"metadata": map[string]any{}, "preferred_locales": []any{}},
			"metadata=&preferred_locales="},
		{"floats", map[string]any{"percent_off": 12.5, "big": float64(1e21)},
			"big=1000000000000000000000&percent_off=12.5"},
		{"json numbers and times", map[string]any{"amount": json.Number("2000"), "trial_end": time.Unix(1700000000, 0)},
			"amount=2000&trial_end=1700000000"},
		{"escaping", map[string]any{"name": "a&b=c", "metadata": map[string]any{"k y": "ü+"}},
			"metadata[k y]=ü+&name=a&b=c"},
		{"empty", map[string]any{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm, err := normalize(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeForm(norm)
			if err != nil {
				t.Fatal(err)
			}
			plain := decodePairs(t, got)
			if plain != tt.want {
				t.Errorf("encodeForm = %q\nwant          %q", plain, tt.want)
			}
			again, _ := encodeForm(norm)
			if again != got {
				t.Error("encoding is not deterministic")
			}
		})
	}
}

// decodePairs unescapes an encoded form pair by pair, keeping the order.
func decodePairs(t *testing.T, s string) string {
	t.Helper()
	if s == "" {
		return ""
	}
	var out []string
	for _, p := range strings.Split(s, "&") {
		k, v, _ := strings.Cut(p, "=")
		uk, err1 := url.QueryUnescape(k)
		uv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad escaping in %q", p)
		}
		out = append(out, uk+"="+uv)
	}
	return strings.Join(out, "&")
}

func TestEncodeFormTypedValues(t *testing.T) {
	type addr struct {
		City string `json:"city"`
	}
	data := map[string]any{"address": addr{City: "Oslo"}, "tags": []string{"a", "b"}, "metadata": map[string]string{"k": "v"}}
	norm, err := normalize(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeForm(norm)
	if err != nil {
		t.Fatal(err)
	}
	if want := "address[city]=Oslo&metadata[k]=v&tags[0]=a&tags[1]=b"; decodePairs(t, got) != want {
		t.Errorf("got %q, want %q", decodePairs(t, got), want)
	}
}

func TestEncodeFormRejects(t *testing.T) {
	for _, data := range []map[string]any{
		{"x": map[string]any{"": "v"}},
		{"x": struct{}{}},
	} {
		if _, err := encodeForm(data); err == nil {
			t.Errorf("encodeForm(%v) succeeded", data)
		}
	}
	if _, err := normalize(map[string]any{"c": make(chan int)}); err == nil {
		t.Error("normalize of a channel succeeded")
	}
}

// The encoding round-trips through Go's own form parser into the same keys.
func TestEncodeFormParses(t *testing.T) {
	got, err := encodeForm(map[string]any{"metadata": map[string]any{"a[b]": "x", "c": "d"}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(got)
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("metadata[c]") != "d" || v.Get("metadata[a[b]]") != "x" {
		t.Errorf("parsed %v", v)
	}
}
