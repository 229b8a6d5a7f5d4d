package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// notFound is the error of an id that names nothing this sync could hold.
func notFound(id, why string) error {
	return &providers.Error{Kind: providers.ErrNotFound, Message: "github: " + clip(id) + ": " + why}
}

var (
	numberPattern = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)
	shaPattern    = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// objectRef is a parsed upstream id of a repository's object.
type objectRef struct {
	repo string // owner/name
	key  string // number, id or sha
}

// parseID splits "owner/repo/<segment>/<key>" for k, or reports why it cannot name one of its objects.
func (k *kind) parseID(id string) (objectRef, bool) {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 || !validFullName(parts[0]+"/"+parts[1]) {
		return objectRef{}, false
	}
	key, ok := strings.CutPrefix(parts[2], k.segment+"/")
	if !ok {
		return objectRef{}, false
	}
	if k.segment == "commits" {
		ok = shaPattern.MatchString(key)
	} else {
		ok = numberPattern.MatchString(key)
	}
	return objectRef{repo: parts[0] + "/" + parts[1], key: key}, ok
}

// idFromURL derives an object's upstream id from its API url (".../repos/<id>"), the canonical
// spelling of its repository; "" when the object has no such url.
func idFromURL(raw []byte) string {
	var h struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return ""
	}
	u, err := url.Parse(h.URL)
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(u.Path, "/repos/")
	if !ok {
		return ""
	}
	return rest
}

// get fetches one object by upstream id. An id outside the sync's selection is not found.
func (p *Provider) get(ctx context.Context, s *providers.Session, k *kind, id string) (*providers.Record, error) {
	sel, err := selectionOf(s)
	if err != nil {
		return nil, err
	}
	switch k.scope {
	case scopeRepos:
		if !validFullName(id) {
			return nil, notFound(id, "not a repository name (owner/name)")
		}
		if !sel.allows(id) {
			return nil, notFound(id, "not a repository of this sync's selection")
		}
		raw, at, err := getObject(ctx, s, repoPath(id))
		if err != nil {
			return nil, err
		}
		return k.single(raw, at, id)
	case scopeOrg:
		return p.getMember(ctx, s, k, sel, id)
	}
	ref, ok := k.parseID(id)
	if !ok {
		return nil, notFound(id, "not an id of "+k.collectionID())
	}
	if !sel.allows(ref.repo) {
		return nil, notFound(id, "not in a repository of this sync's selection")
	}
	if k.segment == "commits" {
		return p.getCommit(ctx, s, k, ref, id)
	}
	raw, at, err := getObject(ctx, s, repoPath(ref.repo)+"/"+k.segment+"/"+ref.key)
	if err != nil {
		return nil, err
	}
	return k.single(raw, at, id)
}

// single turns a single-object answer into a record in the list shape.
func (k *kind) single(raw json.RawMessage, at time.Time, id string) (*providers.Record, error) {
	h, err := k.decodeHead(raw, "GET "+id)
	if err != nil {
		return nil, err
	}
	if !k.keep(h) {
		return nil, notFound(id, "a pull request, not an issue")
	}
	data, err := trimDetail(raw, k.detailOnly)
	if err != nil {
		return nil, providers.Malformed(err, "github: GET %s: %v", id, err)
	}
	if canonical := idFromURL(raw); canonical != "" && k.scope == scopeRepo && strings.EqualFold(canonical, id) {
		id = canonical
	}
	if k.scope == scopeRepos && strings.EqualFold(h.FullName, id) {
		id = h.FullName
	}
	return &providers.Record{ID: id, UpdatedAt: k.updated(h, at), Data: data}, nil
}

// getCommit reads one commit through the commit listing starting at it, which gives the listed shape
// (a single-commit answer adds its files and stats).
func (p *Provider) getCommit(ctx context.Context, s *providers.Session, k *kind, ref objectRef, id string) (*providers.Record, error) {
	pg, err := fetchPage(ctx, s, repoPath(ref.repo)+"/commits?sha="+ref.key+"&per_page=1")
	if err != nil {
		var pe *providers.Error
		if skippable(err) || (errors.As(err, &pe) && pe.Status == http.StatusUnprocessableEntity) {
			return nil, notFound(id, "no such commit")
		}
		return nil, err
	}
	if len(pg.items) == 0 {
		return nil, notFound(id, "no such commit")
	}
	h, err := k.decodeHead(pg.items[0], "GET "+id)
	if err != nil {
		return nil, err
	}
	if h.SHA != ref.key {
		return nil, notFound(id, "no such commit")
	}
	if canonical := idFromURL(pg.items[0]); strings.EqualFold(canonical, id) {
		id = canonical
	}
	return &providers.Record{ID: id, UpdatedAt: k.updated(h, pg.at), Data: pg.items[0]}, nil
}

// getMember reads a member through their membership, whose user is the listed member object. A
// pending invitation is not a membership yet.
func (p *Provider) getMember(ctx context.Context, s *providers.Session, k *kind, sel *selection, login string) (*providers.Record, error) {
	org, err := sel.membersOrg()
	if err != nil {
		return nil, err
	}
	if !loginPattern.MatchString(strings.TrimSuffix(login, "[bot]")) {
		return nil, notFound(login, "not a GitHub login")
	}
	raw, at, err := getObject(ctx, s, "/orgs/"+url.PathEscape(org)+"/memberships/"+url.PathEscape(login))
	if err != nil {
		return nil, err
	}
	var m struct {
		State string          `json:"state"`
		User  json.RawMessage `json:"user"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || len(m.User) == 0 || m.User[0] != '{' {
		return nil, providers.Malformed(err, "github: GET /orgs/%s/memberships/%s: no user in the membership", org, login)
	}
	if m.State != "active" {
		return nil, notFound(login, "membership is "+strconv.Quote(m.State))
	}
	h, err := k.decodeHead(m.User, "membership of "+login)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: h.Login, UpdatedAt: at, Data: m.User}, nil
}
