package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The write operations below run with the server's lock held, for HTTP requests and the Go API alike,
// and emit the webhooks GitHub would send.

// orgJSON is the organization object of webhook payloads.
func (st *state) orgJSON() map[string]any {
	u := st.cfg.APIURL + "/orgs/" + st.org.login
	return map[string]any{"login": st.org.login, "id": st.org.id, "node_id": nodeID(12, "Organization", st.org.id),
		"url": u, "repos_url": u + "/repos", "events_url": u + "/events", "hooks_url": u + "/hooks",
		"issues_url": u + "/issues", "members_url": u + "/members{/member}", "public_members_url": u + "/public_members{/member}",
		"avatar_url": "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(st.org.id, 10) + "?v=4", "description": nil}
}

// payload is the envelope every webhook shares.
func (st *state) payload(action string, r *repo, actor *user) map[string]any {
	p := map[string]any{"sender": st.userRaw(actor), "organization": st.orgJSON()}
	if action != "" {
		p["action"] = action
	}
	if r != nil {
		p["repository"] = st.repoRaw(r)
	}
	if st.cfg.InstallationID != 0 {
		p["installation"] = map[string]any{"id": st.cfg.InstallationID, "node_id": nodeID(23, "Installation", st.cfg.InstallationID)}
	}
	return p
}

// --- repositories ---

func (st *state) createRepo(actor *user, p params) (*repo, *Error) {
	if e := p.only("Repository", "name", "description", "homepage", "private", "visibility", "has_issues", "has_projects",
		"has_wiki", "is_template", "auto_init"); e != nil {
		return nil, e
	}
	name, _, e := p.str("name")
	if e != nil {
		return nil, e
	}
	if name == "" {
		return nil, errValidation("Repository", "name", "missing_field")
	}
	if !validRepoName(name) {
		return nil, errValidation("Repository", "name", "invalid")
	}
	if st.repoNamed(st.org.login, name) != nil {
		return nil, &Error{Status: 422, Message: "Repository creation failed.",
			Errors: []FieldError{{Resource: "Repository", Field: "name", Code: "custom", Message: "name already exists on this account"}}}
	}
	r := st.addRepo(st.org, name, st.now())
	if e := st.applyRepo(r, p); e != nil {
		return nil, e
	}
	if init, _, _ := p.boolean("auto_init"); init {
		st.addCommit(r, actor, "Initial commit", st.now())
		r.pushed, r.size = st.now(), 1
	}
	r.touch()
	st.fire("repository", st.payload("created", r, actor))
	return r, nil
}

func validRepoName(name string) bool {
	if name == "" || len(name) > 100 || name == "." || name == ".." {
		return false
	}
	for _, c := range name {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (st *state) applyRepo(r *repo, p params) *Error {
	if v, ok, e := p.str("description"); e != nil {
		return e
	} else if ok {
		r.description = v
	}
	if v, ok, e := p.str("homepage"); e != nil {
		return e
	} else if ok {
		r.homepage = v
	}
	if v, ok, e := p.boolean("private"); e != nil {
		return e
	} else if ok {
		r.private = v
		r.visibility = map[bool]string{true: "private", false: "public"}[v]
	}
	if v, ok, e := p.str("visibility"); e != nil {
		return e
	} else if ok {
		if v != "public" && v != "private" && v != "internal" {
			return errValidation("Repository", "visibility", "invalid")
		}
		r.visibility, r.private = v, v != "public"
	}
	for key, dst := range map[string]*bool{"has_issues": &r.hasIssues, "has_projects": &r.hasProjects, "has_wiki": &r.hasWiki,
		"is_template": &r.isTemplate, "archived": &r.archived} {
		if v, ok, e := p.boolean(key); e != nil {
			return e
		} else if ok {
			*dst = v
		}
	}
	return nil
}

func (st *state) updateRepo(actor *user, r *repo, p params) (*repo, *Error) {
	if e := p.only("Repository", "name", "description", "homepage", "private", "visibility", "has_issues", "has_projects",
		"has_wiki", "is_template", "archived", "default_branch"); e != nil {
		return nil, e
	}
	oldName := r.name
	if name, ok, e := p.str("name"); e != nil {
		return nil, e
	} else if ok && name != r.name {
		if !validRepoName(name) {
			return nil, errValidation("Repository", "name", "invalid")
		}
		if other := st.repoNamed(r.owner.login, name); other != nil && other != r {
			return nil, errValidation("Repository", "name", "already_exists")
		}
		delete(st.repoByName, strings.ToLower(r.fullName()))
		r.name = name
		st.repoByName[strings.ToLower(r.fullName())] = r
		for _, i := range r.issues {
			if i != nil {
				i.changed()
			}
		}
		for _, c := range r.comments {
			c.raw = nil
		}
		for _, c := range r.commits {
			c.raw = nil
		}
		for _, x := range r.releases {
			x.raw = nil
		}
	}
	if e := st.applyRepo(r, p); e != nil {
		return nil, e
	}
	r.updated = st.now()
	r.touch()
	action := "edited"
	pl := st.payload(action, r, actor)
	if r.name != oldName {
		pl["action"] = "renamed"
		pl["changes"] = map[string]any{"repository": map[string]any{"name": map[string]string{"from": oldName}}}
	}
	st.fire("repository", pl)
	return r, nil
}

func (st *state) deleteRepo(actor *user, r *repo) {
	pl := st.payload("deleted", r, actor)
	r.deleted = true
	delete(st.repoByName, strings.ToLower(r.fullName()))
	st.fire("repository", pl)
}

// --- issues and pull requests ---

// labelsNamed resolves label names, creating unknown ones as GitHub does.
func (st *state) labelsNamed(r *repo, names []string) []*label {
	out := make([]*label, 0, len(names))
	for _, n := range names {
		var found *label
		for _, l := range r.labels {
			if strings.EqualFold(l.name, n) {
				found = l
			}
		}
		if found == nil {
			st.nextLabel++
			found = &label{id: st.nextLabel, name: n, color: "ededed"}
			r.labels = append(r.labels, found)
		}
		if !slices.Contains(out, found) {
			out = append(out, found)
		}
	}
	return out
}

// usersNamed resolves assignees, who must be members.
func (st *state) usersNamed(resource string, logins []string) ([]*user, *Error) {
	out := make([]*user, 0, len(logins))
	for _, l := range logins {
		u := st.userByLogin(l)
		if u == nil || !u.member {
			return nil, &Error{Status: 422, Message: "Validation Failed",
				Errors: []FieldError{{Resource: resource, Field: "assignees", Code: "invalid", Message: l}}}
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (st *state) createIssue(actor *user, r *repo, p params) (*issue, *Error) {
	if !r.hasIssues {
		return nil, errIssuesDisabled()
	}
	if e := p.only("Issue", "title", "body", "assignee", "assignees", "labels", "milestone", "type"); e != nil {
		return nil, e
	}
	title, _, e := p.str("title")
	if e != nil {
		return nil, e
	}
	if strings.TrimSpace(title) == "" {
		return nil, errValidation("Issue", "title", "missing_field")
	}
	body, _, e := p.str("body")
	if e != nil {
		return nil, e
	}
	x := st.addIssue(r, actor, title, body, st.now())
	if e := st.applyIssueLists(x, p); e != nil {
		x.deleted = true
		r.openIssues--
		return nil, e
	}
	x.changed()
	st.fire("issues", st.issuePayload("opened", x, actor))
	return x, nil
}

func (st *state) applyIssueLists(x *issue, p params) *Error {
	if names, ok, e := p.strings("labels"); e != nil {
		return e
	} else if ok {
		x.labels = st.labelsNamed(x.repo, names)
	}
	logins, ok, e := p.strings("assignees")
	if e != nil {
		return e
	}
	if a, given, e := p.str("assignee"); e != nil {
		return e
	} else if given {
		logins, ok = nil, true
		if a != "" {
			logins = []string{a}
		}
	}
	if ok {
		us, e := st.usersNamed("Issue", logins)
		if e != nil {
			return e
		}
		x.assignees = us
	}
	return nil
}

func (st *state) issuePayload(action string, x *issue, actor *user) map[string]any {
	pl := st.payload(action, x.repo, actor)
	if x.pr != nil {
		pl["number"] = x.number
		pl["pull_request"] = st.pullDetailRaw(x)
	} else {
		pl["issue"] = st.issueRaw(x)
	}
	return pl
}

// updateIssue edits an issue or pull request (through either endpoint).
func (st *state) updateIssue(actor *user, x *issue, p params, viaPulls bool) (*issue, *Error) {
	allowed := []string{"title", "body", "state", "state_reason", "assignee", "assignees", "labels", "milestone", "type"}
	if viaPulls {
		allowed = []string{"title", "body", "state", "base", "maintainer_can_modify"}
	}
	if e := p.only("Issue", allowed...); e != nil {
		return nil, e
	}
	before := map[string]string{"title": x.title, "body": x.body}
	if v, ok, e := p.str("title"); e != nil {
		return nil, e
	} else if ok {
		if strings.TrimSpace(v) == "" {
			return nil, errValidation("Issue", "title", "missing_field")
		}
		x.title = v
	}
	if v, ok, e := p.str("body"); e != nil {
		return nil, e
	} else if ok {
		x.body = v
	}
	if v, ok, e := p.str("base"); e != nil {
		return nil, e
	} else if ok && x.pr != nil && v != "" {
		x.pr.baseRef = v
	}
	if e := st.applyIssueLists(x, p); e != nil {
		return nil, e
	}
	action := "edited"
	reason, reasonGiven, e := p.str("state_reason")
	if e != nil {
		return nil, e
	}
	if reasonGiven && reason != "" && reason != "completed" && reason != "not_planned" && reason != "reopened" && reason != "duplicate" {
		return nil, errValidation("Issue", "state_reason", "invalid")
	}
	if v, ok, e := p.str("state"); e != nil {
		return nil, e
	} else if ok {
		switch v {
		case "open":
			if x.state == "closed" {
				if x.pr != nil && !x.pr.mergedAt.IsZero() {
					return nil, errValidation("PullRequest", "state", "invalid")
				}
				x.state, x.closedAt, x.closedBy, action = "open", time.Time{}, nil, "reopened"
				x.stateReason = ""
				if x.pr == nil {
					x.stateReason = "reopened"
				}
				x.repo.openIssues++
			}
		case "closed":
			if x.state == "open" {
				x.state, x.closedAt, x.closedBy, action = "closed", st.now(), actor, "closed"
				if x.pr == nil {
					x.stateReason = "completed"
				}
				x.repo.openIssues--
			}
		default:
			return nil, errValidation("Issue", "state", "invalid")
		}
	}
	if reasonGiven && x.pr == nil && x.state == "closed" && reason != "" {
		x.stateReason = reason
	}
	x.updated = st.now()
	x.changed()
	x.repo.touch()
	pl := st.issuePayload(action, x, actor)
	if action == "edited" {
		changes := map[string]any{}
		for k, old := range before {
			if (k == "title" && old != x.title) || (k == "body" && old != x.body) {
				changes[k] = map[string]string{"from": old}
			}
		}
		pl["changes"] = changes
	}
	st.fire(map[bool]string{true: "pull_request", false: "issues"}[x.pr != nil], pl)
	return x, nil
}

// deleteIssue deletes an issue, as an administrator can (GitHub offers it in the UI and GraphQL).
func (st *state) deleteIssue(actor *user, x *issue) {
	pl := st.issuePayload("deleted", x, actor)
	x.deleted = true
	if x.state == "open" {
		x.repo.openIssues--
	}
	for _, c := range x.repo.comments {
		if c.issue == x {
			c.deleted = true
		}
	}
	x.repo.touch()
	st.fire("issues", pl)
}

func (st *state) createPull(actor *user, r *repo, p params) (*issue, *Error) {
	if e := p.only("PullRequest", "title", "body", "head", "base", "draft", "maintainer_can_modify", "issue", "head_repo"); e != nil {
		return nil, e
	}
	title, _, e := p.str("title")
	if e != nil {
		return nil, e
	}
	head, _, e := p.str("head")
	if e != nil {
		return nil, e
	}
	base, _, e := p.str("base")
	if e != nil {
		return nil, e
	}
	switch {
	case strings.TrimSpace(title) == "":
		return nil, errValidation("PullRequest", "title", "missing_field")
	case head == "":
		return nil, errValidation("PullRequest", "head", "missing_field")
	case base == "":
		return nil, errValidation("PullRequest", "base", "missing_field")
	case head == base:
		return nil, &Error{Status: 422, Message: "Validation Failed",
			Errors: []FieldError{{Resource: "PullRequest", Code: "custom", Message: "No commits between " + base + " and " + head}}}
	}
	body, _, e := p.str("body")
	if e != nil {
		return nil, e
	}
	draft, _, e := p.boolean("draft")
	if e != nil {
		return nil, e
	}
	x := st.addIssue(r, actor, title, body, st.now())
	baseSHA := st.randomSHA()
	if h := r.head(); h != nil {
		baseSHA = h.sha
	}
	_, branch, _ := strings.Cut(head, ":")
	if branch == "" {
		branch = head
	}
	st.nextPull++
	x.prID = st.nextPull
	x.pr = &pull{draft: draft, headRef: branch, headSHA: st.randomSHA(), baseRef: base, baseSHA: baseSHA,
		commits: 1, additions: 1 + st.rng.IntN(50), deletions: st.rng.IntN(20), changed: 1}
	x.changed()
	st.fire("pull_request", st.issuePayload("opened", x, actor))
	return x, nil
}

// --- issue comments ---

func (st *state) createComment(actor *user, x *issue, p params, viaApp bool) (*comment, *Error) {
	if e := p.only("IssueComment", "body"); e != nil {
		return nil, e
	}
	body, _, e := p.str("body")
	if e != nil {
		return nil, e
	}
	if strings.TrimSpace(body) == "" {
		return nil, errValidation("IssueComment", "body", "missing_field")
	}
	if x.locked && !actor.member {
		return nil, errForbidden("Unable to create comment because issue is locked.")
	}
	now := st.now()
	c := st.addComment(x, actor, body, now)
	c.viaApp = viaApp
	x.updated = now
	x.changed()
	pl := st.payload("created", x.repo, actor)
	pl["issue"] = st.issueRaw(x)
	pl["comment"] = st.commentRaw(c)
	st.fire("issue_comment", pl)
	return c, nil
}

func (st *state) updateComment(actor *user, c *comment, p params) (*comment, *Error) {
	if e := p.only("IssueComment", "body"); e != nil {
		return nil, e
	}
	body, ok, e := p.str("body")
	if e != nil {
		return nil, e
	}
	if !ok || strings.TrimSpace(body) == "" {
		return nil, errValidation("IssueComment", "body", "missing_field")
	}
	old := c.body
	c.body = body
	c.updated = st.now()
	c.raw = nil
	pl := st.payload("edited", c.repo, actor)
	pl["issue"] = st.issueRaw(c.issue)
	pl["comment"] = st.commentRaw(c)
	pl["changes"] = map[string]any{"body": map[string]string{"from": old}}
	st.fire("issue_comment", pl)
	return c, nil
}

func (st *state) deleteComment(actor *user, c *comment) {
	c.deleted = true
	c.issue.comments--
	c.issue.changed()
	pl := st.payload("deleted", c.repo, actor)
	pl["issue"] = st.issueRaw(c.issue)
	pl["comment"] = st.commentRaw(c)
	st.fire("issue_comment", pl)
}

// --- commits ---

// push adds a commit to the default branch and sends the push webhook.
func (st *state) push(actor *user, r *repo, message string) *commit {
	before := strings.Repeat("0", 40)
	if h := r.head(); h != nil {
		before = h.sha
	}
	now := st.now()
	c := st.addCommit(r, actor, message, now)
	r.pushed = now
	r.size += 3
	r.touch()
	pl := st.payload("", r, actor)
	pc := map[string]any{"id": c.sha, "tree_id": c.tree, "distinct": true, "message": c.message, "timestamp": ts(c.authorDate),
		"url":       st.cfg.WebURL + "/" + r.fullName() + "/commit/" + c.sha,
		"author":    map[string]any{"name": c.authorName, "email": c.authorEmail, "username": actor.login},
		"committer": map[string]any{"name": c.committerName, "email": c.committerMail, "username": "web-flow"},
		"added":     []string{}, "removed": []string{}, "modified": c.files}
	pl["ref"] = "refs/heads/" + r.defaultBranch
	pl["before"] = before
	pl["after"] = c.sha
	pl["created"], pl["deleted"], pl["forced"] = false, false, false
	pl["base_ref"] = nil
	pl["compare"] = st.cfg.WebURL + "/" + r.fullName() + "/compare/" + before[:12] + "..." + c.sha[:12]
	pl["pusher"] = map[string]any{"name": actor.login, "email": actor.email}
	pl["commits"] = []any{pc}
	pl["head_commit"] = pc
	st.fire("push", pl)
	return c
}

// --- releases ---

func (st *state) createRelease(actor *user, r *repo, p params) (*release, *Error) {
	if e := p.only("Release", "tag_name", "target_commitish", "name", "body", "draft", "prerelease",
		"discussion_category_name", "generate_release_notes", "make_latest"); e != nil {
		return nil, e
	}
	tag, _, e := p.str("tag_name")
	if e != nil {
		return nil, e
	}
	if tag == "" {
		return nil, errValidation("Release", "tag_name", "missing_field")
	}
	for _, x := range r.liveReleases() {
		if x.tag == tag {
			return nil, errValidation("Release", "tag_name", "already_exists")
		}
	}
	x := st.addRelease(r, actor, tag, st.now())
	if e := st.applyRelease(x, p); e != nil {
		x.deleted = true
		return nil, e
	}
	if x.draft {
		x.published = time.Time{}
	}
	pl := st.payload("created", r, actor)
	pl["release"] = st.releaseRaw(x)
	st.fire("release", pl)
	if !x.draft {
		pl = st.payload("published", r, actor)
		pl["release"] = st.releaseRaw(x)
		st.fire("release", pl)
	}
	return x, nil
}

func (st *state) applyRelease(x *release, p params) *Error {
	for key, dst := range map[string]*string{"target_commitish": &x.target, "name": &x.name, "body": &x.body} {
		if v, ok, e := p.str(key); e != nil {
			return e
		} else if ok {
			*dst = v
		}
	}
	if v, ok, e := p.boolean("prerelease"); e != nil {
		return e
	} else if ok {
		x.prerelease = v
	}
	if v, ok, e := p.boolean("draft"); e != nil {
		return e
	} else if ok {
		x.draft = v
	}
	x.raw = nil
	return nil
}

func (st *state) updateRelease(actor *user, x *release, p params) (*release, *Error) {
	if e := p.only("Release", "tag_name", "target_commitish", "name", "body", "draft", "prerelease",
		"discussion_category_name", "make_latest"); e != nil {
		return nil, e
	}
	if tag, ok, e := p.str("tag_name"); e != nil {
		return nil, e
	} else if ok && tag != "" && tag != x.tag {
		for _, o := range x.repo.liveReleases() {
			if o.tag == tag {
				return nil, errValidation("Release", "tag_name", "already_exists")
			}
		}
		x.tag = tag
	}
	wasDraft := x.draft
	if e := st.applyRelease(x, p); e != nil {
		return nil, e
	}
	action := "edited"
	switch {
	case wasDraft && !x.draft:
		x.published = st.now()
		action = "published"
	case !wasDraft && x.draft:
		x.published = time.Time{}
		action = "unpublished"
	}
	pl := st.payload(action, x.repo, actor)
	pl["release"] = st.releaseRaw(x)
	st.fire("release", pl)
	return x, nil
}

func (st *state) deleteRelease(actor *user, x *release) {
	x.deleted = true
	pl := st.payload("deleted", x.repo, actor)
	pl["release"] = st.releaseRaw(x)
	st.fire("release", pl)
}

// --- members ---

func (st *state) membershipJSON(u *user) map[string]any {
	return map[string]any{
		"url":   st.cfg.APIURL + "/orgs/" + st.org.login + "/memberships/" + u.login,
		"state": "active", "role": u.role, "organization_url": st.cfg.APIURL + "/orgs/" + st.org.login,
		"organization": st.orgJSON(), "user": st.userRaw(u),
	}
}

func (st *state) addMember(actor, u *user, role string) {
	if role == "" {
		role = "member"
	}
	was := u.member
	u.member, u.role = true, role
	if !was {
		pl := st.payload("member_added", nil, actor)
		pl["membership"] = st.membershipJSON(u)
		st.fire("organization", pl)
	}
}

func (st *state) removeMember(actor, u *user) {
	if !u.member {
		return
	}
	pl := st.payload("member_removed", nil, actor)
	pl["membership"] = st.membershipJSON(u)
	u.member = false
	st.fire("organization", pl)
}

// decodeParams reads a JSON object body.
func decodeParams(body []byte) (params, *Error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return params{}, nil
	}
	var p params
	if err := json.Unmarshal(body, &p); err != nil || p == nil {
		return nil, errBadJSON()
	}
	return p, nil
}

// statusCreated is the status of a successful create.
const statusCreated = http.StatusCreated
