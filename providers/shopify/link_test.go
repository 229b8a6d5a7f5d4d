package shopify

import (
	"errors"
	"testing"
)

func TestNextPageInfo(t *testing.T) {
	t.Parallel()
	const base = "https://acme.myshopify.com/admin/api/2024-07/products.json"
	for _, tc := range []struct {
		name   string
		values []string
		want   string
		err    bool
	}{
		{"none", nil, "", false},
		{"next only", []string{`<` + base + `?limit=250&page_info=abc>; rel="next"`}, "abc", false},
		{"previous and next", []string{`<` + base + `?page_info=prev1&limit=250>; rel="previous", <` + base + `?limit=250&page_info=nxt_2-x>; rel="next"`}, "nxt_2-x", false},
		{"previous only (last page)", []string{`<` + base + `?page_info=p>; rel="previous"`}, "", false},
		{"unquoted rel, spaces", []string{`  <` + base + `?page_info=q1> ;rel=next  `}, "q1", false},
		{"two header values", []string{`<` + base + `?page_info=p>; rel="previous"`, `<` + base + `?page_info=n>; rel="next"`}, "n", false},
		{"several rels", []string{`<` + base + `?page_info=z>; rel="next last"`}, "z", false},
		{"comma in quoted param", []string{`<` + base + `?page_info=p>; title="a, b"; rel="previous", <` + base + `?page_info=n2>; rel="next"`}, "n2", false},
		{"fields kept out", []string{`<` + base + `?limit=250&fields=id%2Cvariants&page_info=f>; rel="next"`}, "f", false},
		{"next without page_info", []string{`<` + base + `?limit=250>; rel="next"`}, "", true},
		{"bad token characters", []string{`<` + base + `?page_info=a%20b>; rel="next"`}, "", true},
		{"not a link", []string{`rel="next"`}, "", true},
		{"unterminated", []string{`<` + base + `?page_info=a; rel="next"`}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nextPageInfo(tc.values)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("nextPageInfo = %q, %v; want %q, error %v", got, err, tc.want, tc.err)
			}
			if err != nil && !errors.Is(err, errLink) {
				t.Errorf("error %v does not wrap errLink", err)
			}
		})
	}
}

func FuzzNextPageInfo(f *testing.F) {
	f.Add(`<https://a.myshopify.com/admin/api/2024-07/products.json?limit=250&page_info=abc>; rel="next"`)
	f.Add(`<https://a/x?page_info=p>; rel="previous", <https://a/x?page_info=n>; rel="next"`)
	f.Add(`<>; rel=next`)
	f.Add(`<a>, <b>; rel="next"`)
	f.Fuzz(func(t *testing.T, v string) {
		got, err := nextPageInfo([]string{v})
		if err != nil {
			if !errors.Is(err, errLink) {
				t.Fatalf("error %v does not wrap errLink", err)
			}
			return
		}
		if got != "" && !validPageInfo(got) {
			t.Fatalf("returned an invalid token %q", got)
		}
	})
}
