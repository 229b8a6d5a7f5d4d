package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	companies  = []string{"Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Tyrell"}
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson"}
	titles     = []string{"Accountant", "Controller", "Buyer", "Sales Rep", "Warehouse Lead"}
	statuses   = []string{"A", "B", "D", "F", "G"}
)

func pick(s *Server, from []string) string { return from[s.rng.IntN(len(from))] }

func genCustomer(s *Server, n int) map[string]any {
	c := pick(s, companies)
	return map[string]any{
		"entityid": fmt.Sprintf("CUST%05d", n+1), "companyname": fmt.Sprintf("%s %d", c, n+1),
		"email": fmt.Sprintf("ap%d@%s.example.com", n+1, strings.ToLower(strings.Fields(c)[0])),
		"phone": fmt.Sprintf("555-%04d", s.rng.IntN(10000)), "isinactive": "F", "isperson": "F",
		"subsidiary": "1", "currency": "1", "terms": "2",
		"balancesearch": strconv.Itoa(s.rng.IntN(100000)),
	}
}

// customer returns a random customer's id, or ""; the caller holds s.mu.
func (s *Server) customer() string {
	for id := range s.tables["customer"] {
		return id
	}
	return ""
}

func genTransaction(s *Server, prefix string, n int) map[string]any {
	total := float64(s.rng.IntN(500000)) / 100
	return map[string]any{
		"tranid": fmt.Sprintf("%s%05d", prefix, n+1), "entity": s.customer(), "trandate": s.now().Add(-time.Duration(s.rng.IntN(90)) * 24 * time.Hour),
		"status": pick(s, statuses), "foreigntotal": strconv.FormatFloat(total, 'f', 2, 64), "currency": "1",
		"memo": "", "subsidiary": "1",
	}
}

func genSalesOrder(s *Server, n int) map[string]any { return genTransaction(s, "SO", n) }
func genInvoice(s *Server, n int) map[string]any    { return genTransaction(s, "INV", n) }

func changeTransaction(s *Server) map[string]any {
	return map[string]any{"memo": "memo " + strconv.Itoa(s.rng.IntN(1e6)), "status": pick(s, statuses)}
}

func genItem(s *Server, n int) map[string]any {
	return map[string]any{
		"itemid": fmt.Sprintf("WIDGET-%05d", n+1), "displayname": fmt.Sprintf("Widget %d", n+1),
		"description": "A widget", "isinactive": "F", "baseprice": strconv.Itoa(1 + s.rng.IntN(500)),
		"cost": strconv.Itoa(1 + s.rng.IntN(200)),
	}
}

func genEmployee(s *Server, n int) map[string]any {
	first, last := pick(s, firstNames), pick(s, lastNames)
	return map[string]any{
		"entityid": fmt.Sprintf("%s %s %d", first, last, n+1), "firstname": first, "lastname": last,
		"email": fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), n+1),
		"title": pick(s, titles), "isinactive": "F", "subsidiary": "1", "department": strconv.Itoa(1 + s.rng.IntN(5)),
	}
}

// seed creates n records of each type, stamped over the past month so that they precede any
// checkpoint, and updates a third of them.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.now().Add(-30 * 24 * time.Hour)
	for ti, rt := range recordTypes {
		for i := range n {
			at := start.Add(time.Duration(ti)*time.Hour + time.Duration(i)*time.Minute)
			row := s.insert(rt, nil, at)
			if i%3 == 0 {
				s.modify(row, rt.change(s), at.Add(time.Duration(1+s.rng.IntN(600))*time.Second))
			}
		}
	}
}
