package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/jsonscan"
)

// Mutations write issues (create; update, which also closes and reopens them through state) and
// issue comments (create, update, delete).
//
// GitHub has no idempotency keys. A create whose answer is lost is therefore not retried blindly: the
// provider first looks for the object among those its credential created on the same issue (or
// repository) since the mutation started, with the same content, and adopts it. A mutation run again
// in the same process finds the object it created in a log of mutation ids. A mutation re-run by
// another process after its first run created the object without recording it can create a second
// one.

// Keys of mutation data that locate the object to create rather than being sent.
const (
	keyRepository    = "repository"     // "owner/name"
	keyRepositoryURL = "repository_url" // the API URL of the repository
	keyIssue         = "issue"          // an issue or pull request id ("owner/repo/issues/12")
	keyIssueURL      = "issue_url"      // the API URL of the issue
	keyIssueNumber   = "issue_number"   // with repository
)

// createAttempts bounds the tries of a create whose failures may have been applied.
const createAttempts = 4

// findSlack is how long before a create started an object found by content may have been created;
// it covers the difference between our clock and GitHub's.
const findSlack = 2 * time.Minute

// mutate applies m to a collection of k.
func (p *Provider) mutate(ctx context.Context, s *providers.Session, k *kind, m *providers.Mutation) (*providers.Record, error) {
	if m == nil {
		return nil, invalid("no mutation")
	}
	allowed := false
	for _, mk := range k.mutations {
		allowed = allowed || mk == m.Kind
	}
	if !allowed {
		return nil, invalid("%s does not accept %q mutations", k.collectionID(), m.Kind)
	}
	if m.Kind != providers.MutationCreate {
		ref, ok := k.parseID(m.UpstreamID)
		if !ok {
			return nil, notFound(m.UpstreamID, "not an id of "+k.collectionID())
		}
		sel, err := selectionOf(s)
		if err != nil {
			return nil, err
		}
		if !sel.allows(ref.repo) {
			return nil, notFound(m.UpstreamID, "not in a repository of this sync's selection")
		}
		path := repoPath(ref.repo) + "/" + k.segment + "/" + ref.key
		if m.Kind == providers.MutationDelete {
			return p.remove(ctx, s, k, m.UpstreamID, path)
		}
		body, err := json.Marshal(sendable(m.Data))
		if err != nil {
			return nil, invalid("encoding the update of %s: %v", m.UpstreamID, err)
		}
		resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPatch, Path: path, Header: jsonHeader(), Body: body})
		if err != nil {
			return nil, fmt.Errorf("github: update of %s: %w", m.UpstreamID, err)
		}
		return k.written(resp, m.UpstreamID)
	}
	switch k.name {
	case "issues":
		return p.createIssue(ctx, s, k, m)
	case "issue_comments":
		return p.createComment(ctx, s, k, m)
	}
	return nil, invalid("%s cannot be created", k.collectionID())
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// sendable drops the keys that locate an object from mutation data.
func sendable(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		switch k {
		case keyRepository, keyRepositoryURL, keyIssue, keyIssueURL, keyIssueNumber:
			continue
		}
		out[k] = v
	}
	return out
}

// written turns the answer of a write into a record.
func (k *kind) written(resp *providers.Response, fallbackID string) (*providers.Record, error) {
	raw := json.RawMessage(resp.Body)
	if !jsonscan.Valid(raw) {
		return nil, providers.Malformed(nil, "github: the answer to a write of %s is not JSON (HTTP %d, %d bytes)", k.collectionID(), resp.Status, len(raw))
	}
	id := idFromURL(raw)
	if id == "" {
		id = fallbackID
	}
	if id == "" {
		return nil, providers.Malformed(nil, "github: the answer to a create of %s has no url", k.collectionID())
	}
	return k.single(raw, fetchedAt(resp), id)
}

// remove deletes an object and returns its last copy marked deleted. An object already gone (a delete
// run again) is reported deleted too.
func (p *Provider) remove(ctx context.Context, s *providers.Session, k *kind, id, path string) (*providers.Record, error) {
	last, err := p.get(ctx, s, k, id)
	switch {
	case providers.IsNotFound(err):
		return &providers.Record{ID: id, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
	case err != nil:
		return nil, fmt.Errorf("github: reading %s before deleting it: %w", id, err)
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodDelete, Path: path})
	if err != nil && !providers.IsNotFound(err) {
		return nil, fmt.Errorf("github: delete of %s: %w", id, err)
	}
	at := time.Now().UTC()
	if resp != nil {
		at = fetchedAt(resp)
	}
	return &providers.Record{ID: last.ID, UpdatedAt: at, Data: last.Data, Deleted: true}, nil
}

// repoOf finds the repository a create goes to: data's repository or repository_url, else the only
// repository named in options.repos.
func repoOf(s *providers.Session, data map[string]any) (string, error) {
	sel, err := selectionOf(s)
	if err != nil {
		return "", err
	}
	name, _ := data[keyRepository].(string)
	if u, ok := data[keyRepositoryURL].(string); ok && name == "" {
		name = repoFromURL(u)
	}
	if name == "" && len(sel.repos) == 1 {
		name = sel.repos[0]
	}
	if name == "" {
		return "", invalid("say which repository to create in: data.repository (\"owner/name\")")
	}
	if !validFullName(name) {
		return "", invalid("data.repository %q is not a repository name (owner/name)", name)
	}
	if !sel.allows(name) {
		return "", invalid("repository %s is not in this sync's selection", name)
	}
	return name, nil
}

// repoFromURL reads "owner/name" from an API URL of a repository or of something in it.
func repoFromURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(pu.Path, "/repos/")
	if !ok {
		return ""
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

// createIssue opens an issue: POST /repos/{owner}/{repo}/issues.
func (p *Provider) createIssue(ctx context.Context, s *providers.Session, k *kind, m *providers.Mutation) (*providers.Record, error) {
	repo, err := repoOf(s, m.Data)
	if err != nil {
		return nil, err
	}
	data := sendable(m.Data)
	title, _ := data["title"].(string)
	bodyText, _ := data["body"].(string)
	body, err := json.Marshal(data)
	if err != nil {
		return nil, invalid("encoding the issue: %v", err)
	}
	find := func(ctx context.Context, since time.Time) (json.RawMessage, error) {
		login, err := p.viewer(ctx, s)
		if err != nil {
			return nil, err
		}
		q := url.Values{"state": {"all"}, "sort": {"created"}, "direction": {"desc"}, "since": {since.UTC().Format(time.RFC3339)},
			"per_page": {strconv.Itoa(pageSize)}}
		if login != "" {
			q.Set("creator", login)
		}
		pg, err := fetchPage(ctx, s, repoPath(repo)+"/issues?"+q.Encode())
		if err != nil {
			return nil, err
		}
		return findCreated(pg.items, since, login, func(o map[string]any) bool {
			_, isPull := o["pull_request"]
			return !isPull && o["title"] == title && sameText(o["body"], bodyText)
		}), nil
	}
	return p.createOnce(ctx, s, k, m, repoPath(repo)+"/issues", body, find)
}

// createComment comments on an issue or pull request: POST /repos/{owner}/{repo}/issues/{n}/comments.
func (p *Provider) createComment(ctx context.Context, s *providers.Session, k *kind, m *providers.Mutation) (*providers.Record, error) {
	repo, number, err := issueOf(s, m.Data)
	if err != nil {
		return nil, err
	}
	data := sendable(m.Data)
	bodyText, _ := data["body"].(string)
	body, err := json.Marshal(data)
	if err != nil {
		return nil, invalid("encoding the comment: %v", err)
	}
	issuePath := repoPath(repo) + "/issues/" + number
	find := func(ctx context.Context, since time.Time) (json.RawMessage, error) {
		login, err := p.viewer(ctx, s)
		if err != nil {
			return nil, err
		}
		pg, err := fetchPage(ctx, s, issuePath+"/comments?since="+since.UTC().Format(time.RFC3339)+"&per_page="+strconv.Itoa(pageSize))
		if err != nil {
			return nil, err
		}
		return findCreated(pg.items, since, login, func(o map[string]any) bool { return sameText(o["body"], bodyText) }), nil
	}
	return p.createOnce(ctx, s, k, m, issuePath+"/comments", body, find)
}

// issueOf finds the issue a comment goes to: data's issue_url, issue (an issue or pull request id),
// or repository and issue_number.
func issueOf(s *providers.Session, data map[string]any) (string, string, error) {
	var repo, number string
	switch {
	case data[keyIssueURL] != nil:
		u, _ := data[keyIssueURL].(string)
		repo = repoFromURL(u)
		if i := strings.LastIndex(u, "/issues/"); i >= 0 {
			number = u[i+len("/issues/"):]
		}
	case data[keyIssue] != nil:
		id, _ := data[keyIssue].(string)
		for _, seg := range []string{"issues", "pulls"} {
			if ref, ok := (&kind{segment: seg}).parseID(id); ok {
				repo, number = ref.repo, ref.key
			}
		}
	case data[keyIssueNumber] != nil:
		r, err := repoOf(s, data)
		if err != nil {
			return "", "", err
		}
		repo = r
		switch n := data[keyIssueNumber].(type) {
		case float64:
			number = strconv.FormatFloat(n, 'f', -1, 64)
		case string:
			number = n
		case int:
			number = strconv.Itoa(n)
		case int64:
			number = strconv.FormatInt(n, 10)
		}
	default:
		return "", "", invalid("say which issue to comment on: data.issue_url, data.issue (\"owner/repo/issues/12\") or data.repository and data.issue_number")
	}
	if !validFullName(repo) || !numberPattern.MatchString(number) {
		return "", "", invalid("the issue to comment on is not an issue (%s, %s)", clip(repo), clip(number))
	}
	sel, err := selectionOf(s)
	if err != nil {
		return "", "", err
	}
	if !sel.allows(repo) {
		return "", "", invalid("repository %s is not in this sync's selection", repo)
	}
	return repo, number, nil
}

// sameText compares a body as GitHub stores it with the one sent.
func sameText(got any, want string) bool {
	g, _ := got.(string)
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return norm(g) == norm(want)
}

// findCreated returns the newest listed object created at or after since by login (or, for an app,
// by a bot) for which match holds.
func findCreated(items []json.RawMessage, since time.Time, login string, match func(map[string]any) bool) json.RawMessage {
	var found json.RawMessage
	var foundAt time.Time
	for _, raw := range items {
		var o map[string]any
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		created, _ := time.Parse(time.RFC3339, fmt.Sprint(o["created_at"]))
		user, _ := o["user"].(map[string]any)
		author, _ := user["login"].(string)
		typ, _ := user["type"].(string)
		mine := (login != "" && strings.EqualFold(author, login)) || (login == "" && typ == "Bot")
		if mine && !created.Before(since.Truncate(time.Second)) && match(o) && !created.Before(foundAt) {
			found, foundAt = raw, created
		}
	}
	return found
}

// createOnce sends a create, and after a failure that may have been applied looks for the object
// before trying again.
func (p *Provider) createOnce(ctx context.Context, s *providers.Session, k *kind, m *providers.Mutation, path string, body []byte,
	find func(ctx context.Context, since time.Time) (json.RawMessage, error)) (*providers.Record, error) {
	if id, ok := p.created.lookup(m.ID); ok {
		rec, err := p.get(ctx, s, k, id)
		if providers.IsNotFound(err) {
			return &providers.Record{ID: id, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
		}
		return rec, err
	}
	start := time.Now()
	once := *s.Client
	once.MaxAttempts = 1
	var lastErr error
	for range createAttempts {
		resp, err := once.Do(ctx, &providers.Request{Method: http.MethodPost, Path: path, Header: jsonHeader(), Body: body})
		if err == nil {
			rec, err := k.written(resp, "")
			if err == nil {
				p.created.remember(m.ID, rec.ID)
			}
			return rec, err
		}
		if !providers.IsRetryable(err) || providers.IsRateLimited(err) {
			return nil, fmt.Errorf("github: create of %s: %w", k.collectionID(), err)
		}
		lastErr = err
		raw, ferr := find(ctx, start.Add(-findSlack))
		if ferr != nil {
			if !providers.IsRetryable(ferr) {
				return nil, fmt.Errorf("github: looking for the %s a failed create may have made: %w", k.collectionID(), ferr)
			}
			continue
		}
		if raw != nil {
			rec, err := k.single(raw, time.Now().UTC(), idFromURL(raw))
			if err == nil {
				p.created.remember(m.ID, rec.ID)
			}
			return rec, err
		}
	}
	return nil, fmt.Errorf("github: create of %s: %w", k.collectionID(), lastErr)
}

// createdLog remembers which object each create mutation made, for a day.
type createdLog struct {
	mu   sync.Mutex
	byID map[string]createdEntry
}

type createdEntry struct {
	upstreamID string
	at         time.Time
}

const (
	createdLogTTL  = 24 * time.Hour
	createdLogSize = 10_000
)

func newCreatedLog() *createdLog { return &createdLog{byID: map[string]createdEntry{}} }

func (l *createdLog) lookup(mutationID string) (string, bool) {
	if mutationID == "" {
		return "", false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.byID[mutationID]
	if !ok || time.Since(e.at) > createdLogTTL {
		return "", false
	}
	return e.upstreamID, true
}

func (l *createdLog) remember(mutationID, upstreamID string) {
	if mutationID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.byID) >= createdLogSize {
		for id, e := range l.byID {
			if time.Since(e.at) > createdLogTTL || len(l.byID) >= createdLogSize {
				delete(l.byID, id)
			}
		}
	}
	l.byID[mutationID] = createdEntry{upstreamID: upstreamID, at: time.Now()}
}
