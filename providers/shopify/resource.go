package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/sequinsync/sequin/providers"
)

// resource is a top-level Shopify resource with its own list, count and single-object endpoints
// (products, customers, orders), described as data.
type resource struct {
	// name is the collection name and the endpoint ("products" -> /products.json).
	name string
	// one is the key of a single object in answers ("product").
	one         string
	description string
	fields      []providers.Field
	// query is sent with every first-page list and count request (orders need status=any to include
	// closed and cancelled ones).
	query url.Values
	// subject is the Events API subject whose destroy events report deletes; "" means deletes are
	// found by the engine's sweep.
	subject string
	// mutations are the accepted mutation kinds.
	mutations []providers.MutationKind
	// candidates finds objects that a create of data may already have made (see mutate.go).
	candidates func(ctx context.Context, s *providers.Session, data map[string]any) ([]string, error)
}

func (r *resource) id() string       { return Name + ":" + r.name }
func (r *resource) listPath() string { return "/" + r.name + ".json" }
func (r *resource) objectPath(id string) string {
	return "/" + r.name + "/" + id + ".json"
}

// listQuery returns a fresh first-page query.
func (r *resource) listQuery() url.Values {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	for k, v := range r.query {
		q[k] = append([]string(nil), v...)
	}
	return q
}

// collection builds the providers.Collection.
func (r *resource) collection() *providers.Collection {
	f := feeds{collectionID: r.id(), updates: r.fetchUpdates}
	deletes := providers.DeletesBySweep
	if r.subject != "" {
		f.deletes, deletes = r.fetchDeletes, providers.DeletesInChanges
	}
	c := &providers.Collection{
		ID: r.id(), Name: r.name, Description: r.description, Fields: r.fields, Deletes: deletes,
		Backfill: r.backfill, Get: r.get, Checkpoint: f.checkpoint, Changes: f.changes,
	}
	if len(r.mutations) > 0 {
		c.MutationKinds, c.Mutate = r.mutations, r.mutate
	}
	return c
}

// records turns list items into records.
func records(items []json.RawMessage) ([]providers.Record, error) {
	out := make([]providers.Record, len(items))
	for i, raw := range items {
		id, updated, err := decodeHead(raw)
		if err != nil {
			return nil, err
		}
		out[i] = providers.Record{ID: id, UpdatedAt: updated, Data: raw}
	}
	return out, nil
}

// backfill lists one page of every object; the first page also asks for the count, as the total.
func (r *resource) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	bc, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	lp, err := fetchList(ctx, s, r.listPath(), r.name, r.listQuery(), bc.PageInfo, "")
	if err != nil {
		return nil, err
	}
	recs, err := records(lp.items)
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Records: recs, Done: lp.next == "", Total: -1}
	if !page.Done {
		page.NextCursor = backfillCursor{PageInfo: lp.next}.String()
	}
	if cur == "" {
		q := url.Values{}
		for k, v := range r.query {
			q[k] = v
		}
		if page.Total, err = count(ctx, s, "/"+r.name+"/count.json", q); err != nil {
			return nil, fmt.Errorf("shopify: counting %s: %w", r.name, err)
		}
	}
	return page, nil
}

// get fetches one object.
func (r *resource) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if !validID(id) {
		return nil, notFound(r.id(), id)
	}
	resp, err := get(ctx, s, r.objectPath(id), nil)
	if err != nil {
		return nil, err
	}
	raw, err := decodeSingle(resp, r.one)
	if err != nil {
		return nil, err
	}
	gotID, updated, err := decodeHead(raw)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: gotID, UpdatedAt: updated, Data: raw}, nil
}

// fetchUpdates reads a page of objects updated since the pass's bound, oldest first.
func (r *resource) fetchUpdates(ctx context.Context, s *providers.Session, w *window) (*feedPage, error) {
	var q url.Values
	if w.PageInfo == "" {
		q = r.listQuery()
		q.Set("updated_at_min", isoTime(w.Pass))
		q.Set("order", "updated_at asc")
	}
	lp, err := fetchList(ctx, s, r.listPath(), r.name, q, w.PageInfo, "")
	if err != nil {
		return nil, err
	}
	p := &feedPage{next: lp.next}
	for _, raw := range lp.items {
		id, updated, err := decodeHead(raw)
		if err != nil {
			return nil, err
		}
		at := updated.Unix()
		p.items = append(p.items, item{rec: providers.Record{ID: id, UpdatedAt: updated, Data: raw}, at: at, hash: versionHash(id, raw)})
		p.newest = max(p.newest, at)
	}
	return p, nil
}

// event is the part of an Events API entry the delete feed reads.
type event struct {
	ID          json.Number `json:"id"`
	SubjectID   json.Number `json:"subject_id"`
	SubjectType string      `json:"subject_type"`
	Verb        string      `json:"verb"`
	CreatedAt   string      `json:"created_at"`
}

// fetchDeletes reads a page of the resource's destroy events since the pass's bound.
func (r *resource) fetchDeletes(ctx context.Context, s *providers.Session, w *window) (*feedPage, error) {
	var q url.Values
	if w.PageInfo == "" {
		q = url.Values{"filter": {r.subject}, "verb": {"destroy"}, "created_at_min": {isoTime(w.Pass)},
			"limit": {strconv.Itoa(pageSize)}}
	}
	lp, err := fetchList(ctx, s, "/events.json", "events", q, w.PageInfo, "")
	if err != nil {
		return nil, err
	}
	p := &feedPage{next: lp.next}
	for _, raw := range lp.items {
		var ev event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, providers.Malformed(err, "shopify: decoding an event: %v", err)
		}
		if !validID(ev.ID.String()) {
			return nil, providers.Malformed(nil, "shopify: event without an integer id: %s", clip(string(raw)))
		}
		at, err := parseTime(ev.CreatedAt)
		if err != nil {
			return nil, providers.Malformed(err, "shopify: event %s: %v", ev.ID, err)
		}
		p.newest = max(p.newest, at.Unix())
		subject := ev.SubjectID.String()
		if ev.Verb != "destroy" || ev.SubjectType != r.subject || !validID(subject) {
			continue
		}
		p.items = append(p.items, item{
			rec: providers.Record{ID: subject, UpdatedAt: at, Deleted: true},
			at:  at.Unix(), hash: versionHash("event:"+ev.ID.String(), nil),
		})
	}
	return p, nil
}
