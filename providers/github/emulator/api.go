package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Objects are named by keys, the same ids the provider gives them:
//
//	repositories    owner/repo
//	issues          owner/repo/issues/<number>
//	pull_requests   owner/repo/pulls/<number>
//	issue_comments  owner/repo/issues/comments/<id>
//	commits         owner/repo/commits/<sha>
//	releases        owner/repo/releases/<id>
//	members         <login>
//
// Collections may also be named with the provider's prefix ("github:issues").

func collectionName(c string) (string, error) {
	c = strings.TrimPrefix(c, "github:")
	for _, k := range Collections {
		if k == c {
			return c, nil
		}
	}
	return "", fmt.Errorf("emulator: unknown collection %q", c)
}

// splitKey splits "owner/repo/<rest>" and finds the repository.
func (s *Server) splitKey(key string) (*repo, string, error) {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) < 2 {
		return nil, "", fmt.Errorf("emulator: %q does not name a repository", key)
	}
	r := s.st.repoNamed(parts[0], parts[1])
	if r == nil {
		return nil, "", fmt.Errorf("emulator: no repository %s/%s", parts[0], parts[1])
	}
	rest := ""
	if len(parts) == 3 {
		rest = parts[2]
	}
	return r, rest, nil
}

func (s *Server) lookupIssue(collection, key string) (*issue, error) {
	r, rest, err := s.splitKey(key)
	if err != nil {
		return nil, err
	}
	kind := "issues/"
	if collection == "pull_requests" {
		kind = "pulls/"
	}
	n, err := strconv.Atoi(strings.TrimPrefix(rest, kind))
	x := r.issue(n)
	if !strings.HasPrefix(rest, kind) || err != nil || x == nil || (x.pr != nil) != (collection == "pull_requests") {
		return nil, fmt.Errorf("emulator: no %s %s", strings.TrimSuffix(kind, "s/"), key)
	}
	return x, nil
}

func (s *Server) lookupComment(key string) (*comment, error) {
	r, rest, err := s.splitKey(key)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(rest, "issues/comments/"), 10, 64)
	c := r.commentMap[id]
	if !strings.HasPrefix(rest, "issues/comments/") || err != nil || c == nil || c.deleted {
		return nil, fmt.Errorf("emulator: no issue comment %s", key)
	}
	return c, nil
}

func (s *Server) lookupCommit(key string) (*commit, error) {
	r, rest, err := s.splitKey(key)
	if err != nil {
		return nil, err
	}
	c := r.commitMap[strings.TrimPrefix(rest, "commits/")]
	if !strings.HasPrefix(rest, "commits/") || c == nil {
		return nil, fmt.Errorf("emulator: no commit %s", key)
	}
	return c, nil
}

func (s *Server) lookupRelease(key string) (*release, error) {
	r, rest, err := s.splitKey(key)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(rest, "releases/"), 10, 64)
	x := r.releaseMap[id]
	if !strings.HasPrefix(rest, "releases/") || err != nil || x == nil || x.deleted {
		return nil, fmt.Errorf("emulator: no release %s", key)
	}
	return x, nil
}

func issueKey(x *issue) string {
	if x.pr != nil {
		return x.repo.fullName() + "/pulls/" + strconv.Itoa(x.number)
	}
	return x.repo.fullName() + "/issues/" + strconv.Itoa(x.number)
}

func commentKey(c *comment) string {
	return c.repo.fullName() + "/issues/comments/" + strconv.FormatInt(c.id, 10)
}

func commitKey(c *commit) string { return c.repo.fullName() + "/commits/" + c.sha }

func releaseKey(x *release) string {
	return x.repo.fullName() + "/releases/" + strconv.FormatInt(x.id, 10)
}

// targetRepo picks the repository a Go API create goes to: params' "repository" ("owner/repo"), else
// the first content repository.
func (s *Server) targetRepo(p params) (*repo, error) {
	if name, ok := p["repository"].(string); ok {
		delete(p, "repository")
		owner, n, _ := strings.Cut(name, "/")
		if r := s.st.repoNamed(owner, n); r != nil {
			return r, nil
		}
		return nil, fmt.Errorf("emulator: no repository %s", name)
	}
	if rs := s.st.contentRepos(); len(rs) > 0 {
		return rs[0], nil
	}
	if rs := s.st.liveRepos(); len(rs) > 0 {
		return rs[0], nil
	}
	return nil, fmt.Errorf("emulator: there is no repository")
}

func decoded(raw json.RawMessage) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func apiErr(op, collection string, e *Error) error {
	return fmt.Errorf("emulator: %s %s: %w", op, collection, e)
}

// Create creates an object as the API would (webhooks included) and returns it as list endpoints
// serve it; ObjectKey names it. Nil params make a typical object. Issues, pull requests, commits and
// releases go to params' "repository" ("owner/repo") or the first content repository; an issue
// comment goes to params' "issue" (an issue or pull request key) or the newest issue of that
// repository; a member is params' "login" (created if needed). Commits are pushed to the default
// branch with params' "message".
func (s *Server) Create(collection string, in map[string]any) (map[string]any, error) {
	c, err := collectionName(collection)
	if err != nil {
		return nil, err
	}
	p := params{}
	for k, v := range in {
		p[k] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	n := st.count(c) + 1
	switch c {
	case "repositories":
		if p["name"] == nil {
			p["name"] = fmt.Sprintf("new-repo-%d", n)
		}
		r, e := st.createRepo(st.viewer, p)
		if e != nil {
			return nil, apiErr("create", c, e)
		}
		return decoded(st.repoRaw(r)), nil
	case "members":
		login, _ := p["login"].(string)
		if login == "" {
			login = fmt.Sprintf("new-member-%d", n)
			for st.userByLogin(login) != nil {
				n++
				login = fmt.Sprintf("new-member-%d", n)
			}
		}
		u := st.userByLogin(login)
		if u == nil {
			u = st.newUser(login, "User", login, st.now())
		}
		role, _ := p["role"].(string)
		st.addMember(st.viewer, u, role)
		return decoded(st.userRaw(u)), nil
	}
	var r *repo
	var target *issue
	if c == "issue_comments" {
		if key, ok := p["issue"].(string); ok {
			delete(p, "issue")
			kind := "issues"
			if strings.Contains(key, "/pulls/") {
				kind = "pull_requests"
			}
			if target, err = s.lookupIssue(kind, key); err != nil {
				return nil, err
			}
			r = target.repo
		}
	}
	if r == nil {
		if r, err = s.targetRepo(p); err != nil {
			return nil, err
		}
	}
	switch c {
	case "issues":
		if p["title"] == nil {
			p["title"] = fmt.Sprintf("New issue %d", n)
			p["body"] = "Created through the emulator."
		}
		x, e := st.createIssue(st.viewer, r, p)
		if e != nil {
			return nil, apiErr("create", c, e)
		}
		return decoded(st.issueRaw(x)), nil
	case "pull_requests":
		if p["title"] == nil {
			p["title"] = fmt.Sprintf("New pull request %d", n)
			p["head"] = fmt.Sprintf("feature/new-%d", n)
			p["base"] = r.defaultBranch
		}
		x, e := st.createPull(st.viewer, r, p)
		if e != nil {
			return nil, apiErr("create", c, e)
		}
		return decoded(st.pullRaw(x)), nil
	case "issue_comments":
		if target == nil {
			for i := len(r.issues) - 1; i >= 0 && target == nil; i-- {
				target = r.issue(i + 1)
			}
			if target == nil {
				return nil, fmt.Errorf("emulator: create issue_comments: %s has no issue", r.fullName())
			}
		}
		if p["body"] == nil {
			p["body"] = fmt.Sprintf("New comment %d", n)
		}
		cm, e := st.createComment(st.viewer, target, p, false)
		if e != nil {
			return nil, apiErr("create", c, e)
		}
		return decoded(st.commentRaw(cm)), nil
	case "commits":
		msg, _ := p["message"].(string)
		if msg == "" {
			msg = fmt.Sprintf("New commit %d", n)
		}
		return decoded(st.commitRaw(st.push(st.viewer, r, msg))), nil
	case "releases":
		if p["tag_name"] == nil {
			p["tag_name"] = fmt.Sprintf("v9.%d.0", n)
			p["name"] = fmt.Sprintf("Release %d", n)
		}
		x, e := st.createRelease(st.viewer, r, p)
		if e != nil {
			return nil, apiErr("create", c, e)
		}
		return decoded(st.releaseRaw(x)), nil
	}
	return nil, fmt.Errorf("emulator: cannot create %s", c)
}

// ObjectKey returns the key of an object of the collection, as Create and Get return it.
func ObjectKey(collection string, obj map[string]any) string {
	c, _ := collectionName(collection)
	if c == "members" {
		s, _ := obj["login"].(string)
		return s
	}
	u, _ := obj["url"].(string)
	if i := strings.Index(u, "/repos/"); i >= 0 {
		return u[i+len("/repos/"):]
	}
	return ""
}

// Update changes an object as the API would. Nil params make a change the API reports as an update
// (a new body or description, and a new updated_at).
func (s *Server) Update(collection, key string, in map[string]any) (map[string]any, error) {
	c, err := collectionName(collection)
	if err != nil {
		return nil, err
	}
	p := params{}
	for k, v := range in {
		p[k] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	stamp := "Edited at " + st.now().Format("15:04:05") + " (" + strconv.Itoa(st.rng.IntN(1_000_000)) + ")."
	switch c {
	case "repositories":
		r := st.repoByName[strings.ToLower(key)]
		if r == nil || r.deleted {
			return nil, fmt.Errorf("emulator: no repository %s", key)
		}
		if len(p) == 0 {
			p["description"] = stamp
		}
		if _, e := st.updateRepo(st.viewer, r, p); e != nil {
			return nil, apiErr("update", c, e)
		}
		return decoded(st.repoRaw(r)), nil
	case "issues", "pull_requests":
		x, err := s.lookupIssue(c, key)
		if err != nil {
			return nil, err
		}
		if len(p) == 0 {
			p["body"] = stamp
		}
		if _, e := st.updateIssue(st.viewer, x, p, false); e != nil {
			return nil, apiErr("update", c, e)
		}
		if x.pr != nil {
			return decoded(st.pullRaw(x)), nil
		}
		return decoded(st.issueRaw(x)), nil
	case "issue_comments":
		cm, err := s.lookupComment(key)
		if err != nil {
			return nil, err
		}
		if len(p) == 0 {
			p["body"] = stamp
		}
		if _, e := st.updateComment(st.viewer, cm, p); e != nil {
			return nil, apiErr("update", c, e)
		}
		return decoded(st.commentRaw(cm)), nil
	case "releases":
		x, err := s.lookupRelease(key)
		if err != nil {
			return nil, err
		}
		if len(p) == 0 {
			p["body"] = stamp
		}
		if _, e := st.updateRelease(st.viewer, x, p); e != nil {
			return nil, apiErr("update", c, e)
		}
		return decoded(st.releaseRaw(x)), nil
	case "members":
		u := st.userByLogin(key)
		if u == nil || !u.member {
			return nil, fmt.Errorf("emulator: no member %s", key)
		}
		role, _ := p["role"].(string)
		if role == "" {
			role = map[string]string{"admin": "member", "member": "admin"}[u.role]
		}
		u.role = role
		return decoded(st.userRaw(u)), nil
	}
	return nil, fmt.Errorf("emulator: %s cannot be updated", c)
}

// Delete deletes an object: a repository (with everything in it), an issue (as an administrator can),
// an issue comment or a release, or removes a member. Commits and pull requests cannot be deleted.
func (s *Server) Delete(collection, key string) error {
	c, err := collectionName(collection)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	switch c {
	case "repositories":
		r := st.repoByName[strings.ToLower(key)]
		if r == nil || r.deleted {
			return fmt.Errorf("emulator: no repository %s", key)
		}
		st.deleteRepo(st.viewer, r)
	case "issues":
		x, err := s.lookupIssue(c, key)
		if err != nil {
			return err
		}
		st.deleteIssue(st.viewer, x)
	case "issue_comments":
		cm, err := s.lookupComment(key)
		if err != nil {
			return err
		}
		st.deleteComment(st.viewer, cm)
	case "releases":
		x, err := s.lookupRelease(key)
		if err != nil {
			return err
		}
		st.deleteRelease(st.viewer, x)
	case "members":
		u := st.userByLogin(key)
		if u == nil || !u.member {
			return fmt.Errorf("emulator: no member %s", key)
		}
		st.removeMember(st.viewer, u)
	default:
		return fmt.Errorf("emulator: %s cannot be deleted", c)
	}
	return nil
}

// Get returns an object as list endpoints serve it.
func (s *Server) Get(collection, key string) (map[string]any, bool) {
	raw, ok := s.Raw(collection, key)
	if !ok {
		return nil, false
	}
	return decoded(raw), true
}

// Raw returns an object's JSON as list endpoints serve it.
func (s *Server) Raw(collection, key string) (json.RawMessage, bool) {
	c, err := collectionName(collection)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	switch c {
	case "repositories":
		if r := st.repoByName[strings.ToLower(key)]; r != nil && !r.deleted {
			return st.repoRaw(r), true
		}
	case "issues", "pull_requests":
		if x, err := s.lookupIssue(c, key); err == nil {
			if x.pr != nil {
				return st.pullRaw(x), true
			}
			return st.issueRaw(x), true
		}
	case "issue_comments":
		if cm, err := s.lookupComment(key); err == nil {
			return st.commentRaw(cm), true
		}
	case "commits":
		if cm, err := s.lookupCommit(key); err == nil {
			return st.commitRaw(cm), true
		}
	case "releases":
		if x, err := s.lookupRelease(key); err == nil {
			return st.releaseRaw(x), true
		}
	case "members":
		if u := st.userByLogin(key); u != nil && u.member {
			return st.userRaw(u), true
		}
	}
	return nil, false
}

// Keys lists the keys of every live object of a collection.
func (s *Server) Keys(collection string) []string {
	c, err := collectionName(collection)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	st := s.st
	switch c {
	case "repositories":
		for _, r := range st.liveRepos() {
			out = append(out, r.fullName())
		}
	case "members":
		for _, u := range st.members() {
			out = append(out, u.login)
		}
	default:
		for _, r := range st.liveRepos() {
			switch c {
			case "issues", "pull_requests":
				for _, x := range r.liveIssues() {
					if (x.pr != nil) == (c == "pull_requests") {
						out = append(out, issueKey(x))
					}
				}
			case "issue_comments":
				for _, cm := range r.liveComments() {
					out = append(out, commentKey(cm))
				}
			case "commits":
				for _, cm := range r.commits {
					out = append(out, commitKey(cm))
				}
			case "releases":
				for _, x := range r.liveReleases() {
					out = append(out, releaseKey(x))
				}
			}
		}
	}
	return out
}

// List returns every live object of a collection, as list endpoints serve them.
func (s *Server) List(collection string) []map[string]any {
	var out []map[string]any
	for _, k := range s.Keys(collection) {
		if obj, ok := s.Get(collection, k); ok {
			out = append(out, obj)
		}
	}
	return out
}

// Count returns the number of live objects of a collection.
func (s *Server) Count(collection string) int {
	c, err := collectionName(collection)
	if err != nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.count(c)
}

// Org returns the login of the emulated organization.
func (s *Server) Org() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.org.login
}

// Viewer returns the login of the user every personal access token belongs to.
func (s *Server) Viewer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.viewer.login
}
