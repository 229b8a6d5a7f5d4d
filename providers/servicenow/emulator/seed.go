package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "John"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen", "Backus"}
	titles     = []string{"Engineer", "Analyst", "Manager", "Technician", "Director"}
	depts      = []string{"IT", "Finance", "Sales", "HR", "Operations"}
	problems   = []string{"Email not syncing", "VPN drops every hour", "Printer jammed", "Laptop will not boot", "Password reset", "Slow network on floor 3", "Cannot open SAP", "Disk almost full"}
	categories = []string{"inquiry", "software", "hardware", "network", "database"}
	ciClasses  = []string{"cmdb_ci_computer", "cmdb_ci_server", "cmdb_ci_netgear", "cmdb_ci_database"}
	vendors    = []string{"Dell", "HP", "Lenovo", "Cisco", "Apple"}
)

// taskRefs are the reference fields of the task tables.
var taskRefs = map[string]string{"caller_id": "sys_user", "assigned_to": "sys_user", "opened_by": "sys_user"}

func pick(s *Server, from []string) string { return from[s.rng.IntN(len(from))] }

// user returns the sys_id of a random user, or "" when there is none; the caller holds s.mu.
func (s *Server) user() string {
	t := s.tables["sys_user"]
	if t == nil || len(t.byID) == 0 {
		return ""
	}
	n := s.rng.IntN(len(t.byID))
	for id := range t.byID {
		if n == 0 {
			return id
		}
		n--
	}
	return ""
}

func genUser(s *Server, n int) map[string]string {
	first, last := pick(s, firstNames), pick(s, lastNames)
	login := fmt.Sprintf("%s.%s%d", strings.ToLower(first), strings.ToLower(last), n+1)
	return map[string]string{
		"user_name": login, "first_name": first, "last_name": last, "name": first + " " + last,
		"email": login + "@example.com", "title": pick(s, titles), "department": pick(s, depts),
		"active": "true", "locked_out": "false", "phone": fmt.Sprintf("+1 555 %04d", s.rng.IntN(10000)),
	}
}

func genTask(s *Server) map[string]string {
	return map[string]string{
		"short_description": pick(s, problems), "description": "", "state": "1",
		"priority": strconv.Itoa(1 + s.rng.IntN(5)), "impact": strconv.Itoa(1 + s.rng.IntN(3)),
		"urgency": strconv.Itoa(1 + s.rng.IntN(3)), "active": "true", "assigned_to": s.user(),
		"opened_by": s.user(), "assignment_group": "", "correlation_id": "", "correlation_display": "",
		"closed_at": "", "work_notes": "",
	}
}

func genIncident(s *Server, n int) map[string]string {
	r := genTask(s)
	r["caller_id"] = s.user()
	r["category"] = pick(s, categories)
	r["resolved_at"] = ""
	return r
}

func genProblem(s *Server, n int) map[string]string {
	r := genTask(s)
	r["known_error"] = "false"
	r["problem_state"] = "101"
	return r
}

func genChange(s *Server, n int) map[string]string {
	r := genTask(s)
	r["type"] = []string{"normal", "standard", "emergency"}[s.rng.IntN(3)]
	r["risk"] = strconv.Itoa(2 + s.rng.IntN(3))
	r["state"] = "-5"
	r["start_date"], r["end_date"] = "", ""
	return r
}

func genCI(s *Server, n int) map[string]string {
	return map[string]string{
		"name": fmt.Sprintf("ci-%05d", n+1), "sys_class_name": pick(s, ciClasses),
		"serial_number": fmt.Sprintf("SN%08d", s.rng.IntN(1e8)), "install_status": "1",
		"operational_status": "1", "ip_address": fmt.Sprintf("10.0.%d.%d", s.rng.IntN(256), 1+s.rng.IntN(254)),
		"manufacturer": pick(s, vendors), "comments": "",
	}
}

// changeTask moves a task along its states.
func changeTask(s *Server, r map[string]string) map[string]string {
	st, _ := strconv.Atoi(r["state"])
	return map[string]string{"state": strconv.Itoa(st%6 + 1), "work_notes": "touched " + strconv.Itoa(s.rng.IntN(1e6))}
}

// seed creates n records per table, stamped over the past month so that they precede any checkpoint,
// and updates some of them.
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.now().Add(-30 * 24 * time.Hour)
	for ti, sp := range specs {
		t := s.tables[sp.name]
		for i := range n {
			at := start.Add(time.Duration(ti)*time.Hour + time.Duration(i)*time.Minute)
			rec := s.insert(t, nil, at)
			if i%3 == 0 {
				s.modify(rec, sp.change(s, rec), at.Add(time.Duration(1+s.rng.IntN(600))*time.Second))
			}
		}
	}
}
