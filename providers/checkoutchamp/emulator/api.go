package emulator

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxResultsPerPage is the largest page the query endpoints give.
const maxResultsPerPage = 200

// routes maps query paths to kinds.
var routes = map[string]string{"/order/query/": "order", "/customer/query/": "customer", "/transactions/query/": "transaction"}

// plural names a kind in "No ... matching" messages.
var plural = map[string]string{"order": "orders", "customer": "customers", "transaction": "transactions"}

// serve routes a request; parameters come from the query string or a form body, as CheckoutChamp
// takes either.
func (s *Server) serve(r *http.Request) response {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return failure("Method not allowed")
	}
	if err := r.ParseForm(); err != nil {
		return failure("Invalid request parameters")
	}
	p := r.Form
	want, ok := s.cfg.Logins[p.Get("loginId")]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(p.Get("password"))) != 1 {
		return failure("Invalid login credentials")
	}
	path := r.URL.Path
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	if kind, ok := routes[path]; ok {
		return s.query(kind, p)
	}
	if path == "/customer/update/" {
		return s.updateCustomer(p)
	}
	return response{status: http.StatusNotFound, body: envelope("ERROR", "Invalid API endpoint"), header: map[string]string{"Content-Type": "application/json"}}
}

// parseBound reads a date (MM/DD/YYYY) and an optional time (HH:MM:SS) in the account's zone.
func (s *Server) parseBound(date, clock, def string) (time.Time, error) {
	if clock == "" {
		clock = def
	}
	return time.ParseInLocation("01/02/2006 15:04:05", date+" "+clock, s.cfg.Location)
}

// query answers a query endpoint: an id, or a date range over dateCreated (default) or dateUpdated,
// paged by page (from 1) and resultsPerPage (up to 200), in id order.
func (s *Server) query(kind string, p map[string][]string) response {
	get := func(k string) string {
		if v := p[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	id := get(idField[kind])
	var from, to time.Time
	if id == "" {
		if get("startDate") == "" || get("endDate") == "" {
			return failure("startDate and endDate are required when no " + idField[kind] + " is given")
		}
		var err1, err2 error
		from, err1 = s.parseBound(get("startDate"), get("startTime"), "00:00:00")
		to, err2 = s.parseBound(get("endDate"), get("endTime"), "23:59:59")
		if err1 != nil || err2 != nil {
			return failure("Invalid date range: use MM/DD/YYYY dates and HH:MM:SS times")
		}
	}
	field := "dateCreated"
	switch get("dateRangeType") {
	case "", "dateCreated":
	case "dateUpdated":
		field = "dateUpdated"
	default:
		return failure("Invalid dateRangeType " + get("dateRangeType"))
	}
	per, page := 25, 1
	if v := get("resultsPerPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxResultsPerPage {
			return failure(fmt.Sprintf("resultsPerPage must be between 1 and %d", maxResultsPerPage))
		}
		per = n
	}
	if v := get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return failure("page must be a positive number")
		}
		page = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []map[string]any
	for _, rec := range s.store[kind] {
		if id != "" {
			if fmt.Sprint(rec[idField[kind]]) == id {
				matched = append(matched, rec)
			}
			continue
		}
		t := rec[field].(time.Time)
		if !t.Before(from) && !t.After(to) {
			matched = append(matched, rec)
		}
	}
	start := (page - 1) * per
	if start >= len(matched) {
		return failure("No " + plural[kind] + " matching those parameters could be found")
	}
	data := make([]map[string]any, 0, per)
	for _, rec := range matched[start:min(start+per, len(matched))] {
		data = append(data, s.render(rec))
	}
	return success(map[string]any{"totalResults": len(matched), "resultsPerPage": per, "page": page, "data": data})
}

// updatable are the customer fields /customer/update/ changes.
var updatable = []string{"firstName", "lastName", "emailAddress", "phoneNumber", "address1", "address2", "city", "state", "postalCode", "country", "notes"}

// updateCustomer answers /customer/update/.
func (s *Server) updateCustomer(p map[string][]string) response {
	id := ""
	if v := p["customerId"]; len(v) > 0 {
		id = v[0]
	}
	fields := map[string]any{}
	for _, f := range updatable {
		if v, ok := p[f]; ok && len(v) > 0 {
			fields[f] = v[0]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup("customer", id)
	if rec == nil {
		return failure("Invalid customerId")
	}
	s.modify(rec, fields, s.now())
	return success("Customer updated successfully")
}
