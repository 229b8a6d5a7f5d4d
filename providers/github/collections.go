package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// buildCollections returns the collections in a stable order.
func (p *Provider) buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(kinds))
	for i, k := range kinds {
		out[i] = p.collection(k)
	}
	return out
}

// collection builds the providers.Collection of k.
func (p *Provider) collection(k *kind) *providers.Collection {
	c := &providers.Collection{
		ID:          k.collectionID(),
		Name:        k.name,
		Description: k.description,
		Fields:      k.fields,
		Deletes:     k.deletes,
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return p.get(ctx, s, k, id)
		},
	}
	switch k.scope {
	case scopeRepos:
		c.Backfill = func(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
			return p.backfillRepositories(ctx, s, k, cur)
		}
	case scopeOrg:
		c.Backfill = func(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
			return p.backfillMembers(ctx, s, k, cur)
		}
	default:
		c.Backfill = func(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
			return p.backfillFanOut(ctx, s, k, cur)
		}
	}
	if k.feed != feedNone {
		c.Checkpoint = func(ctx context.Context, s *providers.Session) (string, error) {
			return p.checkpoint(ctx, s, k)
		}
		c.Changes = func(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
			return p.changes(ctx, s, k, cur)
		}
	}
	if len(k.mutations) > 0 {
		c.MutationKinds = k.mutations
		c.Mutate = func(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
			return p.mutate(ctx, s, k, m)
		}
	}
	return c
}

// head holds the fields read from any listed object.
type head struct {
	ID          int64           `json:"id"`
	Number      int             `json:"number"`
	SHA         string          `json:"sha"`
	Login       string          `json:"login"`
	FullName    string          `json:"full_name"`
	UpdatedAt   string          `json:"updated_at"`
	PullRequest json.RawMessage `json:"pull_request"`
	Commit      *struct {
		Committer *struct {
			Date string `json:"date"`
		} `json:"committer"`
	} `json:"commit"`
}

// localKey is the object's key within its repository (its number, id or sha), for change marks.
func (k *kind) localKey(h *head) string {
	switch k.segment {
	case "issues", "pulls":
		return strconv.Itoa(h.Number)
	case "commits":
		return h.SHA
	}
	return strconv.FormatInt(h.ID, 10)
}

// recordID is the upstream id of a listed object:
//
//	repositories    owner/repo
//	issues          owner/repo/issues/<number>
//	pull_requests   owner/repo/pulls/<number>
//	issue_comments  owner/repo/issues/comments/<id>
//	commits         owner/repo/commits/<sha>
//	releases        owner/repo/releases/<id>
//	members         <login>
//
// They mirror the API paths (below /repos/), so that an object can be fetched, changed and named by a
// webhook without a lookup.
func (k *kind) recordID(repo string, h *head) string {
	switch k.scope {
	case scopeRepos:
		return h.FullName
	case scopeOrg:
		return h.Login
	}
	return repo + "/" + k.segment + "/" + k.localKey(h)
}

// updated is the object's version time: its updated_at, a commit's committer date, or for objects
// without one (releases, members) the time GitHub answered.
func (k *kind) updated(h *head, fetched time.Time) time.Time {
	v := h.UpdatedAt
	if k.segment == "commits" && h.Commit != nil && h.Commit.Committer != nil {
		v = h.Commit.Committer.Date
	}
	if v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC()
		}
	}
	return fetched
}

// decodeHead reads an object's head and checks it has the key its collection needs.
func (k *kind) decodeHead(raw json.RawMessage, where string) (*head, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, providers.Malformed(err, "github: %s: %v", where, err)
	}
	ok := true
	switch {
	case k.scope == scopeRepos:
		ok = h.FullName != ""
	case k.scope == scopeOrg:
		ok = h.Login != ""
	case k.segment == "issues" || k.segment == "pulls":
		ok = h.Number > 0
	case k.segment == "commits":
		ok = h.SHA != ""
	default:
		ok = h.ID > 0
	}
	if !ok {
		return nil, providers.Malformed(nil, "github: %s: a %s object without its key", where, k.name)
	}
	return &h, nil
}

// keep reports whether a listed object belongs to the collection (the issues listing also returns
// pull requests).
func (k *kind) keep(h *head) bool {
	return !k.issuesOnly || len(h.PullRequest) == 0 || string(h.PullRequest) == "null"
}

// records turns a page into records of the collection.
func (k *kind) records(repo string, pg *page, where string) ([]providers.Record, error) {
	out := make([]providers.Record, 0, len(pg.items))
	for _, raw := range pg.items {
		h, err := k.decodeHead(raw, where)
		if err != nil {
			return nil, err
		}
		if !k.keep(h) {
			continue
		}
		out = append(out, providers.Record{ID: k.recordID(repo, h), UpdatedAt: k.updated(h, pg.at), Data: raw})
	}
	return out, nil
}

// repoPath is the API path of a repository.
func repoPath(fullName string) string {
	owner, name, _ := strings.Cut(fullName, "/")
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

// firstPage is the first backfill page of a repository's objects.
func (k *kind) firstPage(repo string) string {
	q := "per_page=" + strconv.Itoa(pageSize)
	if k.backfillQuery != "" {
		q = k.backfillQuery + "&" + q
	}
	return repoPath(repo) + "/" + k.segment + "?" + q
}

// skippable reports whether a repository's listing failed for a reason that means "nothing here": it
// is empty (409), its issues are disabled (410), or it was deleted or hidden since it was listed (404).
func skippable(err error) bool {
	var pe *providers.Error
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Status == http.StatusConflict || pe.Status == http.StatusGone || pe.Status == http.StatusNotFound
}

// maxBackfillRequests bounds the requests of one backfill call that crosses empty repositories.
const maxBackfillRequests = 20

// cursorError turns a cursor error into an invalid-request error.
func cursorError(err error) error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
}

// backfillFanOut lists a collection repository by repository, one page per call (more when crossing
// repositories with nothing to list).
func (p *Provider) backfillFanOut(ctx context.Context, s *providers.Session, k *kind, cur string) (*providers.Page, error) {
	c, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	sel, err := selectionOf(s)
	if err != nil {
		return nil, err
	}
	repos, err := p.selectedRepos(ctx, s, sel)
	if err != nil {
		return nil, err
	}
	i := firstAtOrAfter(repos, c.Repo)
	if i < len(repos) && strings.ToLower(repos[i].FullName) != c.Repo {
		c.Next = "" // the repository of the cursor is gone: start the next one from its first page
	}
	out := &providers.Page{Total: -1}
	for requests := 0; i < len(repos) && requests < maxBackfillRequests; requests++ {
		r := repos[i]
		if k.needsIssues && !r.HasIssues {
			i, c.Next = i+1, ""
			continue
		}
		path := c.Next
		if path == "" {
			path = k.firstPage(r.FullName)
		}
		pg, err := fetchPage(ctx, s, path)
		if err != nil {
			if skippable(err) {
				i, c.Next = i+1, ""
				continue
			}
			return nil, err
		}
		recs, err := k.records(r.FullName, pg, "GET "+stripQuery(path))
		if err != nil {
			return nil, err
		}
		out.Records = append(out.Records, recs...)
		if pg.next != "" {
			c.Next = pg.next
			break
		}
		i, c.Next = i+1, ""
		if len(out.Records) > 0 {
			break
		}
	}
	if i >= len(repos) {
		out.Done = true
		return out, nil
	}
	out.NextCursor = backfillCursor{Repo: strings.ToLower(repos[i].FullName), Next: c.Next}.String()
	return out, nil
}

// firstAtOrAfter is the index of the first repository whose lower-case name is at or after name.
func firstAtOrAfter(repos []repoInfo, name string) int {
	if name == "" {
		return 0
	}
	for i, r := range repos {
		if strings.ToLower(r.FullName) >= name {
			return i
		}
	}
	return len(repos)
}

// backfillRepositories lists the selected repositories: the listing of the organization, owner or
// credential a page at a time, or the repositories named in options.repos a batch at a time.
func (p *Provider) backfillRepositories(ctx context.Context, s *providers.Session, k *kind, cur string) (*providers.Page, error) {
	c, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	sel, err := selectionOf(s)
	if err != nil {
		return nil, err
	}
	out := &providers.Page{Total: -1}
	if len(sel.repos) > 0 {
		end := min(c.Index+explicitRepoBatch, len(sel.repos))
		items, err := getRepos(ctx, s, sel.repos[min(c.Index, end):end])
		if err != nil {
			return nil, err
		}
		if out.Records, err = k.records("", &page{items: items, at: time.Now().UTC()}, "GET /repos"); err != nil {
			return nil, err
		}
		out.Done = end >= len(sel.repos)
		if !out.Done {
			out.NextCursor = backfillCursor{Index: end}.String()
		}
		return out, nil
	}
	path := c.Next
	if path == "" {
		path = sel.listPath()
	}
	pg, err := fetchPage(ctx, s, path)
	if err != nil {
		return nil, err
	}
	pg.items = filterRepos(sel, pg.items)
	if out.Records, err = k.records("", pg, "GET "+stripQuery(path)); err != nil {
		return nil, err
	}
	out.Done = pg.next == ""
	if !out.Done {
		out.NextCursor = backfillCursor{Next: pg.next}.String()
	}
	return out, nil
}

// backfillMembers lists the organization's members.
func (p *Provider) backfillMembers(ctx context.Context, s *providers.Session, k *kind, cur string) (*providers.Page, error) {
	c, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	sel, err := selectionOf(s)
	if err != nil {
		return nil, err
	}
	org, err := sel.membersOrg()
	if err != nil {
		return nil, err
	}
	path := c.Next
	if path == "" {
		path = "/orgs/" + url.PathEscape(org) + "/members?per_page=" + strconv.Itoa(pageSize)
	}
	pg, err := fetchPage(ctx, s, path)
	if err != nil {
		return nil, err
	}
	out := &providers.Page{Total: -1, Done: pg.next == ""}
	if out.Records, err = k.records("", pg, "GET "+stripQuery(path)); err != nil {
		return nil, err
	}
	if !out.Done {
		out.NextCursor = backfillCursor{Next: pg.next}.String()
	}
	return out, nil
}
