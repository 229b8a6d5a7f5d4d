package emulator

import (
	"fmt"
	"strings"
	"time"
)

var (
	firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara"}
	lastNames = []string{"chen", "garcia", "kim", "smith", "novak", "okafor", "rossi", "schmidt", "tanaka", "silva",
		"dubois", "kowalski", "nguyen", "patel", "larsen", "moreau"}
	contentNames = []string{"api", "web", "docs", "cli", "infra", "sdk-go", "sdk-js", "design-system", "mobile", "data"}
	repoWords    = []string{"billing", "search", "auth", "events", "ledger", "notify", "gateway", "scheduler", "metrics",
		"catalog", "exporter", "worker", "terraform", "dashboard", "importer", "playground"}
	languages = []string{"Go", "TypeScript", "Python", "Ruby", "Rust", "HCL", "Shell", "Java"}
	verbs     = []string{"Fix", "Add", "Remove", "Improve", "Refactor", "Document", "Speed up", "Handle", "Support", "Deprecate"}
	subjects  = []string{"pagination of the list endpoint", "retry on timeouts", "dark mode toggle", "CSV export",
		"webhook signature check", "login redirect loop", "memory leak in worker", "flaky integration test",
		"rate limit headers", "timezone handling in reports", "search ranking", "config validation",
		"README quick start", "Docker image size", "panic on empty input", "OAuth token refresh"}
	commentBodies = []string{"Thanks, looking into it.", "I can reproduce this on main.", "LGTM :+1:",
		"Could you add a test for the edge case?", "Fixed in the latest release.", "Is there a workaround for now?",
		"This also affects the CLI.", "Closing as duplicate.", "Nice catch!", "I'll take this one."}
	labelDefs = []struct{ name, color, desc string }{
		{"bug", "d73a4a", "Something isn't working"}, {"documentation", "0075ca", "Improvements or additions to documentation"},
		{"enhancement", "a2eeef", "New feature or request"}, {"good first issue", "7057ff", "Good for newcomers"},
		{"help wanted", "008672", "Extra attention is needed"}, {"question", "d876e3", "Further information is requested"},
	}
	licenses = []*license{{"mit", "MIT License", "MIT"}, {"apache-2.0", "Apache License 2.0", "Apache-2.0"}, nil}
)

// seedSpan is how far back seeded objects reach; the newest is at least seedQuiet old, so that changes
// made by tests are never confused with seeded history.
const (
	seedSpan  = 400 * 24 * time.Hour
	seedQuiet = 2 * time.Hour
)

// seeder creates the initial state deterministically from the generator.
type seeder struct {
	st     *state
	n      int
	start  time.Time
	end    time.Time
	people []*user
}

// at spreads index i of n evenly over the seeded span.
func (sd *seeder) at(i, n int) time.Time {
	if n <= 1 {
		return sd.start
	}
	span := sd.end.Sub(sd.start)
	return sd.start.Add(time.Duration(float64(span) * float64(i) / float64(n))).Truncate(time.Second)
}

// later returns a random time after t, no later than the end of the seeded span.
func (sd *seeder) later(t time.Time, maxGap time.Duration) time.Time {
	gap := time.Duration(sd.st.rng.Int64N(int64(maxGap)))
	u := t.Add(gap).Truncate(time.Second)
	if u.After(sd.end) {
		return sd.end
	}
	return u
}

func (sd *seeder) person() *user { return sd.people[sd.st.rng.IntN(len(sd.people))] }

func seed(st *state, cfg Config) {
	now := st.now()
	sd := &seeder{st: st, n: cfg.Seed, start: now.Add(-seedSpan), end: now.Add(-seedQuiet)}
	st.org = st.newUser(cfg.Org, "Organization", strings.ToUpper(cfg.Org[:1])+cfg.Org[1:], sd.start.Add(-365*24*time.Hour))
	st.viewer = st.newUser("sequin-sync", "User", "Sequin Sync", sd.start.Add(-300*24*time.Hour))
	st.viewer.member, st.viewer.role = true, "admin"
	st.bot = st.newUser("sequin-sync[bot]", "Bot", "", sd.start)
	sd.people = []*user{st.viewer}
	for i := 1; i < cfg.Seed; i++ {
		sd.people = append(sd.people, sd.member(i))
	}
	nrepos := max(cfg.Seed, cfg.ContentRepos)
	for i := range nrepos {
		sd.repo(i, nrepos, i < cfg.ContentRepos)
	}
	content := st.contentRepos()
	for i := range cfg.Seed {
		r := content[i%len(content)]
		sd.issue(r, i, false)
		sd.issue(r, i, true)
	}
	for i := range cfg.Seed {
		sd.commit(content[i%len(content)], i)
	}
	for _, r := range content {
		if h := r.head(); h != nil {
			r.pushed = h.committerDate
			r.size = 40 + len(r.commits)*3
		}
	}
	for i := range cfg.Seed {
		sd.comment(content[i%len(content)], i)
	}
	for i := range cfg.Seed {
		sd.release(content[i%len(content)], i)
	}
}

// member creates the i-th organization member.
func (sd *seeder) member(i int) *user {
	st := sd.st
	f, l := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	login := f + "-" + l
	if k := i / (len(firstNames) * len(lastNames)); k > 0 {
		login = fmt.Sprintf("%s%d", login, k)
	}
	u := st.newUser(login, "User", strings.ToUpper(f[:1])+f[1:]+" "+strings.ToUpper(l[:1])+l[1:], sd.at(i, sd.n))
	u.member, u.role = true, "member"
	if i%17 == 0 {
		u.role = "admin"
	}
	return u
}

// repo creates the i-th repository of the organization.
func (sd *seeder) repo(i, n int, content bool) *repo {
	st := sd.st
	var name string
	switch {
	case content && i < len(contentNames):
		name = contentNames[i]
	case content:
		name = fmt.Sprintf("service-%d", i)
	default:
		name = fmt.Sprintf("%s-%s-%d", repoWords[i%len(repoWords)], repoWords[(i/len(repoWords)+3)%len(repoWords)], i)
	}
	created := sd.start.Add(-time.Duration(n-i) * time.Hour)
	r := st.addRepo(st.org, name, created)
	r.content = content
	r.description = fmt.Sprintf("The %s of %s.", strings.ReplaceAll(name, "-", " "), st.org.name)
	r.language = languages[i%len(languages)]
	r.license = licenses[i%len(licenses)]
	r.private = i%4 == 3
	if r.private {
		r.visibility = "private"
	}
	r.stars = st.rng.IntN(500)
	r.forks = r.stars / 7
	r.topics = []string{strings.ToLower(r.language)}
	r.archived = !content && i%23 == 22
	r.updated = sd.later(created, 30*24*time.Hour)
	r.pushed = r.updated
	if !content {
		r.size = 0
	}
	return r
}

// addRepo creates an empty repository with its default labels.
func (st *state) addRepo(owner *user, name string, created time.Time) *repo {
	st.nextRepo++
	r := &repo{id: st.nextRepo, owner: owner, name: name, visibility: "public", defaultBranch: "main",
		hasIssues: true, hasProjects: true, hasWiki: true, created: created, updated: created,
		commentMap: map[int64]*comment{}, commitMap: map[string]*commit{}, releaseMap: map[int64]*release{}}
	for _, d := range labelDefs {
		st.nextLabel++
		r.labels = append(r.labels, &label{id: st.nextLabel, name: d.name, color: d.color, description: d.desc, def: true})
	}
	st.repos = append(st.repos, r)
	st.repoByName[strings.ToLower(r.fullName())] = r
	st.repoByID[r.id] = r
	return r
}

// issue creates the i-th seeded issue (or pull request) of a repository.
func (sd *seeder) issue(r *repo, i int, isPull bool) {
	st := sd.st
	created := sd.at(i, sd.n)
	if isPull {
		created = created.Add(time.Duration(1+st.rng.IntN(3600)) * time.Second)
	}
	title := verbs[st.rng.IntN(len(verbs))] + " " + subjects[st.rng.IntN(len(subjects))]
	x := st.addIssue(r, sd.person(), title, "Steps to reproduce:\n\n1. Run the command\n2. See the error\n\nExpected it to work.", created)
	if isPull {
		x.pr = &pull{headRef: fmt.Sprintf("feature/%d-%s", x.number, strings.Fields(title)[0]), baseRef: r.defaultBranch,
			headSHA: st.randomSHA(), baseSHA: st.randomSHA(), commits: 1 + st.rng.IntN(5),
			additions: st.rng.IntN(400), deletions: st.rng.IntN(200), changed: 1 + st.rng.IntN(12)}
		x.body = "This pull request " + strings.ToLower(title[:1]) + title[1:] + ".\n\nCloses #" + fmt.Sprint(max(1, x.number-1))
		st.nextPull++
		x.prID = st.nextPull
	}
	if k := st.rng.IntN(len(r.labels) + 2); k < len(r.labels) {
		x.labels = []*label{r.labels[k]}
	}
	if st.rng.IntN(3) == 0 {
		x.assignees = []*user{sd.person()}
	}
	x.updated = sd.later(created, 20*24*time.Hour)
	switch {
	case st.rng.IntN(10) < 6:
		x.state = "closed"
		x.closedAt = x.updated
		x.closedBy = sd.person()
		x.stateReason = "completed"
		if isPull {
			x.stateReason = ""
			if st.rng.IntN(4) > 0 {
				x.pr.mergedAt = x.closedAt
				x.pr.mergeCommitSHA = st.randomSHA()
				x.pr.mergedBy = x.closedBy
			}
		}
		r.openIssues--
	case isPull && st.rng.IntN(5) == 0:
		x.pr.draft = true
	}
}

// addIssue creates an open issue numbered after the repository's last.
func (st *state) addIssue(r *repo, author *user, title, body string, created time.Time) *issue {
	st.nextIssue++
	r.nextNumber++
	x := &issue{repo: r, id: st.nextIssue, number: r.nextNumber, title: title, body: body, state: "open",
		user: author, created: created, updated: created, assoc: st.association(r, author)}
	r.issues = append(r.issues, x)
	r.openIssues++
	r.touch()
	return x
}

// commit creates the i-th seeded commit of a repository.
func (sd *seeder) commit(r *repo, i int) {
	st := sd.st
	when := sd.at(i, sd.n)
	p := sd.person()
	msg := verbs[st.rng.IntN(len(verbs))] + " " + subjects[st.rng.IntN(len(subjects))]
	c := st.addCommit(r, p, msg, when)
	c.verified = i%3 == 0
}

// addCommit appends a commit to the default branch.
func (st *state) addCommit(r *repo, author *user, message string, when time.Time) *commit {
	c := &commit{sha: st.randomSHA(), tree: st.randomSHA(), repo: r, message: message,
		authorName: author.name, authorEmail: author.email, authorDate: when,
		committerName: "GitHub", committerMail: "noreply@github.com", committerDate: when,
		author: author, committer: &user{id: 19864447, login: "web-flow", typ: "User"},
		additions: 1 + st.rng.IntN(120), deletions: st.rng.IntN(60),
		files: []string{"main.go", "README.md"}[:1+st.rng.IntN(2)]}
	if author.name == "" {
		c.authorName = author.login
	}
	if h := r.head(); h != nil {
		c.parents = []string{h.sha}
		if when.Before(h.committerDate) {
			c.committerDate = h.committerDate
		}
	}
	r.commits = append(r.commits, c)
	r.commitMap[c.sha] = c
	return c
}

// comment creates the i-th seeded comment, on a random issue or pull request of the repository.
func (sd *seeder) comment(r *repo, i int) {
	st := sd.st
	if len(r.issues) == 0 {
		return
	}
	x := r.issues[st.rng.IntN(len(r.issues))]
	when := sd.later(x.created, 10*24*time.Hour)
	c := st.addComment(x, sd.person(), commentBodies[st.rng.IntN(len(commentBodies))], when)
	if st.rng.IntN(4) == 0 {
		c.updated = sd.later(when, 48*time.Hour)
	}
	c.plusOne, c.heart = st.rng.IntN(4), st.rng.IntN(2)
}

// addComment adds a comment to an issue; the issue's comment count and update time follow.
func (st *state) addComment(x *issue, author *user, body string, when time.Time) *comment {
	st.nextComment++
	c := &comment{id: st.nextComment, repo: x.repo, issue: x, user: author, body: body, created: when, updated: when,
		assoc: st.association(x.repo, author)}
	x.repo.comments = append(x.repo.comments, c)
	x.repo.commentMap[c.id] = c
	x.comments++
	if when.After(x.updated) {
		x.updated = when
	}
	x.changed()
	return c
}

// release creates the i-th seeded release of a repository.
func (sd *seeder) release(r *repo, i int) {
	st := sd.st
	k := len(r.releases)
	when := sd.at(i, sd.n)
	tag := fmt.Sprintf("v%d.%d.%d", k/100, (k/10)%10, k%10)
	x := st.addRelease(r, sd.person(), tag, when)
	x.name = "Release " + tag
	x.body = "## What's changed\n\n* " + verbs[st.rng.IntN(len(verbs))] + " " + subjects[st.rng.IntN(len(subjects))]
	x.prerelease = k%7 == 6
	x.assets = st.rng.IntN(4)
}

// addRelease publishes a release of the default branch.
func (st *state) addRelease(r *repo, author *user, tag string, when time.Time) *release {
	st.nextRelease++
	x := &release{id: st.nextRelease, repo: r, tag: tag, target: r.defaultBranch, author: author,
		created: when, published: when}
	r.releases = append(r.releases, x)
	r.releaseMap[x.id] = x
	return x
}
