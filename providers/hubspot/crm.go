package hubspot

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// listQuery is the query of a CRM list request.
func (t *crmType) listQuery(s *providers.Session, archived bool, after string) url.Values {
	q := url.Values{
		"limit":      {strconv.Itoa(pageSize)},
		"archived":   {strconv.FormatBool(archived)},
		"properties": {strings.Join(t.requested(s), ",")},
	}
	if after != "" {
		q.Set("after", after)
	}
	return q
}

// listPage fetches one page of the live (or archived) objects of t, in ascending id order.
func (t *crmType) listPage(ctx context.Context, s *providers.Session, archived bool, after string) (*page, []object, error) {
	resp, err := getJSON(ctx, s, t.path(), t.listQuery(s, archived, after))
	if err != nil {
		return nil, nil, fmt.Errorf("hubspot: listing %s: %w", t.name, err)
	}
	p, objs, err := decodePage(resp, "GET "+t.path())
	if err != nil {
		return nil, nil, err
	}
	if after != "" && p.next() == after {
		return nil, nil, providers.Malformed(nil, "hubspot: GET %s: the next page's after token %q did not move", t.path(), clip(after))
	}
	return p, objs, nil
}

// backfill lists one page of t's live objects, resuming after the token in cur.
func (t *crmType) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	after, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	p, objs, err := t.listPage(ctx, s, false, after)
	if err != nil {
		return nil, err
	}
	return toPage(p, objs), nil
}

// toPage turns a list answer into a backfill page.
func toPage(p *page, objs []object) *providers.Page {
	out := &providers.Page{Records: make([]providers.Record, len(objs)), Total: -1}
	for i, o := range objs {
		out.Records[i] = providers.Record{ID: o.id, UpdatedAt: o.updated, Data: o.raw}
	}
	if next := p.next(); next != "" {
		out.NextCursor = backfillCursor(next)
	} else {
		out.Done = true
	}
	return out
}

// get fetches one live object. An id HubSpot cannot have is not found without asking; an answer about
// another object means id was merged into it, so id itself no longer exists.
func (t *crmType) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if !validObjectID(id) {
		return nil, notFound(fmt.Sprintf("%s %q does not exist: ids are numbers", t.name, clip(id)))
	}
	o, err := t.fetch(ctx, s, id, "")
	if err != nil {
		return nil, err
	}
	if o.id != id {
		return nil, notFound(fmt.Sprintf("%s %s was merged into %s", t.name, id, o.id))
	}
	return &providers.Record{ID: o.id, UpdatedAt: o.updated, Data: o.raw}, nil
}

// fetch reads one live object by id, or by the value of a unique property with idProperty.
func (t *crmType) fetch(ctx context.Context, s *providers.Session, key, idProperty string) (object, error) {
	q := url.Values{"properties": {strings.Join(t.requested(s), ",")}, "archived": {"false"}}
	if idProperty != "" {
		q.Set("idProperty", idProperty)
	}
	path := t.path() + "/" + url.PathEscape(key)
	resp, err := getJSON(ctx, s, path, q)
	if err != nil {
		return object{}, fmt.Errorf("hubspot: reading %s %s: %w", t.name, clip(key), err)
	}
	return decodeObject(resp.Body, "GET "+t.path())
}
