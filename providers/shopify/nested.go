package shopify

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/sequinsync/sequin/providers"
)

// child is a resource Shopify serves inside its parent's objects: variants inside products,
// fulfillments inside orders. It is listed through the parent's list endpoint (asking only for the
// parent's id, updated_at and the children), so a backfill costs no more requests than the
// parent's, and its changes follow the parent's updated_at: changing a variant or a fulfillment
// touches its product or order. Of a changed parent, only the children whose own updated_at falls
// in the window are reported.
type child struct {
	// name is the collection name and the parent's key holding the children ("variants").
	name        string
	parent      *resource
	description string
	fields      []providers.Field
	// getPath is the endpoint of one child, nil when Shopify has none reachable by the child's id
	// alone (fulfillments need their order's id).
	getPath func(id string) string
	// one is the key of a single child in answers ("variant").
	one string
}

func (c *child) id() string           { return Name + ":" + c.name }
func (c *child) parentFields() string { return "id,updated_at," + c.name }

func (c *child) collection() *providers.Collection {
	f := feeds{collectionID: c.id(), updates: c.fetchUpdates}
	coll := &providers.Collection{
		ID: c.id(), Name: c.name, Description: c.description, Fields: c.fields,
		Deletes: providers.DeletesBySweep, Backfill: c.backfill, Checkpoint: f.checkpoint, Changes: f.changes,
	}
	if c.getPath != nil {
		coll.Get = c.get
	}
	return coll
}

// parentQuery is a first-page query of the parent list, asking only for what the children need.
func (c *child) parentQuery() url.Values {
	q := c.parent.listQuery()
	q.Set("fields", c.parentFields())
	return q
}

// parentHead is what is read of a parent.
type parentHead struct {
	UpdatedAt string `json:"updated_at"`
}

// children decodes the children of one parent, with the parent's update time.
func (c *child) children(raw json.RawMessage) ([]json.RawMessage, int64, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, 0, providers.Malformed(err, "shopify: decoding a %s: %v", c.parent.one, err)
	}
	var kids []json.RawMessage
	if v, ok := m[c.name]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &kids); err != nil {
			return nil, 0, providers.Malformed(err, "shopify: %s of a %s: %v", c.name, c.parent.one, err)
		}
	}
	var h parentHead
	_ = json.Unmarshal(raw, &h)
	var at int64
	if h.UpdatedAt != "" {
		t, err := parseTime(h.UpdatedAt)
		if err != nil {
			return nil, 0, providers.Malformed(err, "shopify: a %s: %v", c.parent.one, err)
		}
		at = t.Unix()
	}
	return kids, at, nil
}

// backfill lists one page of parents and reports all their children.
func (c *child) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	bc, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	lp, err := fetchList(ctx, s, c.parent.listPath(), c.parent.name, c.parentQuery(), bc.PageInfo, c.parentFields())
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Done: lp.next == "", Total: -1}
	for _, raw := range lp.items {
		kids, _, err := c.children(raw)
		if err != nil {
			return nil, err
		}
		recs, err := records(kids)
		if err != nil {
			return nil, err
		}
		page.Records = append(page.Records, recs...)
	}
	if !page.Done {
		page.NextCursor = backfillCursor{PageInfo: lp.next}.String()
	}
	return page, nil
}

// fetchUpdates reads a page of parents updated since the pass's bound and reports their children
// updated since then.
func (c *child) fetchUpdates(ctx context.Context, s *providers.Session, w *window) (*feedPage, error) {
	var q url.Values
	if w.PageInfo == "" {
		q = c.parentQuery()
		q.Set("updated_at_min", isoTime(w.Pass))
		q.Set("order", "updated_at asc")
	}
	lp, err := fetchList(ctx, s, c.parent.listPath(), c.parent.name, q, w.PageInfo, c.parentFields())
	if err != nil {
		return nil, err
	}
	p := &feedPage{next: lp.next}
	for _, raw := range lp.items {
		kids, parentAt, err := c.children(raw)
		if err != nil {
			return nil, err
		}
		p.newest = max(p.newest, parentAt)
		for _, kid := range kids {
			id, updated, err := decodeHead(kid)
			if err != nil {
				return nil, err
			}
			at := updated.Unix()
			if at < w.Pass {
				continue
			}
			p.items = append(p.items, item{rec: providers.Record{ID: id, UpdatedAt: updated, Data: kid}, at: at, hash: versionHash(id, kid)})
		}
	}
	return p, nil
}

// get fetches one child by its id.
func (c *child) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if !validID(id) {
		return nil, notFound(c.id(), id)
	}
	resp, err := get(ctx, s, c.getPath(id), nil)
	if err != nil {
		return nil, err
	}
	raw, err := decodeSingle(resp, c.one)
	if err != nil {
		return nil, err
	}
	gotID, updated, err := decodeHead(raw)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: gotID, UpdatedAt: updated, Data: raw}, nil
}
