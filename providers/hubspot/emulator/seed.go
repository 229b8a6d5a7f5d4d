package emulator

import (
	"strconv"
	"strings"
)

// prng is a small splitmix64 generator: deterministic and cheap, so seeding 10,000 objects per
// collection takes milliseconds.
type prng struct{ s uint64 }

func (p *prng) next() uint64 {
	p.s += 0x9e3779b97f4a7c15
	z := p.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (p *prng) intn(n int) int         { return int(p.next() % uint64(n)) }
func (p *prng) chance(pct int) bool    { return p.intn(100) < pct }
func (p *prng) pick(l []string) string { return l[p.intn(len(l))] }
func (p *prng) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(p.next()%uint64(hi-lo+1))
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine", "Linus", "Margaret", "Niklaus", "Radia", "Tim", "Vint", "Hedy", "Dennis", "Ken", "Sophie", "Guido"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Johnson", "Torvalds", "Hamilton", "Wirth", "Perlman", "Berners-Lee", "Cerf", "Lamarr", "Ritchie", "Thompson", "Wilson", "van Rossum"}
	words      = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Oscorp", "Aperture", "Black Mesa", "Massive Dynamic"}
	suffixes   = []string{"Inc", "LLC", "Ltd", "GmbH", "Corp", "Group", "Labs", "Systems"}
	cities     = []string{"Boston", "Dublin", "Berlin", "Singapore", "Sydney", "Paris", "Toronto", "Austin", "Tokyo", "Bogotá"}
	countries  = []string{"United States", "Ireland", "Germany", "Singapore", "Australia", "France", "Canada", "United States", "Japan", "Colombia"}
	jobTitles  = []string{"CEO", "CTO", "VP Sales", "Marketing Manager", "Engineer", "Account Executive", "Head of Support", "Product Manager"}
	products   = []string{"Starter plan", "Professional plan", "Enterprise plan", "Onboarding", "Support add-on", "Extra seats"}
	subjects   = []string{"Cannot log in", "Invoice question", "Feature request: exports", "Integration broken", "Data import failed", "Password reset"}
)

// seed fills st with n objects of every CRM type and n owners. Times lie in the past (creation up to
// 400 days ago, last modification at least a day ago), so changes made after start are always newer.
func seed(st *store, n int, randSeed uint64, now int64) {
	if n <= 0 {
		return
	}
	p := &prng{s: randSeed}
	stamp := func() (int64, int64) {
		created := p.between(now-400*day, now-2*day)
		return created, p.between(created, now-day)
	}
	for i := range n {
		created, updated := stamp()
		first, last := p.pick(firstNames), p.pick(lastNames)
		st.addOwner(&owner{
			email:     strings.ToLower(first) + "." + strings.ToLower(strings.ReplaceAll(last, " ", "")) + strconv.Itoa(i) + "@example.com",
			firstName: first, lastName: last, userID: 9586504 + int64(i), created: created, updated: updated,
			teams: []team{{ID: strconv.Itoa(1000 + i%5), Name: "Team " + strconv.Itoa(1+i%5), Primary: true}},
		})
	}
	ownerID := func() string {
		if p.chance(20) {
			return ""
		}
		return strconv.FormatInt(st.owners[p.intn(len(st.owners))].id, 10)
	}
	add := func(t *objectType, props map[string]string) {
		created, updated := stamp()
		o := &object{props: props, created: created, updated: updated, visible: updated}
		st.tables[t.name].insert(o)
	}
	for i := range n {
		first, last := p.pick(firstNames), p.pick(lastNames)
		c := p.intn(len(cities))
		company := p.pick(words) + " " + p.pick(suffixes)
		props := map[string]string{
			"email":     strings.ToLower(first) + "." + strings.ToLower(strings.ReplaceAll(last, " ", "")) + "+" + strconv.Itoa(i) + "@" + domainOf(company),
			"firstname": first, "lastname": last, "company": company, "jobtitle": p.pick(jobTitles),
			"city": cities[c], "country": countries[c], "lifecyclestage": p.pick(lifecycleStages),
			"hubspot_owner_id": ownerID(),
		}
		if p.chance(70) {
			props["phone"] = "+1 617 555 " + strconv.Itoa(1000+p.intn(9000))
		}
		if p.chance(50) {
			props["hs_lead_status"] = p.pick(leadStatuses)
		}
		add(contacts, props)
	}
	for range n {
		name := p.pick(words) + " " + p.pick(suffixes)
		c := p.intn(len(cities))
		add(companies, map[string]string{
			"name": name, "domain": domainOf(name), "industry": p.pick(industries), "city": cities[c], "country": countries[c],
			"numberofemployees": strconv.Itoa(1 + p.intn(5000)), "annualrevenue": strconv.Itoa(10000 * (1 + p.intn(100000))),
			"lifecyclestage": p.pick(lifecycleStages), "type": p.pick(companyTypes), "hubspot_owner_id": ownerID(),
		})
	}
	for range n {
		stage := p.pick(dealStages)
		props := map[string]string{
			"dealname": p.pick(words) + " - " + p.pick(products), "amount": strconv.Itoa(100*(1+p.intn(2000))) + ".00",
			"dealstage": stage, "pipeline": "default", "dealtype": p.pick(dealTypes), "hs_priority": p.pick(priorities),
			"hs_is_closed": strconv.FormatBool(stage == "closedwon" || stage == "closedlost"), "hubspot_owner_id": ownerID(),
		}
		if p.chance(80) {
			props["closedate"] = isoMs(p.between(now-300*day, now+90*day))
		}
		add(deals, props)
	}
	for range n {
		stage := p.pick(ticketStages)
		props := map[string]string{
			"subject": p.pick(subjects), "content": "Reported through the " + strings.ToLower(p.pick(ticketSources)) + " channel.",
			"hs_pipeline": "0", "hs_pipeline_stage": stage, "hs_ticket_priority": p.pick(ticketPriority),
			"hs_ticket_category": p.pick(ticketCategory), "source_type": p.pick(ticketSources), "hubspot_owner_id": ownerID(),
		}
		if stage == "4" {
			props["closed_date"] = isoMs(p.between(now-100*day, now-day))
		}
		add(tickets, props)
	}
	for range n {
		qty, price := 1+p.intn(20), 10*(1+p.intn(500))
		add(lineItems, map[string]string{
			"name": p.pick(products), "quantity": strconv.Itoa(qty), "price": strconv.Itoa(price) + ".00",
			"amount": strconv.Itoa(qty*price) + ".00", "hs_sku": "SKU-" + strconv.Itoa(100+p.intn(900)),
			"hs_recurring_billing_period": p.pick(billingPeriods),
		})
	}
}

// domainOf makes a web domain from a company name.
func domainOf(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String() + ".com"
}
