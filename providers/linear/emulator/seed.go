package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTeamID is the id of the team every emulated workspace has, so that tests can create issues
// in it without looking it up.
const DefaultTeamID = "5c1e7c6a-0d6b-4d3e-9f0e-6a1b2c3d4e5f"

// Seed data: plausible names.
var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Donald", "Frances", "John"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Perlman", "Knuth", "Allen", "Backus"}
	teamNames  = []string{"Engineering", "Design", "Product", "Platform", "Mobile", "Growth", "Infrastructure", "Support", "Data", "Security"}
	verbs      = []string{"Fix", "Add", "Improve", "Remove", "Refactor", "Document", "Investigate", "Speed up", "Migrate", "Test"}
	nouns      = []string{"login flow", "billing page", "search index", "webhook retries", "export to CSV", "dark mode", "onboarding emails", "API rate limits", "sync engine", "audit log"}
	stateDefs  = []struct{ name, typ, color string }{
		{"Backlog", "backlog", "#bec2c8"}, {"Todo", "unstarted", "#e2e2e2"}, {"In Progress", "started", "#f2c94c"},
		{"Done", "completed", "#5e6ad2"}, {"Canceled", "canceled", "#95a2b3"},
	}
)

// seedSpan is how far back seeded entities were created, and seedGap how long before now the last
// seeded change happened, so that no seeded change looks recent to a change feed.
const (
	seedSpan = 365 * 24 * time.Hour
	seedGap  = 10 * time.Second
)

// seed fills the workspace with n entities per collection (at least one team and one user).
func (s *Server) seed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	end := s.nowMs() - seedGap.Milliseconds()
	times := func() (int64, int64) {
		created := end - s.rng.Int64N(seedSpan.Milliseconds())
		return created, created + s.rng.Int64N(end-created+1)
	}
	add := func(typ, id string, props map[string]any) *entity {
		if id == "" {
			id = s.newID()
		}
		e := &entity{typ: typ, id: id, props: props}
		e.created, e.updated = times()
		s.st.add(e)
		return e
	}
	var teams, users, projects, issues []*entity
	for i := range max(n, 1) {
		id := ""
		if i == 0 {
			id = DefaultTeamID
		}
		name := teamNames[i%len(teamNames)]
		key := strings.ToUpper(name[:3])
		if i >= len(teamNames) {
			name += " " + strconv.Itoa(i/len(teamNames)+1)
			key += strconv.Itoa(i / len(teamNames))
		}
		t := add(tTeam, id, map[string]any{"key": key, "name": name, "displayName": name,
			"description": name + " team", "color": "#5e6ad2", "private": i%9 == 8, "timezone": "Europe/London",
			"cyclesEnabled": i%2 == 0})
		teams = append(teams, t)
		for j, d := range stateDefs {
			st := add(tWorkflowState, "", map[string]any{"name": d.name, "type": d.typ, "color": d.color,
				"position": float64(j), "teamId": t.id})
			st.created, st.updated = t.created, t.created
		}
	}
	for i := range max(n, 1) {
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		name := first + " " + last
		handle := strings.ToLower(first) + "." + strings.ToLower(last) + strconv.Itoa(i)
		u := add(tUser, "", map[string]any{"name": name, "displayName": strings.ToLower(first) + strconv.Itoa(i),
			"email": handle + "@example.com", "active": i == 0 || i%7 != 6, "admin": i == 0, "guest": i%11 == 10,
			"timezone": "Europe/London", "url": "https://linear.app/sequin-emulator/profiles/" + handle})
		users = append(users, u)
	}
	// Besides n live projects and issues, every 21st is archived (half of the issues also trashed),
	// as old work is in a real workspace.
	for i := range n + n/20 {
		lead := users[s.rng.IntN(len(users))]
		name := fmt.Sprintf("%s %s", verbs[i%len(verbs)], nouns[(i/len(verbs))%len(nouns)])
		p := add(tProject, "", map[string]any{"name": name, "description": "Project about " + nouns[i%len(nouns)],
			"slugId": fmt.Sprintf("%012x", s.rng.Uint64()&0xffffffffffff), "color": "#26b5ce",
			"state":    []string{"planned", "started", "paused", "completed", "canceled"}[s.rng.IntN(5)],
			"priority": int64(s.rng.IntN(5)), "progress": float64(s.rng.IntN(101)) / 100,
			"leadId": lead.id, "creatorId": users[0].id})
		p.props["url"] = "https://linear.app/sequin-emulator/project/" + slug(name) + "-" + p.str("slugId")
		if i%21 == 20 {
			p.archived = p.updated
		}
		projects = append(projects, p)
	}
	teamCycles := map[string][]*entity{}
	for i := range n {
		t := teams[i%len(teams)]
		s.st.cycleCounters[t.id]++
		num := s.st.cycleCounters[t.id]
		starts := end - seedSpan.Milliseconds() + num*14*24*3600*1000
		c := add(tCycle, "", map[string]any{"number": num, "name": "Cycle " + strconv.FormatInt(num, 10),
			"startsAt": iso(starts), "endsAt": iso(starts + 14*24*3600*1000), "progress": float64(s.rng.IntN(101)) / 100,
			"teamId": t.id})
		teamCycles[t.id] = append(teamCycles[t.id], c)
	}
	for i := range n + n/20 {
		t := teams[s.rng.IntN(min(len(teams), 5))]
		title := fmt.Sprintf("%s %s", verbs[s.rng.IntN(len(verbs))], nouns[s.rng.IntN(len(nouns))])
		s.st.teamCounters[t.id]++
		num := s.st.teamCounters[t.id]
		ident := t.str("key") + "-" + strconv.FormatInt(num, 10)
		prio := int64(s.rng.IntN(5))
		props := map[string]any{"title": title, "description": "Seeded issue " + strconv.Itoa(i) + ".",
			"teamId": t.id, "number": num, "identifier": ident, "priority": prio, "priorityLabel": priorityLabels[prio],
			"url":        "https://linear.app/sequin-emulator/issue/" + ident + "/" + slug(title),
			"branchName": strings.ToLower(ident) + "-" + slug(title), "labelIds": []any{},
			"sortOrder": float64(s.rng.IntN(100000)) / 10, "creatorId": users[s.rng.IntN(len(users))].id}
		if s.rng.IntN(3) > 0 {
			props["assigneeId"] = users[s.rng.IntN(len(users))].id
		}
		if len(projects) > 0 && s.rng.IntN(2) == 0 {
			props["projectId"] = projects[s.rng.IntN(len(projects))].id
		}
		if s.rng.IntN(4) == 0 {
			props["estimate"] = int64(1 + s.rng.IntN(8))
		}
		if s.rng.IntN(4) == 0 {
			props["dueDate"] = time.UnixMilli(end).AddDate(0, 0, s.rng.IntN(60)-30).UTC().Format("2006-01-02")
		}
		if len(issues) > 0 && s.rng.IntN(6) == 0 {
			props["parentId"] = issues[s.rng.IntN(len(issues))].id
		}
		e := add(tIssue, "", props)
		states := s.st.states[t.id]
		e.props["stateId"] = states[s.rng.IntN(len(states))].id
		switch s.st.get(tWorkflowState, e.str("stateId")).str("type") {
		case "started":
			e.props["startedAt"] = iso(e.updated)
		case "completed":
			e.props["startedAt"], e.props["completedAt"] = iso(e.created), iso(e.updated)
		case "canceled":
			e.props["canceledAt"] = iso(e.updated)
		}
		if tc := teamCycles[t.id]; len(tc) > 0 && s.rng.IntN(3) == 0 {
			e.props["cycleId"] = tc[s.rng.IntN(len(tc))].id
		}
		if i%21 == 20 {
			e.archived = e.updated
			if i%2 == 0 {
				e.props["trashed"] = true
			}
		}
		issues = append(issues, e)
	}
	for i := range n {
		issue := issues[s.rng.IntN(len(issues))]
		c := add(tComment, "", map[string]any{"body": "Seeded comment " + strconv.Itoa(i) + " about " + issue.str("identifier") + ".",
			"issueId": issue.id, "userId": users[s.rng.IntN(len(users))].id})
		c.created = max(c.created, issue.created)
		c.updated = max(c.updated, c.created)
		c.props["url"] = issue.str("url") + "#comment-" + c.id[:8]
	}
	s.st.clock = end
}
