package emulator

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serve routes an authenticated API request; it holds the server's lock throughout.
func (s *Server) serve(r *http.Request, body []byte) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if seg[0] == "app" {
		who, e := s.authenticate(r, true)
		if e != nil {
			return errResponse(e)
		}
		return s.serveApp(r, who, seg[1:])
	}
	who, e := s.authenticate(r, false)
	if e != nil {
		return errResponse(e)
	}
	st := s.st
	m := r.Method
	switch {
	case len(seg) == 1 && seg[0] == "rate_limit" && m == http.MethodGet:
		return s.rateLimitStatus(r)
	case len(seg) == 1 && seg[0] == "user" && m == http.MethodGet:
		if who.installation {
			return errResponse(errForbidden("Resource not accessible by integration"))
		}
		return okJSON(st.fullUserRaw(who.user))
	case len(seg) == 2 && seg[0] == "user" && seg[1] == "repos" && m == http.MethodGet:
		if who.installation {
			return errResponse(errForbidden("Resource not accessible by integration"))
		}
		return s.listRepos(r, st.liveRepos(), "full_name")
	case len(seg) == 2 && seg[0] == "users" && m == http.MethodGet:
		if u := st.userByLogin(seg[1]); u != nil {
			return okJSON(st.fullUserRaw(u))
		}
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "repos" && m == http.MethodGet:
		u := st.userByLogin(seg[1])
		if u == nil {
			break
		}
		var rs []*repo
		for _, x := range st.liveRepos() {
			if x.owner == u && !x.private {
				rs = append(rs, x)
			}
		}
		return s.listRepos(r, rs, "full_name")
	case len(seg) == 2 && seg[0] == "installation" && seg[1] == "repositories" && m == http.MethodGet:
		if !who.installation {
			return errResponse(errForbidden("You must authenticate with an installation access token in order to list repositories for an installation."))
		}
		return s.installationRepos(r)
	case len(seg) >= 2 && seg[0] == "orgs":
		if !strings.EqualFold(seg[1], st.org.login) {
			break
		}
		return s.serveOrg(r, who, seg[2:], body)
	case len(seg) >= 3 && seg[0] == "repos":
		rp := st.repoNamed(seg[1], seg[2])
		if rp == nil {
			break
		}
		return s.serveRepo(r, who, rp, seg[3:], body)
	case len(seg) >= 2 && seg[0] == "repositories":
		id, err := strconv.ParseInt(seg[1], 10, 64)
		if rp := st.repoByID[id]; err == nil && rp != nil && !rp.deleted {
			return s.serveRepo(r, who, rp, seg[2:], body)
		}
	}
	return errResponse(errNotFound())
}

func (s *Server) serveApp(r *http.Request, who *principal, seg []string) response {
	switch {
	case len(seg) == 0 && r.Method == http.MethodGet:
		return okJSON(mustJSON(s.st.appJSON()))
	case len(seg) == 3 && seg[0] == "installations" && seg[2] == "access_tokens" && r.Method == http.MethodPost:
		return s.mintInstallationToken(seg[1])
	}
	return errResponse(errNotFound())
}

func (s *Server) rateLimitStatus(r *http.Request) response {
	_, q := s.limit.peek(r.Header.Get("Authorization"), time.Now())
	core := map[string]any{"limit": q.limit, "remaining": max(q.limit-q.used, 0), "used": q.used,
		"reset": q.reset.Unix(), "resource": "core"}
	return okJSON(mustJSON(map[string]any{"resources": map[string]any{"core": core}, "rate": core}))
}

// --- organization ---

func (s *Server) serveOrg(r *http.Request, who *principal, seg []string, body []byte) response {
	st := s.st
	m := r.Method
	switch {
	case len(seg) == 0 && m == http.MethodGet:
		return okJSON(mustJSON(st.orgJSON()))
	case len(seg) == 1 && seg[0] == "repos" && m == http.MethodGet:
		var rs []*repo
		typ := r.URL.Query().Get("type")
		for _, x := range st.liveRepos() {
			switch {
			case x.owner != st.org,
				typ == "public" && x.private,
				typ == "private" && !x.private,
				typ == "forks" && !x.fork,
				typ == "sources" && x.fork:
				continue
			}
			rs = append(rs, x)
		}
		return s.listRepos(r, rs, "created")
	case len(seg) == 1 && seg[0] == "repos" && m == http.MethodPost:
		p, e := decodeParams(body)
		if e != nil {
			return errResponse(e)
		}
		rp, e := st.createRepo(who.user, p)
		if e != nil {
			return errResponse(e)
		}
		return response{status: statusCreated, body: st.repoDetailRaw(rp)}
	case len(seg) == 1 && seg[0] == "members" && m == http.MethodGet:
		role := r.URL.Query().Get("role")
		var us []*user
		for _, u := range st.members() {
			if role == "" || role == "all" || role == u.role {
				us = append(us, u)
			}
		}
		return listResponse(r, r.URL.Path, us, st.userRaw)
	case len(seg) == 2 && seg[0] == "members":
		u := st.userByLogin(seg[1])
		switch m {
		case http.MethodGet:
			if u != nil && u.member {
				return noContent()
			}
			return response{status: http.StatusNotFound, body: []byte(`{"message":"User does not exist or is not a member of the organization","documentation_url":"` + docsRoot + `","status":"404"}`)}
		case http.MethodDelete:
			if u == nil {
				break
			}
			st.removeMember(who.user, u)
			return noContent()
		}
	case len(seg) == 2 && seg[0] == "memberships":
		u := st.userByLogin(seg[1])
		if u == nil {
			break
		}
		switch m {
		case http.MethodGet:
			if !u.member {
				break
			}
			return okJSON(mustJSON(st.membershipJSON(u)))
		case http.MethodPut:
			p, e := decodeParams(body)
			if e != nil {
				return errResponse(e)
			}
			role, _, e := p.str("role")
			if e != nil {
				return errResponse(e)
			}
			if role != "" && role != "admin" && role != "member" {
				return errResponse(errValidation("Membership", "role", "invalid"))
			}
			st.addMember(who.user, u, role)
			return okJSON(mustJSON(st.membershipJSON(u)))
		case http.MethodDelete:
			st.removeMember(who.user, u)
			return noContent()
		}
	}
	return errResponse(errNotFound())
}

// listRepos sorts, filters by visibility and pages repositories. GitHub sorts by full_name ascending
// by default on user listings, by created descending on organization listings.
func (s *Server) listRepos(r *http.Request, rs []*repo, defaultSort string) response {
	q := r.URL.Query()
	switch q.Get("visibility") {
	case "public":
		rs = slices.DeleteFunc(slices.Clone(rs), func(x *repo) bool { return x.private })
	case "private":
		rs = slices.DeleteFunc(slices.Clone(rs), func(x *repo) bool { return !x.private })
	}
	sortBy := cmp.Or(q.Get("sort"), defaultSort)
	dir := q.Get("direction")
	if dir == "" {
		dir = map[bool]string{true: "asc", false: "desc"}[sortBy == "full_name"]
	}
	if e := oneOf("Repository", "sort", sortBy, "created", "updated", "pushed", "full_name"); e != nil {
		return errResponse(e)
	}
	if e := oneOf("Repository", "direction", dir, "asc", "desc"); e != nil {
		return errResponse(e)
	}
	rs = slices.Clone(rs)
	key := func(x *repo) time.Time {
		switch sortBy {
		case "updated":
			return x.updated
		case "pushed":
			return x.pushed
		}
		return x.created
	}
	slices.SortStableFunc(rs, func(a, b *repo) int {
		var c int
		if sortBy == "full_name" {
			c = strings.Compare(strings.ToLower(a.fullName()), strings.ToLower(b.fullName()))
		} else {
			c = cmp.Or(key(a).Compare(key(b)), cmp.Compare(a.id, b.id))
		}
		if dir == "desc" {
			c = -c
		}
		return c
	})
	return listResponse(r, r.URL.Path, rs, s.st.repoRaw)
}

func (s *Server) installationRepos(r *http.Request) response {
	rs := s.st.liveRepos()
	p := pageOf(r.URL.Query())
	start := min((p.page-1)*p.perPage, len(rs))
	end := min(start+p.perPage, len(rs))
	page := make([]json.RawMessage, 0, end-start)
	for _, x := range rs[start:end] {
		page = append(page, s.st.repoRaw(x))
	}
	resp := okJSON(mustJSON(map[string]any{"total_count": len(rs), "repository_selection": "all", "repositories": page}))
	if link := linkHeader(r, r.URL.Path, p, len(rs)); link != "" {
		resp.header = map[string]string{"Link": link}
	}
	return resp
}

func oneOf(resource, field, v string, allowed ...string) *Error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return errValidation(resource, field, "invalid")
}

// parseSince reads an ISO 8601 timestamp parameter.
func parseSince(resource, field, v string) (time.Time, *Error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errValidation(resource, field, "invalid")
}
