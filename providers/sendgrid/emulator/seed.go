package emulator

import (
	"fmt"
	"time"
)

var names = []string{"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken", "Radia"}

// seed creates n objects per collection, one minute apart in the past.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.cfg.Now().Add(-time.Duration(n+60) * time.Minute)
	for _, c := range collections {
		for i := range n {
			if _, err := s.create(c, sample(c, i), start.Add(time.Duration(i)*time.Minute)); err != nil {
				panic(fmt.Sprintf("emulator: seeding %s: %v", c, err))
			}
		}
	}
}

// sample returns creation data for the i-th typical object of coll.
func sample(coll string, i int) map[string]any {
	name := names[i%len(names)]
	switch coll {
	case "contacts":
		return map[string]any{"email": fmt.Sprintf("%s.%d@example.com", lower(name), i), "first_name": name, "last_name": fmt.Sprintf("Contact %d", i),
			"city": "Denver", "country": "US", "custom_fields": map[string]any{"e1_T": fmt.Sprintf("tier-%d", i%3)}}
	case "lists":
		return map[string]any{"name": fmt.Sprintf("List %d", i)}
	case "segments":
		return map[string]any{"name": fmt.Sprintf("Segment %d", i), "query_dsl": fmt.Sprintf("email LIKE '%%%d@example.com'", i)}
	case "templates":
		return map[string]any{"name": fmt.Sprintf("Template %d", i), "generation": []string{"dynamic", "legacy"}[i%2]}
	default:
		return map[string]any{"email": fmt.Sprintf("unsub.%d@example.com", i)}
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
