package emulator

import (
	"fmt"
	"time"
)

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken", "Radia"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Hamilton", "Thompson", "Perlman"}
	appTypes   = []string{"spa", "regular_web", "non_interactive", "native"}
	strategies = []string{"auth0", "google-oauth2", "samlp", "waad"}
)

// seed creates n objects per collection. Their timestamps lie in the past, one minute apart, so that a
// change feed started now reports none of them.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.cfg.Now().Add(-time.Duration(n+60) * time.Minute)
	for _, k := range kinds {
		for i := range n {
			at := start.Add(time.Duration(i) * time.Minute)
			o := s.sample(k, i, at)
			if k.name == "users" {
				o["created_at"], o["updated_at"] = stamp(at.Add(-time.Hour)), stamp(at)
				o["last_login"] = stamp(at)
				o["logins_count"] = i % 17
			}
			if _, err := s.create(k, o); err != nil {
				panic(fmt.Sprintf("emulator: seeding %s: %v", k.name, err))
			}
		}
	}
	s.logs, s.logSeq = nil, 0 // a fresh tenant: the seed is history older than the log retention
}

// sample returns creation data for the i-th typical object of k; callers hold s.mu.
func (s *Server) sample(k kind, i int, at time.Time) map[string]any {
	first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	switch k.name {
	case "users":
		return map[string]any{
			"email":          fmt.Sprintf("%s.%s.%d@example.com", lower(first), lower(last), i),
			"email_verified": i%3 != 0,
			"name":           first + " " + last,
			"given_name":     first,
			"family_name":    last,
			"connection":     "Username-Password-Authentication",
			"user_metadata":  map[string]any{"plan": []string{"free", "pro", "team"}[i%3]},
			"app_metadata":   map[string]any{"tier": i % 4},
		}
	case "organizations":
		return map[string]any{
			"name":         fmt.Sprintf("org-%d-%s", i, lower(last)),
			"display_name": fmt.Sprintf("%s Labs %d", last, i),
			"branding":     map[string]any{"colors": map[string]any{"primary": "#0059d6", "page_background": "#000000"}},
			"metadata":     map[string]any{"region": []string{"eu", "us", "apac"}[i%3]},
		}
	case "roles":
		return map[string]any{"name": fmt.Sprintf("role-%d", i), "description": fmt.Sprintf("Role %d for %s", i, first)}
	case "clients":
		return map[string]any{
			"name": fmt.Sprintf("%s App %d", last, i), "description": "", "app_type": appTypes[i%len(appTypes)],
			"is_first_party": true, "oidc_conformant": true, "callbacks": []any{fmt.Sprintf("https://app%d.example.com/callback", i)},
			"allowed_origins": []any{}, "grant_types": []any{"authorization_code", "refresh_token"},
			"token_endpoint_auth_method": "client_secret_post", "tenant": "sequin-test", "global": false,
		}
	default:
		name := fmt.Sprintf("conn-%d", i)
		return map[string]any{
			"name": name, "display_name": fmt.Sprintf("Connection %d", i), "strategy": strategies[i%len(strategies)],
			"enabled_clients": []any{}, "is_domain_connection": false, "realms": []any{name}, "options": map[string]any{},
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
