package github

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// selection is what a sync's options select:
//
//	org     an organization: its repositories (GET /orgs/{org}/repos) and its members
//	owner   a user or organization: the repositories the credential can see that it owns
//	repos   a list of repositories ("owner/name", or "name" of the owner or org): only these
//
// Without any of them, every repository the credential can see is synced (GET /user/repos for a
// token, GET /installation/repositories for an app).
type selection struct {
	org   string
	owner string
	repos []string // "owner/name", sorted, lower-case
	app   bool
}

var (
	loginPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoPattern  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// validFullName reports whether s looks like "owner/name".
func validFullName(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	return ok && loginPattern.MatchString(owner) && repoPattern.MatchString(name) && name != "." && name != ".."
}

func invalid(format string, args ...any) *providers.Error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: "github: " + fmt.Sprintf(format, args...)}
}

// selectionOf reads a session's options.
func selectionOf(s *providers.Session) (*selection, error) {
	sel := &selection{org: strings.TrimSpace(s.Option("org")), owner: strings.TrimSpace(s.Option("owner")), app: s.Credential.Kind == KindApp}
	if sel.org != "" && !loginPattern.MatchString(sel.org) {
		return nil, invalid("options.org %q is not a GitHub login", sel.org)
	}
	if sel.owner != "" && !loginPattern.MatchString(sel.owner) {
		return nil, invalid("options.owner %q is not a GitHub login", sel.owner)
	}
	if sel.org != "" && sel.owner != "" && !strings.EqualFold(sel.org, sel.owner) {
		return nil, invalid("options.owner (%s) and options.org (%s) name different accounts", sel.owner, sel.org)
	}
	if sel.owner == "" {
		sel.owner = sel.org
	}
	var names []string
	switch v := s.Options["repos"].(type) {
	case nil:
	case string:
		for n := range strings.SplitSeq(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	case []string:
		names = v
	case []any:
		for _, e := range v {
			n, ok := e.(string)
			if !ok {
				return nil, invalid("options.repos must be a list of repository names")
			}
			names = append(names, strings.TrimSpace(n))
		}
	default:
		return nil, invalid("options.repos must be a list of repository names")
	}
	for _, n := range names {
		if !strings.Contains(n, "/") {
			if sel.owner == "" {
				return nil, invalid("options.repos names %q without its owner; write owner/name or set options.owner", n)
			}
			n = sel.owner + "/" + n
		}
		if !validFullName(n) {
			return nil, invalid("options.repos: %q is not a repository name (owner/name)", n)
		}
		n = strings.ToLower(n)
		if !slices.Contains(sel.repos, n) {
			sel.repos = append(sel.repos, n)
		}
	}
	slices.Sort(sel.repos)
	return sel, nil
}

// key identifies the selection in caches.
func (sel *selection) key() string {
	return strings.ToLower(sel.org) + "|" + strings.ToLower(sel.owner) + "|" + strings.Join(sel.repos, ",") + fmt.Sprint("|", sel.app)
}

// allows reports whether a repository belongs to the selection.
func (sel *selection) allows(fullName string) bool {
	fullName = strings.ToLower(fullName)
	if len(sel.repos) > 0 {
		_, found := slices.BinarySearch(sel.repos, fullName)
		return found
	}
	if sel.owner != "" {
		owner, _, _ := strings.Cut(fullName, "/")
		return strings.EqualFold(owner, sel.owner)
	}
	return true
}

// membersOrg is the organization whose members are synced.
func (sel *selection) membersOrg() (string, error) {
	if sel.owner == "" {
		return "", invalid("the members collection needs options.org (the organization whose members to sync)")
	}
	return sel.owner, nil
}

// listPath is the first page of the repository listing the selection reads (when it does not name
// its repositories).
func (sel *selection) listPath() string {
	switch {
	case sel.org != "":
		return "/orgs/" + url.PathEscape(sel.org) + "/repos?type=all&sort=full_name&direction=asc&per_page=100"
	case sel.app:
		return "/installation/repositories?per_page=100"
	default:
		return "/user/repos?affiliation=owner,collaborator,organization_member&visibility=all&sort=full_name&direction=asc&per_page=100"
	}
}

// repoInfo is what fan-out needs of a repository.
type repoInfo struct {
	FullName  string `json:"full_name"`
	HasIssues bool   `json:"has_issues"`
}

// repoListTTL is how long a repository listing is reused for fan-out; a repository created meanwhile
// is picked up at the next listing, its objects then found by their creation after the watermark.
const repoListTTL = 5 * time.Minute

type repoList struct {
	repos []repoInfo
	at    time.Time
}

// repoCache keeps the selected repositories per credential, API root and selection.
type repoCache struct {
	mu    sync.Mutex
	lists map[string]*repoList
}

func newRepoCache() *repoCache { return &repoCache{lists: map[string]*repoList{}} }

// credScope names a session's credential (and API root) in caches.
func credScope(s *providers.Session) string {
	c := s.Credential
	return fingerprint(c.Kind, c.String("token"), credString(c, "app_id"), credString(c, "installation_id"), s.Client.BaseURL)
}

// selectedRepos lists the selected repositories, sorted by lower-case full name.
func (p *Provider) selectedRepos(ctx context.Context, s *providers.Session, sel *selection) ([]repoInfo, error) {
	key := credScope(s) + " " + sel.key()
	p.repoLists.mu.Lock()
	l := p.repoLists.lists[key]
	p.repoLists.mu.Unlock()
	if l != nil && time.Since(l.at) < repoListTTL {
		return l.repos, nil
	}
	var repos []repoInfo
	err := eachRepoPage(ctx, s, sel, func(page []json.RawMessage) error {
		for _, raw := range page {
			var ri repoInfo
			if err := json.Unmarshal(raw, &ri); err != nil || ri.FullName == "" {
				return providers.Malformed(err, "github: a repository of the listing has no full_name")
			}
			repos = append(repos, ri)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(repos, func(a, b repoInfo) int {
		return cmp.Compare(strings.ToLower(a.FullName), strings.ToLower(b.FullName))
	})
	p.repoLists.mu.Lock()
	p.repoLists.lists[key] = &repoList{repos: repos, at: time.Now()}
	p.repoLists.mu.Unlock()
	return repos, nil
}

// eachRepoPage reads every selected repository, a page at a time.
func eachRepoPage(ctx context.Context, s *providers.Session, sel *selection, fn func([]json.RawMessage) error) error {
	if len(sel.repos) > 0 {
		for i := 0; i < len(sel.repos); i += explicitRepoBatch {
			page, err := getRepos(ctx, s, sel.repos[i:min(i+explicitRepoBatch, len(sel.repos))])
			if err != nil {
				return err
			}
			if err := fn(page); err != nil {
				return err
			}
		}
		return nil
	}
	next := sel.listPath()
	for next != "" {
		pg, err := fetchPage(ctx, s, next)
		if err != nil {
			return err
		}
		if err := fn(filterRepos(sel, pg.items)); err != nil {
			return err
		}
		next = pg.next
	}
	return nil
}

// explicitRepoBatch is how many repositories named in options.repos one backfill page reads.
const explicitRepoBatch = 20

// getRepos reads repositories one by one, skipping those that no longer exist (or that the credential
// cannot see), in the shape list endpoints give them.
func getRepos(ctx context.Context, s *providers.Session, names []string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for _, n := range names {
		owner, name, _ := strings.Cut(n, "/")
		resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)})
		if providers.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		raw, err := trimDetail(resp.Body, repoDetailOnly)
		if err != nil {
			return nil, providers.Malformed(err, "github: GET /repos/%s: %v", n, err)
		}
		out = append(out, raw)
	}
	return out, nil
}

// filterRepos keeps the repositories of the selection's owner.
func filterRepos(sel *selection, items []json.RawMessage) []json.RawMessage {
	if sel.owner == "" || sel.org != "" {
		return items
	}
	out := items[:0:0]
	for _, raw := range items {
		var h struct {
			FullName string `json:"full_name"`
		}
		if json.Unmarshal(raw, &h) == nil && sel.allows(h.FullName) {
			out = append(out, raw)
		}
	}
	return out
}

// viewerCache remembers the login behind a token, to recognize objects it created.
type viewerCache struct {
	mu     sync.Mutex
	logins map[string]string
}

func newViewerCache() *viewerCache { return &viewerCache{logins: map[string]string{}} }

// viewer returns the login of the token's user, or "" for an app (whose bot creates objects).
func (p *Provider) viewer(ctx context.Context, s *providers.Session) (string, error) {
	if s.Credential.Kind == KindApp {
		return "", nil
	}
	key := credScope(s)
	p.viewers.mu.Lock()
	login, ok := p.viewers.logins[key]
	p.viewers.mu.Unlock()
	if ok {
		return login, nil
	}
	var u struct {
		Login string `json:"login"`
	}
	if _, err := s.Client.GetJSON(ctx, "/user", nil, nil, &u); err != nil {
		return "", err
	}
	p.viewers.mu.Lock()
	p.viewers.logins[key] = u.Login
	p.viewers.mu.Unlock()
	return u.Login, nil
}
