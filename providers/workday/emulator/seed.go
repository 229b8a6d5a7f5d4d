package emulator

import (
	"fmt"
	"strings"
	"time"
)

// ref is a Workday reference to another object: its id and descriptor.
func ref(id, descriptor string) map[string]any {
	return map[string]any{"id": id, "descriptor": descriptor}
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Niklaus", "Margaret", "John"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Wirth", "Hamilton", "Backus"}
	jobs       = []string{"Software Engineer", "Product Manager", "HR Business Partner", "Accountant", "Sales Representative", "Data Analyst", "Recruiter"}
	orgNames   = []string{"Engineering", "Product", "Human Resources", "Finance", "Sales", "Marketing", "Operations", "Legal"}
	workerType = []map[string]any{ref("9f1a6c2be0d24d2c8b7e1f0a3c5d7e90", "Employee"), ref("0b2c4d6e8f1a3c5e7a9b1d3f5a7c9e1b", "Contingent Worker")}
	locations  = []map[string]any{ref("4d5e6f708192a3b4c5d6e7f8091a2b3c", "San Francisco"), ref("5e6f708192a3b4c5d6e7f8091a2b3c4d", "New York"), ref("6f708192a3b4c5d6e7f8091a2b3c4d5e", "Dublin")}
	orgTypes   = []map[string]any{ref("7a8b9cadbecfd0e1f2031425364758a9", "Supervisory"), ref("8b9cadbecfd0e1f2031425364758a9ba", "Cost Center")}
)

// jobProfile is the reference of a job profile by its name.
func jobProfile(i int) map[string]any {
	return ref(fmt.Sprintf("a1b2c3d4e5f60718293a4b5c6d7e8f%02x", i), jobs[i])
}

// seed creates n objects per collection, last updated over the past days.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.cfg.Now().UTC().Truncate(time.Millisecond).Add(-72 * time.Hour)
	i := 0
	for _, name := range Collections {
		c := s.store[name]
		for range n {
			obj := s.generate(name)
			id := obj["id"].(string)
			i++
			at := start.Add(time.Duration(i) * time.Second)
			c.byID[id] = &object{data: obj, updated: at}
			c.order = append(c.order, id)
			if at.After(s.last) {
				s.last = at
			}
		}
	}
}

// pick returns a random existing object of a collection as a reference, or nil when it has none. The
// caller holds s.mu.
func (s *Server) pick(collection string) map[string]any {
	c := s.store[collection]
	if len(c.order) == 0 {
		return nil
	}
	o := c.byID[c.order[s.rng.IntN(len(c.order))]]
	return ref(o.data["id"].(string), o.data["descriptor"].(string))
}

// generate returns a typical new object of a collection. The caller holds s.mu.
func (s *Server) generate(collection string) map[string]any {
	c := s.store[collection]
	c.seq++
	id := s.newID()
	switch collection {
	case "organizations":
		name := fmt.Sprintf("%s %d", orgNames[s.rng.IntN(len(orgNames))], c.seq)
		var superior any
		if p := s.pick("organizations"); p != nil && s.rng.IntN(4) > 0 {
			superior = p
		}
		return map[string]any{"id": id, "descriptor": name, "referenceId": fmt.Sprintf("SUP_ORG_%05d", c.seq),
			"organizationType": orgTypes[s.rng.IntN(len(orgTypes))], "isActive": true,
			"manager": nil, "superiorOrganization": superior}
	case "positions":
		j := s.rng.IntN(len(jobs))
		pid := fmt.Sprintf("P-%05d", c.seq)
		var org any
		if p := s.pick("organizations"); p != nil {
			org = p
		}
		avail := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, s.rng.IntN(700))
		return map[string]any{"id": id, "descriptor": pid + " " + jobs[j], "positionId": pid, "jobProfile": jobProfile(j),
			"supervisoryOrganization": org, "worker": nil, "isFilled": false, "availabilityDate": avail.Format(time.DateOnly)}
	default: // workers
		first, last := firstNames[s.rng.IntN(len(firstNames))], lastNames[s.rng.IntN(len(lastNames))]
		name := first + " " + last
		j := s.rng.IntN(len(jobs))
		var org, pos any
		if p := s.pick("organizations"); p != nil {
			org = p
		}
		if p := s.pick("positions"); p != nil {
			pos = p
		}
		wid := fmt.Sprintf("%d", 21000+c.seq)
		return map[string]any{"id": id, "descriptor": name, "workerId": wid, "workerType": workerType[s.rng.IntN(len(workerType))],
			"businessTitle": jobs[j], "primaryWorkEmail": strings.ToLower(first+"."+last) + wid + "@acme.example",
			"isManager": s.rng.IntN(5) == 0, "location": locations[s.rng.IntN(len(locations))],
			"primarySupervisoryOrganization": org,
			"primaryJob":                     map[string]any{"id": s.newID(), "descriptor": jobs[j] + " - " + name, "jobProfile": jobProfile(j), "position": pos}}
	}
}

// change returns the fields of a typical update of an object. The caller holds s.mu.
func (s *Server) change(collection string, obj map[string]any) map[string]any {
	rev := s.store[collection].seq + s.rng.IntN(1000)
	switch collection {
	case "organizations":
		base, _, _ := strings.Cut(fmt.Sprint(obj["descriptor"]), " (")
		return map[string]any{"descriptor": fmt.Sprintf("%s (renamed %d)", base, rev)}
	case "positions":
		d, err := time.Parse(time.DateOnly, fmt.Sprint(obj["availabilityDate"]))
		if err != nil {
			d = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return map[string]any{"availabilityDate": d.AddDate(0, 0, 1+s.rng.IntN(30)).Format(time.DateOnly)}
	default:
		return map[string]any{"businessTitle": fmt.Sprintf("Senior %s %d", jobs[s.rng.IntN(len(jobs))], rev)}
	}
}
