package emulator

import (
	"fmt"
	"math"
	"strings"
	"time"
)

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Dennis", "Radia", "Tim"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen", "Ritchie", "Perlman", "Berners-Lee"}
	adjectives = []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Cyberdyne", "Soylent", "Hooli", "Vandelay"}
	nouns      = []string{"Systems", "Logistics", "Foods", "Robotics", "Energy", "Labs", "Analytics", "Textiles"}
	industries = []string{"Technology", "Manufacturing", "Retail", "Finance", "Healthcare", "Education", "Energy"}
	cities     = []struct{ city, state, country, zip string }{
		{"San Francisco", "CA", "United States", "94105"}, {"New York", "NY", "United States", "10001"},
		{"London", "", "United Kingdom", "EC1A 1BB"}, {"Berlin", "", "Germany", "10115"}, {"Toronto", "ON", "Canada", "M5H 2N2"},
	}
	stages       = []string{"Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"}
	leadStatuses = []string{"Open - Not Contacted", "Working - Contacted", "Closed - Not Converted"}
	sources      = []string{"Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"}
	taskStatuses = []string{"Not Started", "In Progress", "Completed", "Waiting on someone else"}
	priorities   = []string{"High", "Normal", "Low"}
	invoiceState = []string{"Draft", "Sent", "Paid", "Void"}
)

// pick returns a random element; the caller holds s.mu.
func pick[T any](s *Server, xs []T) T { return xs[s.rng.IntN(len(xs))] }

// seedOrder creates objects after the ones they refer to.
var seedOrder = []string{"User", "Account", "Contact", "Lead", "Opportunity", "Task", "Invoice__c"}

// seed creates n records per object, stamped over the 30 days before now, oldest first, so that they
// are older than any change a test makes.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	start := now.Add(-30 * 24 * time.Hour)
	total := n*len(seedOrder) + 1
	step := max(time.Millisecond, (29*24*time.Hour)/time.Duration(total))
	at := start
	tick := func() time.Time { at = at.Add(step); return at }

	admin, err := s.st.create(s.st.tables["User"], map[string]any{
		"Username": "integration@sequin-emulator.example", "FirstName": "Integration", "LastName": "User",
		"Email": "integration@sequin-emulator.example", "Alias": "integ", "IsActive": true,
		"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "Title": "API integration",
	}, tick())
	if err != nil {
		panic("emulator: seeding the integration user: " + err.Error())
	}
	s.st.userID = admin.id
	admin.values["CreatedById"], admin.values["LastModifiedById"] = admin.id, admin.id
	for _, name := range seedOrder {
		t := s.st.tables[name]
		for i := 0; i < n; i++ {
			if _, err := s.st.create(t, s.sample(name), tick()); err != nil {
				panic(fmt.Sprintf("emulator: seeding %s: %v", name, err))
			}
		}
	}
}

// someID returns the id of a random live record of an object, or nil when it has none.
func (s *Server) someID(name string) any {
	t := s.st.tables[name]
	for range 8 {
		if len(t.ids) == 0 {
			return nil
		}
		id := t.ids[s.rng.IntN(len(t.ids))]
		if r := t.byID[id15(id)]; r != nil && !r.deleted {
			return id
		}
	}
	if recs := t.live(); len(recs) > 0 {
		return recs[s.rng.IntN(len(recs))].id
	}
	return nil
}

// sample returns valid field values for a new record of an object; the caller holds s.mu.
func (s *Server) sample(name string) map[string]any {
	s.suite++
	n := s.suite
	first, last := pick(s, firstNames), pick(s, lastNames)
	place := pick(s, cities)
	money := func(lo, hi int) float64 { return math.Round(float64(lo+s.rng.IntN(hi-lo))*100) / 100 }
	day := func(offset int) string {
		return s.cfg.Now().AddDate(0, 0, offset-s.rng.IntN(60)).Format("2006-01-02")
	}
	email := fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(strings.ReplaceAll(last, "-", "")), n)
	switch name {
	case "User":
		return map[string]any{"Username": fmt.Sprintf("user%d@sequin-emulator.example", n), "FirstName": first,
			"LastName": last, "Email": email, "Alias": fmt.Sprintf("u%d", n%100000), "IsActive": s.rng.IntN(10) > 0,
			"TimeZoneSidKey": "America/New_York", "LocaleSidKey": "en_US", "Title": "Account Executive",
			"Department": pick(s, []string{"Sales", "Support", "Marketing"}), "ProfileId": makeID("00e", 1+s.rng.IntN(3))}
	case "Account":
		return map[string]any{"Name": fmt.Sprintf("%s %s %d", pick(s, adjectives), pick(s, nouns), n),
			"Type":     pick(s, []string{"Prospect", "Customer - Direct", "Customer - Channel", "Partner"}),
			"Industry": pick(s, industries), "AnnualRevenue": money(100000, 50000000),
			"NumberOfEmployees": float64(5 + s.rng.IntN(5000)), "Phone": fmt.Sprintf("+1 415 555 %04d", n%10000),
			"Website":       fmt.Sprintf("https://www.example%d.com", n),
			"BillingStreet": fmt.Sprintf("%d Market Street", 1+s.rng.IntN(900)), "BillingCity": place.city,
			"BillingState": nilIfEmpty(place.state), "BillingPostalCode": place.zip, "BillingCountry": place.country,
			"Rating": pick(s, []string{"Hot", "Warm", "Cold"}), "OwnerId": s.someID("User")}
	case "Contact":
		return map[string]any{"AccountId": s.someID("Account"), "FirstName": first, "LastName": last, "Email": email,
			"Phone": fmt.Sprintf("+1 212 555 %04d", n%10000), "Title": pick(s, []string{"CEO", "CTO", "VP Sales", "Buyer"}),
			"Birthdate":  fmt.Sprintf("19%02d-%02d-%02d", 50+s.rng.IntN(49), 1+s.rng.IntN(12), 1+s.rng.IntN(28)),
			"LeadSource": pick(s, sources), "MailingCity": place.city, "MailingCountry": place.country,
			"MailingPostalCode": place.zip, "OwnerId": s.someID("User")}
	case "Lead":
		return map[string]any{"FirstName": first, "LastName": last, "Company": fmt.Sprintf("%s %s", pick(s, adjectives), pick(s, nouns)),
			"Email": email, "Status": pick(s, leadStatuses), "LeadSource": pick(s, sources), "Industry": pick(s, industries),
			"AnnualRevenue": money(10000, 9000000), "NumberOfEmployees": float64(1 + s.rng.IntN(900)),
			"City": place.city, "Country": place.country, "OwnerId": s.someID("User")}
	case "Opportunity":
		stage := pick(s, stages)
		return map[string]any{"AccountId": s.someID("Account"), "Name": fmt.Sprintf("Deal %d", n), "StageName": stage,
			"Amount": money(1000, 500000), "Probability": float64(10 * s.rng.IntN(11)), "CloseDate": day(30),
			"Type":       pick(s, []string{"New Customer", "Existing Customer - Upgrade", "Existing Customer - Renewal"}),
			"LeadSource": pick(s, sources), "OwnerId": s.someID("User")}
	case "Task":
		return map[string]any{"WhoId": s.someID("Contact"), "WhatId": s.someID("Account"),
			"Subject": pick(s, []string{"Call", "Email", "Send Quote", "Follow up"}), "ActivityDate": day(14),
			"Status": pick(s, taskStatuses), "Priority": pick(s, priorities), "OwnerId": s.someID("User"),
			"TaskSubtype": pick(s, []string{"Task", "Call", "Email"})}
	case "Invoice__c":
		return map[string]any{"Name": fmt.Sprintf("INV-%06d", n), "Account__c": s.someID("Account"),
			"Amount__c": money(100, 90000), "Status__c": pick(s, invoiceState), "Due_Date__c": day(45),
			"Paid__c": s.rng.IntN(2) == 0, "Issued_At__c": formatTime(s.cfg.Now().Add(-time.Duration(s.rng.IntN(1000)) * time.Hour)),
			"Line_Count__c": float64(1 + s.rng.IntN(20)), "Discount__c": float64(5 * s.rng.IntN(5)),
			"Billing_Location__Latitude__s":  math.Round((s.rng.Float64()*180-90)*1e6) / 1e6,
			"Billing_Location__Longitude__s": math.Round((s.rng.Float64()*360-180)*1e6) / 1e6, "OwnerId": s.someID("User")}
	}
	return map[string]any{}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
