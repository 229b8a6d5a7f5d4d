package emulator

import (
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Collections are the emulated collections, named as the provider names them.
var Collections = []string{"repositories", "issues", "pull_requests", "issue_comments", "commits", "releases", "members"}

// user is an account: a person, the organization or an app's bot.
type user struct {
	id      int64
	login   string
	typ     string // "User", "Organization" or "Bot"
	name    string
	email   string
	created time.Time
	member  bool
	role    string // organization role: "admin" or "member"
	raw     json.RawMessage
}

// license is a repository's detected license.
type license struct {
	key, name, spdx string
}

// label is a repository label.
type label struct {
	id                       int64
	name, color, description string
	def                      bool
}

// repo is a repository and everything in it.
type repo struct {
	id                                             int64
	owner                                          *user
	name, description, homepage, language          string
	visibility, defaultBranch                      string
	topics                                         []string
	license                                        *license
	private, fork, archived, isTemplate            bool
	hasIssues, hasProjects, hasWiki, hasDiscussion bool
	created, updated, pushed                       time.Time
	size, stars, forks, openIssues                 int
	content                                        bool // seeded with issues, commits, ...
	deleted                                        bool
	version                                        int // bumped on every change; pull requests embed the repository
	raw                                            json.RawMessage

	nextNumber int
	issues     []*issue // by number-1
	comments   []*comment
	commentMap map[int64]*comment
	commits    []*commit // oldest first
	commitMap  map[string]*commit
	releases   []*release
	releaseMap map[int64]*release
	labels     []*label
}

func (r *repo) fullName() string { return r.owner.login + "/" + r.name }

// touch invalidates the repository's cached JSON (and that of the pull requests embedding it).
func (r *repo) touch() {
	r.raw = nil
	r.version++
}

// issue is an issue or, with pr set, a pull request: both share the repository's numbers.
type issue struct {
	repo                            *repo
	id                              int64
	prID                            int64
	number                          int
	title, body, state, stateReason string
	user                            *user
	labels                          []*label
	assignees                       []*user
	locked                          bool
	comments                        int
	created, updated, closedAt      time.Time
	closedBy                        *user
	assoc                           string
	pr                              *pull
	deleted                         bool
	raw                             json.RawMessage
	prRaw                           json.RawMessage
	prRawVersion                    int
}

// pull holds what a pull request has beyond its issue.
type pull struct {
	draft                                  bool
	headRef, headSHA, baseRef, baseSHA     string
	mergedAt                               time.Time
	mergeCommitSHA                         string
	mergedBy                               *user
	commits, additions, deletions, changed int
	reviewComments                         int
	reviewers                              []*user
}

func (i *issue) changed() {
	i.raw, i.prRaw = nil, nil
}

// comment is an issue (or pull request conversation) comment.
type comment struct {
	id               int64
	repo             *repo
	issue            *issue
	user             *user
	body             string
	created, updated time.Time
	assoc            string
	viaApp           bool
	plusOne, heart   int
	deleted          bool
	raw              json.RawMessage
}

// commit is a commit on a repository's default branch.
type commit struct {
	sha, tree                    string
	repo                         *repo
	message                      string
	authorName, authorEmail      string
	committerName, committerMail string
	authorDate, committerDate    time.Time
	author, committer            *user
	parents                      []string
	verified                     bool
	additions, deletions         int
	files                        []string
	raw                          json.RawMessage
}

// release is a release of a repository.
type release struct {
	id                 int64
	repo               *repo
	tag, target        string
	name, body         string
	draft, prerelease  bool
	created, published time.Time
	author             *user
	assets             int
	deleted            bool
	raw                json.RawMessage
}

// state is everything the emulator knows.
type state struct {
	cfg  Config
	rng  *rand.Rand
	now  func() time.Time
	emit func(event string, payload map[string]any)

	users      map[string]*user // by lower-case login
	org        *user
	viewer     *user // the owner of every personal access token
	bot        *user // the app's bot account
	repos      []*repo
	repoByName map[string]*repo // by lower-case full name
	repoByID   map[int64]*repo

	nextUser, nextRepo, nextIssue, nextPull, nextComment, nextRelease, nextLabel int64
}

func newState(cfg Config, rng *rand.Rand) *state {
	st := &state{cfg: cfg, rng: rng, users: map[string]*user{}, repoByName: map[string]*repo{}, repoByID: map[int64]*repo{},
		nextUser: 1_000_000, nextRepo: 500_000_000, nextIssue: 2_000_000_000, nextPull: 1_500_000_000,
		nextComment: 2_100_000_000, nextRelease: 150_000_000, nextLabel: 5_000_000_000}
	st.now = func() time.Time { return cfg.Now().UTC().Truncate(time.Second) }
	return st
}

func (st *state) fire(event string, payload map[string]any) {
	if st.emit != nil {
		st.emit(event, payload)
	}
}

// newUser creates an account.
func (st *state) newUser(login, typ, name string, created time.Time) *user {
	st.nextUser++
	u := &user{id: st.nextUser, login: login, typ: typ, name: name, created: created,
		email: strings.ToLower(login) + "@users.noreply.github.com"}
	st.users[strings.ToLower(login)] = u
	return u
}

// userByLogin finds an account, case-insensitively.
func (st *state) userByLogin(login string) *user { return st.users[strings.ToLower(login)] }

// members lists the organization's members by id.
func (st *state) members() []*user {
	var out []*user
	for _, u := range st.users {
		if u.member {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *user) int { return cmp.Compare(a.id, b.id) })
	return out
}

// liveRepos lists the repositories that exist, by id.
func (st *state) liveRepos() []*repo {
	out := make([]*repo, 0, len(st.repos))
	for _, r := range st.repos {
		if !r.deleted {
			out = append(out, r)
		}
	}
	return out
}

// repoNamed finds a live repository by "owner/name", case-insensitively.
func (st *state) repoNamed(owner, name string) *repo {
	r := st.repoByName[strings.ToLower(owner+"/"+name)]
	if r == nil || r.deleted {
		return nil
	}
	return r
}

// contentRepos lists the repositories holding seeded content, by id.
func (st *state) contentRepos() []*repo {
	var out []*repo
	for _, r := range st.liveRepos() {
		if r.content {
			out = append(out, r)
		}
	}
	return out
}

// issue returns a live issue or pull request by number.
func (r *repo) issue(n int) *issue {
	if n < 1 || n > len(r.issues) {
		return nil
	}
	i := r.issues[n-1]
	if i == nil || i.deleted {
		return nil
	}
	return i
}

// liveIssues lists live issues and pull requests by number.
func (r *repo) liveIssues() []*issue {
	out := make([]*issue, 0, len(r.issues))
	for _, i := range r.issues {
		if i != nil && !i.deleted {
			out = append(out, i)
		}
	}
	return out
}

// liveComments lists live comments by id.
func (r *repo) liveComments() []*comment {
	out := make([]*comment, 0, len(r.comments))
	for _, c := range r.comments {
		if !c.deleted {
			out = append(out, c)
		}
	}
	return out
}

// liveReleases lists live releases by id.
func (r *repo) liveReleases() []*release {
	out := make([]*release, 0, len(r.releases))
	for _, x := range r.releases {
		if !x.deleted {
			out = append(out, x)
		}
	}
	return out
}

// head is the newest commit of the default branch, or nil in an empty repository.
func (r *repo) head() *commit {
	if len(r.commits) == 0 {
		return nil
	}
	return r.commits[len(r.commits)-1]
}

// count returns the number of live objects of a collection.
func (st *state) count(collection string) int {
	n := 0
	switch collection {
	case "repositories":
		return len(st.liveRepos())
	case "members":
		return len(st.members())
	}
	for _, r := range st.liveRepos() {
		switch collection {
		case "issues", "pull_requests":
			for _, i := range r.issues {
				if i != nil && !i.deleted && (i.pr != nil) == (collection == "pull_requests") {
					n++
				}
			}
		case "issue_comments":
			n += len(r.liveComments())
		case "commits":
			n += len(r.commits)
		case "releases":
			n += len(r.liveReleases())
		}
	}
	return n
}

// association is a user's author_association in a repository.
func (st *state) association(r *repo, u *user) string {
	switch {
	case u == r.owner:
		return "OWNER"
	case u.member:
		return "MEMBER"
	case u.typ == "Bot":
		return "NONE"
	default:
		return "CONTRIBUTOR"
	}
}

// randomSHA returns 40 hex digits from the generator.
func (st *state) randomSHA() string {
	const hexDigits = "0123456789abcdef"
	b := make([]byte, 40)
	for i := range b {
		b[i] = hexDigits[st.rng.IntN(16)]
	}
	return string(b)
}
