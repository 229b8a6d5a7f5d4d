package emulator

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// serveRepo answers the routes below /repos/{owner}/{repo} (or /repositories/{id}).
func (s *Server) serveRepo(r *http.Request, who *principal, rp *repo, seg []string, body []byte) response {
	st := s.st
	m := r.Method
	// Link headers of repository listings use the stable /repositories/{id} form, as GitHub's do.
	linkBase := "/repositories/" + strconv.FormatInt(rp.id, 10)
	if len(seg) == 0 {
		switch m {
		case http.MethodGet:
			return okJSON(st.repoDetailRaw(rp))
		case http.MethodPatch:
			p, e := decodeParams(body)
			if e != nil {
				return errResponse(e)
			}
			if _, e := st.updateRepo(who.user, rp, p); e != nil {
				return errResponse(e)
			}
			return okJSON(st.repoDetailRaw(rp))
		case http.MethodDelete:
			st.deleteRepo(who.user, rp)
			return noContent()
		}
		return errResponse(errNotFound())
	}
	var p params
	if m == http.MethodPost || m == http.MethodPatch {
		var e *Error
		if p, e = decodeParams(body); e != nil {
			return errResponse(e)
		}
	}
	switch seg[0] {
	case "issues":
		switch {
		case len(seg) == 1 && m == http.MethodGet:
			return s.listIssues(r, rp, linkBase+"/issues")
		case len(seg) == 1 && m == http.MethodPost:
			x, e := st.createIssue(who.user, rp, p)
			if e != nil {
				return errResponse(e)
			}
			return created(st.issueDetailRaw(x), st.cfg.APIURL+"/repos/"+rp.fullName()+"/issues/"+strconv.Itoa(x.number))
		case len(seg) == 2 && seg[1] == "comments" && m == http.MethodGet:
			return s.listComments(r, rp, nil, linkBase+"/issues/comments")
		case len(seg) == 3 && seg[1] == "comments":
			id, _ := strconv.ParseInt(seg[2], 10, 64)
			c := rp.commentMap[id]
			if c == nil || c.deleted {
				break
			}
			switch m {
			case http.MethodGet:
				return okJSON(st.commentRaw(c))
			case http.MethodPatch:
				if _, e := st.updateComment(who.user, c, p); e != nil {
					return errResponse(e)
				}
				return okJSON(st.commentRaw(c))
			case http.MethodDelete:
				st.deleteComment(who.user, c)
				return noContent()
			}
		case len(seg) >= 2:
			n, err := strconv.Atoi(seg[1])
			x := rp.issue(n)
			if err != nil || x == nil {
				break
			}
			switch {
			case len(seg) == 2 && m == http.MethodGet:
				return okJSON(st.issueDetailRaw(x))
			case len(seg) == 2 && m == http.MethodPatch:
				if _, e := st.updateIssue(who.user, x, p, false); e != nil {
					return errResponse(e)
				}
				return okJSON(st.issueDetailRaw(x))
			case len(seg) == 3 && seg[2] == "comments" && m == http.MethodGet:
				return s.listComments(r, rp, x, linkBase+"/issues/"+seg[1]+"/comments")
			case len(seg) == 3 && seg[2] == "comments" && m == http.MethodPost:
				c, e := st.createComment(who.user, x, p, who.installation)
				if e != nil {
					return errResponse(e)
				}
				return created(st.commentRaw(c), st.cfg.APIURL+"/repos/"+rp.fullName()+"/issues/comments/"+strconv.FormatInt(c.id, 10))
			}
		}
	case "pulls":
		switch {
		case len(seg) == 1 && m == http.MethodGet:
			return s.listPulls(r, rp, linkBase+"/pulls")
		case len(seg) == 1 && m == http.MethodPost:
			x, e := st.createPull(who.user, rp, p)
			if e != nil {
				return errResponse(e)
			}
			return created(st.pullDetailRaw(x), st.cfg.APIURL+"/repos/"+rp.fullName()+"/pulls/"+strconv.Itoa(x.number))
		case len(seg) == 2:
			n, err := strconv.Atoi(seg[1])
			x := rp.issue(n)
			if err != nil || x == nil || x.pr == nil {
				break
			}
			switch m {
			case http.MethodGet:
				return okJSON(st.pullDetailRaw(x))
			case http.MethodPatch:
				if _, e := st.updateIssue(who.user, x, p, true); e != nil {
					return errResponse(e)
				}
				return okJSON(st.pullDetailRaw(x))
			}
		}
	case "commits":
		switch {
		case len(seg) == 1 && m == http.MethodGet:
			return s.listCommits(r, rp, linkBase+"/commits")
		case len(seg) == 2 && m == http.MethodGet:
			if len(rp.commits) == 0 {
				return errResponse(errEmptyRepo())
			}
			c := rp.commitNamed(seg[1])
			if c == nil {
				return errResponse(&Error{Status: http.StatusUnprocessableEntity, Message: "No commit found for SHA: " + seg[1]})
			}
			return okJSON(st.commitDetailRaw(c))
		}
	case "releases":
		switch {
		case len(seg) == 1 && m == http.MethodGet:
			rs := rp.liveReleases()
			slices.Reverse(rs)
			return listResponse(r, linkBase+"/releases", rs, st.releaseRaw)
		case len(seg) == 1 && m == http.MethodPost:
			x, e := st.createRelease(who.user, rp, p)
			if e != nil {
				return errResponse(e)
			}
			return created(st.releaseRaw(x), st.cfg.APIURL+"/repos/"+rp.fullName()+"/releases/"+strconv.FormatInt(x.id, 10))
		case len(seg) == 2 && seg[1] == "latest" && m == http.MethodGet:
			rs := rp.liveReleases()
			for i := len(rs) - 1; i >= 0; i-- {
				if !rs[i].draft && !rs[i].prerelease {
					return okJSON(st.releaseRaw(rs[i]))
				}
			}
		case len(seg) == 2:
			id, _ := strconv.ParseInt(seg[1], 10, 64)
			x := rp.releaseMap[id]
			if x == nil || x.deleted {
				break
			}
			switch m {
			case http.MethodGet:
				return okJSON(st.releaseRaw(x))
			case http.MethodPatch:
				if _, e := st.updateRelease(who.user, x, p); e != nil {
					return errResponse(e)
				}
				return okJSON(st.releaseRaw(x))
			case http.MethodDelete:
				st.deleteRelease(who.user, x)
				return noContent()
			}
		}
	}
	return errResponse(errNotFound())
}

func created(body []byte, location string) response {
	return response{status: statusCreated, body: body, header: map[string]string{"Location": location}}
}

// commitNamed finds a commit by full or abbreviated sha, or by branch name (the default branch).
func (r *repo) commitNamed(ref string) *commit {
	if ref == r.defaultBranch || ref == "HEAD" || ref == "refs/heads/"+r.defaultBranch {
		return r.head()
	}
	if c := r.commitMap[strings.ToLower(ref)]; c != nil {
		return c
	}
	if len(ref) < 7 {
		return nil
	}
	for _, c := range r.commits {
		if strings.HasPrefix(c.sha, strings.ToLower(ref)) {
			return c
		}
	}
	return nil
}

// listIssues is GET /repos/{owner}/{repo}/issues: issues and pull requests, filtered by state, labels,
// creator, assignee and since (updated at or after), sorted by created, updated or comments.
func (s *Server) listIssues(r *http.Request, rp *repo, linkPath string) response {
	if !rp.hasIssues {
		return errResponse(errIssuesDisabled())
	}
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	sortBy := cmp.Or(q.Get("sort"), "created")
	dir := cmp.Or(q.Get("direction"), "desc")
	for _, e := range []*Error{
		oneOf("Issue", "state", state, "open", "closed", "all"),
		oneOf("Issue", "sort", sortBy, "created", "updated", "comments"),
		oneOf("Issue", "direction", dir, "asc", "desc"),
	} {
		if e != nil {
			return errResponse(e)
		}
	}
	since, e := parseSince("Issue", "since", q.Get("since"))
	if e != nil {
		return errResponse(e)
	}
	var labels []string
	if l := q.Get("labels"); l != "" {
		labels = strings.Split(l, ",")
	}
	creator, assignee := q.Get("creator"), q.Get("assignee")
	var out []*issue
	for _, x := range rp.liveIssues() {
		switch {
		case state != "all" && x.state != state,
			!since.IsZero() && x.updated.Before(since),
			creator != "" && !strings.EqualFold(x.user.login, creator),
			!hasLabels(x, labels),
			!assigned(x, assignee):
			continue
		}
		out = append(out, x)
	}
	sortIssues(out, sortBy, dir)
	return listResponse(r, linkPath, out, s.st.issueRaw)
}

func hasLabels(x *issue, names []string) bool {
	for _, n := range names {
		if !slices.ContainsFunc(x.labels, func(l *label) bool { return strings.EqualFold(l.name, strings.TrimSpace(n)) }) {
			return false
		}
	}
	return true
}

func assigned(x *issue, assignee string) bool {
	switch assignee {
	case "":
		return true
	case "none":
		return len(x.assignees) == 0
	case "*":
		return len(x.assignees) > 0
	}
	return slices.ContainsFunc(x.assignees, func(u *user) bool { return strings.EqualFold(u.login, assignee) })
}

// sortIssues orders issues by a time (or comment count), ties broken by number.
func sortIssues(xs []*issue, sortBy, dir string) {
	slices.SortStableFunc(xs, func(a, b *issue) int {
		var c int
		switch sortBy {
		case "updated":
			c = a.updated.Compare(b.updated)
		case "comments":
			c = cmp.Compare(a.comments, b.comments)
		case "popularity":
			c = cmp.Compare(a.comments, b.comments)
		case "long-running":
			c = cmp.Compare(a.updated.Sub(a.created), b.updated.Sub(b.created))
		default:
			c = a.created.Compare(b.created)
		}
		c = cmp.Or(c, cmp.Compare(a.number, b.number))
		if dir == "desc" {
			c = -c
		}
		return c
	})
}

// listPulls is GET /repos/{owner}/{repo}/pulls. The default direction is desc when sorting by created
// (the default sort), asc otherwise.
func (s *Server) listPulls(r *http.Request, rp *repo, linkPath string) response {
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	sortBy := cmp.Or(q.Get("sort"), "created")
	dir := q.Get("direction")
	if dir == "" {
		dir = map[bool]string{true: "desc", false: "asc"}[sortBy == "created"]
	}
	for _, e := range []*Error{
		oneOf("PullRequest", "state", state, "open", "closed", "all"),
		oneOf("PullRequest", "sort", sortBy, "created", "updated", "popularity", "long-running"),
		oneOf("PullRequest", "direction", dir, "asc", "desc"),
	} {
		if e != nil {
			return errResponse(e)
		}
	}
	head, base := q.Get("head"), q.Get("base")
	var out []*issue
	for _, x := range rp.liveIssues() {
		switch {
		case x.pr == nil,
			state != "all" && x.state != state,
			base != "" && x.pr.baseRef != base,
			head != "" && rp.owner.login+":"+x.pr.headRef != head:
			continue
		}
		out = append(out, x)
	}
	sortIssues(out, sortBy, dir)
	return listResponse(r, linkPath, out, s.st.pullRaw)
}

// listComments is GET /repos/{owner}/{repo}/issues/comments (or one issue's comments): ascending id
// by default, or sorted by created or updated when sort is given; since filters on updated.
func (s *Server) listComments(r *http.Request, rp *repo, only *issue, linkPath string) response {
	q := r.URL.Query()
	since, e := parseSince("IssueComment", "since", q.Get("since"))
	if e != nil {
		return errResponse(e)
	}
	sortBy, dir := q.Get("sort"), cmp.Or(q.Get("direction"), "desc")
	if only != nil {
		sortBy = ""
	}
	if sortBy != "" {
		if e := oneOf("IssueComment", "sort", sortBy, "created", "updated"); e != nil {
			return errResponse(e)
		}
		if e := oneOf("IssueComment", "direction", dir, "asc", "desc"); e != nil {
			return errResponse(e)
		}
	}
	var out []*comment
	for _, c := range rp.liveComments() {
		if (only == nil || c.issue == only) && (since.IsZero() || !c.updated.Before(since)) {
			out = append(out, c)
		}
	}
	if sortBy != "" {
		slices.SortStableFunc(out, func(a, b *comment) int {
			var c int
			if sortBy == "updated" {
				c = a.updated.Compare(b.updated)
			} else {
				c = a.created.Compare(b.created)
			}
			c = cmp.Or(c, cmp.Compare(a.id, b.id))
			if dir == "desc" {
				c = -c
			}
			return c
		})
	}
	return listResponse(r, linkPath, out, s.st.commentRaw)
}

// listCommits is GET /repos/{owner}/{repo}/commits: the history reachable from sha (default: the
// default branch), newest first, filtered by committer date (since, until) and author.
func (s *Server) listCommits(r *http.Request, rp *repo, linkPath string) response {
	if len(rp.commits) == 0 {
		return errResponse(errEmptyRepo())
	}
	q := r.URL.Query()
	start := len(rp.commits) - 1
	if ref := q.Get("sha"); ref != "" {
		c := rp.commitNamed(ref)
		if c == nil {
			return errResponse(&Error{Status: http.StatusNotFound, Message: "No commit found for SHA: " + ref})
		}
		start = slices.Index(rp.commits, c)
	}
	since, e := parseSince("Commit", "since", q.Get("since"))
	if e != nil {
		return errResponse(e)
	}
	until, e := parseSince("Commit", "until", q.Get("until"))
	if e != nil {
		return errResponse(e)
	}
	author := q.Get("author")
	var out []*commit
	for i := start; i >= 0; i-- {
		c := rp.commits[i]
		switch {
		case !since.IsZero() && c.committerDate.Before(since),
			!until.IsZero() && c.committerDate.After(until),
			author != "" && !strings.EqualFold(author, c.authorEmail) && (c.author == nil || !strings.EqualFold(author, c.author.login)):
			continue
		}
		out = append(out, c)
	}
	return listResponse(r, linkPath, out, s.st.commitRaw)
}
