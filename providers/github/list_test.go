package github

import "testing"

func TestNextLink(t *testing.T) {
	t.Parallel()
	cases := []struct {
		base, header, want string
		fails              bool
	}{
		{"https://api.github.com", `<https://api.github.com/repositories/1/issues?page=2&per_page=100>; rel="next", <https://api.github.com/repositories/1/issues?page=9&per_page=100>; rel="last"`,
			"/repositories/1/issues?page=2&per_page=100", false},
		{"https://api.github.com", `<https://api.github.com/repositories/1/issues?page=1>; rel="prev", <https://api.github.com/repositories/1/issues?page=1>; rel="first"`, "", false},
		{"https://api.github.com", ``, "", false},
		{"https://ghe.example.com/api/v3", `<https://ghe.example.com/api/v3/orgs/acme/repos?page=3>; rel="next"`, "/orgs/acme/repos?page=3", false},
		{"http://127.0.0.1:8080", `</orgs/acme/members?page=2>; rel="next"`, "/orgs/acme/members?page=2", false},
		{"https://api.github.com", `<https://api.github.com/x?page=2>; rel="last next"`, "/x?page=2", false},
		{"https://api.github.com", `<https://evil.example/steal?page=2>; rel="next"`, "", true},
		{"https://ghe.example.com/api/v3", `<https://ghe.example.com/other/orgs?page=2>; rel="next"`, "", true},
	}
	for _, c := range cases {
		got, err := nextLink(c.base, c.header)
		if (err != nil) != c.fails || got != c.want {
			t.Errorf("nextLink(%q, %q) = %q, %v; want %q (error %v)", c.base, c.header, got, err, c.want, c.fails)
		}
	}
}
