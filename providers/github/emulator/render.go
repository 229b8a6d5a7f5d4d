package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ts formats a timestamp as GitHub does ("2011-04-22T13:33:48Z"); the zero time is null.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// nodeID returns a legacy global node id ("MDQ6VXNlcjE=" for user 1).
func nodeID(typeNum int, typ string, id any) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%02d:%s%v", typeNum, typ, id))
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emulator: encoding %T: %v", v, err))
	}
	return b
}

// userJSON is GitHub's "simple user".
type userJSON struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	UserViewType      string `json:"user_view_type"`
	SiteAdmin         bool   `json:"site_admin"`
}

func (st *state) userRaw(u *user) json.RawMessage {
	if u == nil {
		return json.RawMessage("null")
	}
	if u.raw != nil {
		return u.raw
	}
	api, web := st.cfg.APIURL, st.cfg.WebURL
	base := api + "/users/" + u.login
	u.raw = mustJSON(userJSON{
		Login: u.login, ID: u.id, NodeID: nodeID(4, u.typ, u.id),
		AvatarURL: "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(u.id, 10) + "?v=4",
		URL:       base, HTMLURL: web + "/" + u.login,
		FollowersURL: base + "/followers", FollowingURL: base + "/following{/other_user}",
		GistsURL: base + "/gists{/gist_id}", StarredURL: base + "/starred{/owner}{/repo}",
		SubscriptionsURL: base + "/subscriptions", OrganizationsURL: base + "/orgs",
		ReposURL: base + "/repos", EventsURL: base + "/events{/privacy}", ReceivedEventsURL: base + "/received_events",
		Type: u.typ, UserViewType: "public",
	})
	return u.raw
}

// fullUserJSON is GET /user and GET /users/{login}.
func (st *state) fullUserRaw(u *user) json.RawMessage {
	var m map[string]any
	_ = json.Unmarshal(st.userRaw(u), &m)
	m["name"] = u.name
	m["company"] = nil
	m["blog"] = ""
	m["location"] = nil
	m["email"] = nil
	m["hireable"] = nil
	m["bio"] = nil
	m["twitter_username"] = nil
	m["public_repos"] = 0
	m["public_gists"] = 0
	m["followers"] = 0
	m["following"] = 0
	m["created_at"] = ts(u.created)
	m["updated_at"] = ts(u.created)
	return mustJSON(m)
}

// repoJSON is a repository as list endpoints return it.
type repoJSON struct {
	ID                       int64           `json:"id"`
	NodeID                   string          `json:"node_id"`
	Name                     string          `json:"name"`
	FullName                 string          `json:"full_name"`
	Private                  bool            `json:"private"`
	Owner                    json.RawMessage `json:"owner"`
	HTMLURL                  string          `json:"html_url"`
	Description              *string         `json:"description"`
	Fork                     bool            `json:"fork"`
	URL                      string          `json:"url"`
	ForksURL                 string          `json:"forks_url"`
	KeysURL                  string          `json:"keys_url"`
	CollaboratorsURL         string          `json:"collaborators_url"`
	TeamsURL                 string          `json:"teams_url"`
	HooksURL                 string          `json:"hooks_url"`
	IssueEventsURL           string          `json:"issue_events_url"`
	EventsURL                string          `json:"events_url"`
	AssigneesURL             string          `json:"assignees_url"`
	BranchesURL              string          `json:"branches_url"`
	TagsURL                  string          `json:"tags_url"`
	BlobsURL                 string          `json:"blobs_url"`
	GitTagsURL               string          `json:"git_tags_url"`
	GitRefsURL               string          `json:"git_refs_url"`
	TreesURL                 string          `json:"trees_url"`
	StatusesURL              string          `json:"statuses_url"`
	LanguagesURL             string          `json:"languages_url"`
	StargazersURL            string          `json:"stargazers_url"`
	ContributorsURL          string          `json:"contributors_url"`
	SubscribersURL           string          `json:"subscribers_url"`
	SubscriptionURL          string          `json:"subscription_url"`
	CommitsURL               string          `json:"commits_url"`
	GitCommitsURL            string          `json:"git_commits_url"`
	CommentsURL              string          `json:"comments_url"`
	IssueCommentURL          string          `json:"issue_comment_url"`
	ContentsURL              string          `json:"contents_url"`
	CompareURL               string          `json:"compare_url"`
	MergesURL                string          `json:"merges_url"`
	ArchiveURL               string          `json:"archive_url"`
	DownloadsURL             string          `json:"downloads_url"`
	IssuesURL                string          `json:"issues_url"`
	PullsURL                 string          `json:"pulls_url"`
	MilestonesURL            string          `json:"milestones_url"`
	NotificationsURL         string          `json:"notifications_url"`
	LabelsURL                string          `json:"labels_url"`
	ReleasesURL              string          `json:"releases_url"`
	DeploymentsURL           string          `json:"deployments_url"`
	CreatedAt                any             `json:"created_at"`
	UpdatedAt                any             `json:"updated_at"`
	PushedAt                 any             `json:"pushed_at"`
	GitURL                   string          `json:"git_url"`
	SSHURL                   string          `json:"ssh_url"`
	CloneURL                 string          `json:"clone_url"`
	SvnURL                   string          `json:"svn_url"`
	Homepage                 *string         `json:"homepage"`
	Size                     int             `json:"size"`
	StargazersCount          int             `json:"stargazers_count"`
	WatchersCount            int             `json:"watchers_count"`
	Language                 *string         `json:"language"`
	HasIssues                bool            `json:"has_issues"`
	HasProjects              bool            `json:"has_projects"`
	HasDownloads             bool            `json:"has_downloads"`
	HasWiki                  bool            `json:"has_wiki"`
	HasPages                 bool            `json:"has_pages"`
	HasDiscussions           bool            `json:"has_discussions"`
	ForksCount               int             `json:"forks_count"`
	MirrorURL                *string         `json:"mirror_url"`
	Archived                 bool            `json:"archived"`
	Disabled                 bool            `json:"disabled"`
	OpenIssuesCount          int             `json:"open_issues_count"`
	License                  any             `json:"license"`
	AllowForking             bool            `json:"allow_forking"`
	IsTemplate               bool            `json:"is_template"`
	WebCommitSignoffRequired bool            `json:"web_commit_signoff_required"`
	Topics                   []string        `json:"topics"`
	Visibility               string          `json:"visibility"`
	Forks                    int             `json:"forks"`
	OpenIssues               int             `json:"open_issues"`
	Watchers                 int             `json:"watchers"`
	DefaultBranch            string          `json:"default_branch"`
	Permissions              map[string]bool `json:"permissions"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (st *state) repoRaw(r *repo) json.RawMessage {
	if r.raw != nil {
		return r.raw
	}
	api, web := st.cfg.APIURL, st.cfg.WebURL
	full := r.fullName()
	u := api + "/repos/" + full
	var lic any
	if r.license != nil {
		lic = map[string]any{"key": r.license.key, "name": r.license.name, "spdx_id": r.license.spdx,
			"url": api + "/licenses/" + r.license.key, "node_id": nodeID(7, "License", r.license.key)}
	}
	topics := r.topics
	if topics == nil {
		topics = []string{}
	}
	r.raw = mustJSON(repoJSON{
		ID: r.id, NodeID: nodeID(10, "Repository", r.id), Name: r.name, FullName: full, Private: r.private,
		Owner: st.userRaw(r.owner), HTMLURL: web + "/" + full, Description: strOrNil(r.description), Fork: r.fork,
		URL: u, ForksURL: u + "/forks", KeysURL: u + "/keys{/key_id}", CollaboratorsURL: u + "/collaborators{/collaborator}",
		TeamsURL: u + "/teams", HooksURL: u + "/hooks", IssueEventsURL: u + "/issues/events{/number}",
		EventsURL: u + "/events", AssigneesURL: u + "/assignees{/user}", BranchesURL: u + "/branches{/branch}",
		TagsURL: u + "/tags", BlobsURL: u + "/git/blobs{/sha}", GitTagsURL: u + "/git/tags{/sha}",
		GitRefsURL: u + "/git/refs{/sha}", TreesURL: u + "/git/trees{/sha}", StatusesURL: u + "/statuses/{sha}",
		LanguagesURL: u + "/languages", StargazersURL: u + "/stargazers", ContributorsURL: u + "/contributors",
		SubscribersURL: u + "/subscribers", SubscriptionURL: u + "/subscription", CommitsURL: u + "/commits{/sha}",
		GitCommitsURL: u + "/git/commits{/sha}", CommentsURL: u + "/comments{/number}",
		IssueCommentURL: u + "/issues/comments{/number}", ContentsURL: u + "/contents/{+path}",
		CompareURL: u + "/compare/{base}...{head}", MergesURL: u + "/merges", ArchiveURL: u + "/{archive_format}{/ref}",
		DownloadsURL: u + "/downloads", IssuesURL: u + "/issues{/number}", PullsURL: u + "/pulls{/number}",
		MilestonesURL: u + "/milestones{/number}", NotificationsURL: u + "/notifications{?since,all,participating}",
		LabelsURL: u + "/labels{/name}", ReleasesURL: u + "/releases{/id}", DeploymentsURL: u + "/deployments",
		CreatedAt: ts(r.created), UpdatedAt: ts(r.updated), PushedAt: ts(r.pushed),
		GitURL: "git://" + hostOf(web) + "/" + full + ".git", SSHURL: "git@" + hostOf(web) + ":" + full + ".git",
		CloneURL: web + "/" + full + ".git", SvnURL: web + "/" + full, Homepage: strOrNil(r.homepage),
		Size: r.size, StargazersCount: r.stars, WatchersCount: r.stars, Language: strOrNil(r.language),
		HasIssues: r.hasIssues, HasProjects: r.hasProjects, HasDownloads: true, HasWiki: r.hasWiki,
		HasDiscussions: r.hasDiscussion, ForksCount: r.forks, Archived: r.archived, OpenIssuesCount: r.openIssues,
		License: lic, AllowForking: true, IsTemplate: r.isTemplate, Topics: topics, Visibility: r.visibility,
		Forks: r.forks, OpenIssues: r.openIssues, Watchers: r.stars, DefaultBranch: r.defaultBranch,
		Permissions: map[string]bool{"admin": true, "maintain": true, "push": true, "triage": true, "pull": true},
	})
	return r.raw
}

// repoDetailRaw is GET /repos/{owner}/{repo}: the list shape plus fields only the single repository
// answer carries.
func (st *state) repoDetailRaw(r *repo) json.RawMessage {
	var m map[string]any
	_ = json.Unmarshal(st.repoRaw(r), &m)
	m["network_count"] = r.forks
	m["subscribers_count"] = r.stars/10 + 1
	m["temp_clone_token"] = ""
	if r.owner.typ == "Organization" {
		m["organization"] = json.RawMessage(st.userRaw(r.owner))
	}
	return mustJSON(m)
}

func hostOf(web string) string {
	for _, p := range []string{"https://", "http://"} {
		if len(web) > len(p) && web[:len(p)] == p {
			return web[len(p):]
		}
	}
	return web
}

func (st *state) labelsJSON(r *repo, ls []*label) []any {
	out := make([]any, 0, len(ls))
	for _, l := range ls {
		out = append(out, map[string]any{
			"id": l.id, "node_id": nodeID(5, "Label", l.id), "url": st.cfg.APIURL + "/repos/" + r.fullName() + "/labels/" + l.name,
			"name": l.name, "color": l.color, "default": l.def, "description": strOrNil(l.description),
		})
	}
	return out
}

func (st *state) usersJSON(us []*user) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(us))
	for _, u := range us {
		out = append(out, st.userRaw(u))
	}
	return out
}

func (st *state) reactionsJSON(u string, plusOne, heart int) map[string]any {
	return map[string]any{"url": u + "/reactions", "total_count": plusOne + heart, "+1": plusOne, "-1": 0,
		"laugh": 0, "hooray": 0, "confused": 0, "heart": heart, "rocket": 0, "eyes": 0}
}

// issueRaw is an issue (or the issue view of a pull request) as list endpoints return it.
func (st *state) issueRaw(i *issue) json.RawMessage {
	if i.raw != nil {
		return i.raw
	}
	api, web := st.cfg.APIURL, st.cfg.WebURL
	full := i.repo.fullName()
	num := strconv.Itoa(i.number)
	u := api + "/repos/" + full + "/issues/" + num
	htmlKind := "issues"
	if i.pr != nil {
		htmlKind = "pull"
	}
	var assignee json.RawMessage = json.RawMessage("null")
	if len(i.assignees) > 0 {
		assignee = st.userRaw(i.assignees[0])
	}
	m := map[string]any{
		"url": u, "repository_url": api + "/repos/" + full, "labels_url": u + "/labels{/name}",
		"comments_url": u + "/comments", "events_url": u + "/events", "html_url": web + "/" + full + "/" + htmlKind + "/" + num,
		"id": i.id, "node_id": nodeID(5, "Issue", i.id), "number": i.number, "title": i.title,
		"user": st.userRaw(i.user), "labels": st.labelsJSON(i.repo, i.labels), "state": i.state, "locked": i.locked,
		"assignee": assignee, "assignees": st.usersJSON(i.assignees), "milestone": nil, "comments": i.comments,
		"created_at": ts(i.created), "updated_at": ts(i.updated), "closed_at": ts(i.closedAt),
		"author_association": i.assoc, "active_lock_reason": nil, "body": strOrNil(i.body),
		"reactions": st.reactionsJSON(u, 0, 0), "timeline_url": u + "/timeline", "performed_via_github_app": nil,
		"state_reason": strOrNil(i.stateReason),
	}
	if i.pr != nil {
		m["draft"] = i.pr.draft
		pu := api + "/repos/" + full + "/pulls/" + num
		m["pull_request"] = map[string]any{"url": pu, "html_url": web + "/" + full + "/pull/" + num,
			"diff_url": web + "/" + full + "/pull/" + num + ".diff", "patch_url": web + "/" + full + "/pull/" + num + ".patch",
			"merged_at": ts(i.pr.mergedAt)}
	}
	i.raw = mustJSON(m)
	return i.raw
}

// issueDetailRaw is GET /repos/{owner}/{repo}/issues/{number}: the list shape plus closed_by.
func (st *state) issueDetailRaw(i *issue) json.RawMessage {
	var m map[string]any
	_ = json.Unmarshal(st.issueRaw(i), &m)
	m["closed_by"] = st.userRaw(i.closedBy)
	return mustJSON(m)
}

// pullRaw is a pull request as GET /repos/{owner}/{repo}/pulls returns it.
func (st *state) pullRaw(i *issue) json.RawMessage {
	if i.prRaw != nil && i.prRawVersion == i.repo.version {
		return i.prRaw
	}
	api, web := st.cfg.APIURL, st.cfg.WebURL
	r, p := i.repo, i.pr
	full := r.fullName()
	num := strconv.Itoa(i.number)
	u := api + "/repos/" + full + "/pulls/" + num
	iu := api + "/repos/" + full + "/issues/" + num
	html := web + "/" + full + "/pull/" + num
	var assignee json.RawMessage = json.RawMessage("null")
	if len(i.assignees) > 0 {
		assignee = st.userRaw(i.assignees[0])
	}
	ref := func(name, sha string) map[string]any {
		return map[string]any{"label": r.owner.login + ":" + name, "ref": name, "sha": sha,
			"user": st.userRaw(r.owner), "repo": st.repoRaw(r)}
	}
	state := i.state
	links := map[string]any{
		"self": map[string]string{"href": u}, "html": map[string]string{"href": html},
		"issue": map[string]string{"href": iu}, "comments": map[string]string{"href": iu + "/comments"},
		"review_comments": map[string]string{"href": u + "/comments"},
		"review_comment":  map[string]string{"href": api + "/repos/" + full + "/pulls/comments{/number}"},
		"commits":         map[string]string{"href": u + "/commits"},
		"statuses":        map[string]string{"href": api + "/repos/" + full + "/statuses/" + p.headSHA},
	}
	m := map[string]any{
		"url": u, "id": i.prID, "node_id": nodeID(11, "PullRequest", i.prID), "html_url": html,
		"diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": iu, "number": i.number,
		"state": state, "locked": i.locked, "title": i.title, "user": st.userRaw(i.user), "body": strOrNil(i.body),
		"created_at": ts(i.created), "updated_at": ts(i.updated), "closed_at": ts(i.closedAt),
		"merged_at": ts(p.mergedAt), "merge_commit_sha": strOrNil(p.mergeCommitSHA), "assignee": assignee,
		"assignees": st.usersJSON(i.assignees), "requested_reviewers": st.usersJSON(p.reviewers),
		"requested_teams": []any{}, "labels": st.labelsJSON(r, i.labels), "milestone": nil, "draft": p.draft,
		"commits_url": u + "/commits", "review_comments_url": u + "/comments",
		"review_comment_url": api + "/repos/" + full + "/pulls/comments{/number}", "comments_url": iu + "/comments",
		"statuses_url": api + "/repos/" + full + "/statuses/" + p.headSHA, "_links": links,
		"head": ref(p.headRef, p.headSHA), "base": ref(p.baseRef, p.baseSHA),
		"author_association": i.assoc, "auto_merge": nil, "active_lock_reason": nil,
	}
	i.prRaw = mustJSON(m)
	i.prRawVersion = r.version
	return i.prRaw
}

// pullDetailRaw is GET /repos/{owner}/{repo}/pulls/{number}: the list shape plus merge state and
// diff statistics.
func (st *state) pullDetailRaw(i *issue) json.RawMessage {
	var m map[string]any
	_ = json.Unmarshal(st.pullRaw(i), &m)
	p := i.pr
	merged := !p.mergedAt.IsZero()
	m["merged"] = merged
	m["mergeable"] = !merged && i.state == "open"
	m["rebaseable"] = !merged && i.state == "open"
	m["mergeable_state"] = "clean"
	m["merged_by"] = st.userRaw(p.mergedBy)
	m["comments"] = i.comments
	m["review_comments"] = p.reviewComments
	m["maintainer_can_modify"] = false
	m["commits"] = p.commits
	m["additions"] = p.additions
	m["deletions"] = p.deletions
	m["changed_files"] = p.changed
	return mustJSON(m)
}

// commentRaw is an issue comment.
func (st *state) commentRaw(c *comment) json.RawMessage {
	if c.raw != nil {
		return c.raw
	}
	api, web := st.cfg.APIURL, st.cfg.WebURL
	full := c.repo.fullName()
	u := api + "/repos/" + full + "/issues/comments/" + strconv.FormatInt(c.id, 10)
	kind := "issues"
	if c.issue.pr != nil {
		kind = "pull"
	}
	var app any
	if c.viaApp {
		app = st.appJSON()
	}
	c.raw = mustJSON(map[string]any{
		"url": u, "html_url": web + "/" + full + "/" + kind + "/" + strconv.Itoa(c.issue.number) + "#issuecomment-" + strconv.FormatInt(c.id, 10),
		"issue_url": api + "/repos/" + full + "/issues/" + strconv.Itoa(c.issue.number), "id": c.id,
		"node_id": nodeID(12, "IssueComment", c.id), "user": st.userRaw(c.user),
		"created_at": ts(c.created), "updated_at": ts(c.updated), "author_association": c.assoc,
		"body": c.body, "reactions": st.reactionsJSON(u, c.plusOne, c.heart), "performed_via_github_app": app,
	})
	return c.raw
}

// appJSON is the app object of performed_via_github_app and GET /app.
func (st *state) appJSON() map[string]any {
	return map[string]any{
		"id": st.cfg.AppID, "slug": "sequin-sync", "node_id": nodeID(3, "App", st.cfg.AppID),
		"owner": st.userRaw(st.org), "name": "Sequin Sync", "description": "", "external_url": "https://sequin.io",
		"html_url": st.cfg.WebURL + "/apps/sequin-sync", "created_at": "2024-01-02T03:04:05Z", "updated_at": "2024-01-02T03:04:05Z",
		"permissions": map[string]string{"issues": "write", "metadata": "read", "contents": "read", "pull_requests": "read", "members": "read"},
		"events":      []string{"issues", "issue_comment", "pull_request", "push", "release", "repository", "organization"},
	}
}

func (st *state) commitBase(c *commit) map[string]any {
	api, web := st.cfg.APIURL, st.cfg.WebURL
	full := c.repo.fullName()
	u := api + "/repos/" + full + "/commits/" + c.sha
	parents := make([]any, 0, len(c.parents))
	for _, p := range c.parents {
		parents = append(parents, map[string]any{"sha": p, "url": api + "/repos/" + full + "/commits/" + p,
			"html_url": web + "/" + full + "/commit/" + p})
	}
	reason, verifiedAt := "unsigned", any(nil)
	if c.verified {
		reason, verifiedAt = "valid", ts(c.committerDate)
	}
	return map[string]any{
		"sha": c.sha, "node_id": nodeID(6, "Commit", c.repo.id) + c.sha[:8],
		"commit": map[string]any{
			"author":        map[string]any{"name": c.authorName, "email": c.authorEmail, "date": ts(c.authorDate)},
			"committer":     map[string]any{"name": c.committerName, "email": c.committerMail, "date": ts(c.committerDate)},
			"message":       c.message,
			"tree":          map[string]any{"sha": c.tree, "url": api + "/repos/" + full + "/git/trees/" + c.tree},
			"url":           api + "/repos/" + full + "/git/commits/" + c.sha,
			"comment_count": 0,
			"verification":  map[string]any{"verified": c.verified, "reason": reason, "signature": nil, "payload": nil, "verified_at": verifiedAt},
		},
		"url": u, "html_url": web + "/" + full + "/commit/" + c.sha, "comments_url": u + "/comments",
		"author": st.userRaw(c.author), "committer": st.userRaw(c.committer), "parents": parents,
	}
}

// commitRaw is a commit as GET /repos/{owner}/{repo}/commits lists it.
func (st *state) commitRaw(c *commit) json.RawMessage {
	if c.raw == nil {
		c.raw = mustJSON(st.commitBase(c))
	}
	return c.raw
}

// commitDetailRaw is GET /repos/{owner}/{repo}/commits/{sha}: the list shape plus stats and files.
func (st *state) commitDetailRaw(c *commit) json.RawMessage {
	m := st.commitBase(c)
	m["stats"] = map[string]int{"total": c.additions + c.deletions, "additions": c.additions, "deletions": c.deletions}
	files := make([]any, 0, len(c.files))
	for n, f := range c.files {
		add, del := c.additions/len(c.files), c.deletions/len(c.files)
		if n == 0 {
			add += c.additions % len(c.files)
			del += c.deletions % len(c.files)
		}
		files = append(files, map[string]any{"sha": c.tree, "filename": f, "status": "modified", "additions": add,
			"deletions": del, "changes": add + del,
			"blob_url":     st.cfg.WebURL + "/" + c.repo.fullName() + "/blob/" + c.sha + "/" + f,
			"raw_url":      st.cfg.WebURL + "/" + c.repo.fullName() + "/raw/" + c.sha + "/" + f,
			"contents_url": st.cfg.APIURL + "/repos/" + c.repo.fullName() + "/contents/" + f + "?ref=" + c.sha,
		})
	}
	m["files"] = files
	return mustJSON(m)
}

// releaseRaw is a release.
func (st *state) releaseRaw(x *release) json.RawMessage {
	if x.raw != nil {
		return x.raw
	}
	api, web := st.cfg.APIURL, st.cfg.WebURL
	full := x.repo.fullName()
	id := strconv.FormatInt(x.id, 10)
	u := api + "/repos/" + full + "/releases/" + id
	assets := make([]any, 0, x.assets)
	for n := range x.assets {
		aid := x.id*10 + int64(n)
		name := x.tag + "-" + []string{"linux-amd64.tar.gz", "darwin-arm64.tar.gz", "windows-amd64.zip", "checksums.txt"}[n%4]
		assets = append(assets, map[string]any{
			"url": api + "/repos/" + full + "/releases/assets/" + strconv.FormatInt(aid, 10), "id": aid,
			"node_id": nodeID(12, "ReleaseAsset", aid), "name": name, "label": "", "uploader": st.userRaw(x.author),
			"content_type": "application/octet-stream", "state": "uploaded", "size": 1_000_000 + n*12345,
			"download_count": n * 7, "created_at": ts(x.created), "updated_at": ts(x.created),
			"browser_download_url": web + "/" + full + "/releases/download/" + x.tag + "/" + name,
		})
	}
	htmlTag := "tag/" + x.tag
	if x.draft {
		htmlTag = "untagged-" + id
	}
	x.raw = mustJSON(map[string]any{
		"url": u, "assets_url": u + "/assets", "upload_url": "https://uploads.github.com/repos/" + full + "/releases/" + id + "/assets{?name,label}",
		"html_url": web + "/" + full + "/releases/" + htmlTag, "id": x.id, "author": st.userRaw(x.author),
		"node_id": nodeID(7, "Release", x.id), "tag_name": x.tag, "target_commitish": x.target, "name": strOrNil(x.name),
		"draft": x.draft, "prerelease": x.prerelease, "created_at": ts(x.created), "published_at": ts(x.published),
		"assets": assets, "tarball_url": api + "/repos/" + full + "/tarball/" + x.tag,
		"zipball_url": api + "/repos/" + full + "/zipball/" + x.tag, "body": strOrNil(x.body),
	})
	return x.raw
}
