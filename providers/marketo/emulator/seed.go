package emulator

import (
	"fmt"
	"time"
)

var names = []string{"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken", "Radia"}

func sampleLead(i int) map[string]any {
	n := names[i%len(names)]
	return map[string]any{"email": fmt.Sprintf("%s.%d@example.com", n, i), "firstName": n, "lastName": fmt.Sprintf("Lead%d", i),
		"company": fmt.Sprintf("Company %d", i%37), "leadSource": []string{"Website", "Webinar", "Trade Show"}[i%3]}
}

func sampleProgram(i int) map[string]any {
	return map[string]any{"name": fmt.Sprintf("Program %d", i), "channel": []string{"Webinar", "Email Blast", "Tradeshow"}[i%3]}
}

// seed creates n leads, programs, lists and marketing activities, one minute apart in the past, with
// the lifecycle activities their creation records.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.cfg.Now().Add(-time.Duration(n+60) * time.Minute)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		s.upsertLead(sampleLead(i), "createOrUpdate", "email", at)
		s.addProgram(sampleProgram(i), at)
		s.addList(map[string]any{"name": fmt.Sprintf("List %d", i)}, at)
		s.addActivity(1+i, MarketingActivities[i%len(MarketingActivities)], fmt.Sprintf("https://example.com/page/%d", i), at.Add(30*time.Second), nil)
	}
}
