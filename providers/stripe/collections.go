package stripe

import (
	"context"
	"net/url"
	"strconv"

	"github.com/sequinsync/sequin/providers"
)

// objectType describes one synced Stripe object type as data; buildCollections turns it into a
// providers.Collection.
type objectType struct {
	// name is the collection (and table) name, e.g. "customer".
	name string
	// object is the value of the objects' "object" field, e.g. "customer".
	object string
	// path is the list endpoint, e.g. "/v1/customers".
	path        string
	description string
	fields      []providers.Field
	// listQuery is added to backfill requests (subscriptions need status=all to include canceled ones).
	listQuery url.Values
	// events are the event types whose data.object is an object of this type. Without events, changes
	// are polled by creation time.
	events []string
	// deleteEvents are the events meaning the object no longer exists.
	deleteEvents []string
	// mutations are the accepted mutation kinds.
	mutations []providers.MutationKind
	// cancelOnDelete means a delete mutation cancels the object, which stays retrievable
	// (subscriptions).
	cancelOnDelete bool
}

// isDeleteEvent reports whether typ means the object was deleted.
func (t *objectType) isDeleteEvent(typ string) bool {
	for _, d := range t.deleteEvents {
		if d == typ {
			return true
		}
	}
	return false
}

// collectionID is "stripe:<name>".
func (t *objectType) collectionID() string { return Name + ":" + t.name }

// collection builds the providers.Collection for t.
func (t *objectType) collection() *providers.Collection {
	c := &providers.Collection{
		ID:          t.collectionID(),
		Name:        t.name,
		Description: t.description,
		Fields:      t.fields,
		Deletes:     providers.DeletesNone,
		Backfill:    t.backfill,
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			raw, h, at, err := getObject(ctx, s, t.path, id)
			if err != nil {
				return nil, err
			}
			return &providers.Record{ID: h.ID, UpdatedAt: versionTime(h, at), Data: raw}, nil
		},
	}
	if len(t.deleteEvents) > 0 {
		c.Deletes = providers.DeletesInChanges
	}
	if len(t.events) > 0 {
		c.Checkpoint = t.eventCheckpoint
		c.Changes = t.eventChanges
	} else {
		c.Checkpoint = t.createdCheckpoint
		c.Changes = t.createdChanges
	}
	if len(t.mutations) > 0 {
		c.MutationKinds = t.mutations
		c.Mutate = t.mutate
	}
	return c
}

// backfill lists one page of all objects, newest first, resuming after the id in cur.
func (t *objectType) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	for k, v := range t.listQuery {
		q[k] = v
	}
	if cur != "" {
		if !validID(cur) {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "invalid backfill cursor " + clip(cur) + ": want a Stripe object id"}
		}
		q.Set("starting_after", cur)
	}
	l, heads, at, err := listPage(ctx, s, t.path, q)
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Records: make([]providers.Record, len(l.Data)), Done: !l.HasMore, Total: -1}
	for i, raw := range l.Data {
		page.Records[i] = providers.Record{ID: heads[i].ID, UpdatedAt: versionTime(heads[i], at), Data: raw}
	}
	if n := len(heads); n > 0 {
		page.NextCursor = heads[n-1].ID
	}
	return page, nil
}

// buildCollections returns the collections in a stable order.
func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(objectTypes))
	for i, t := range objectTypes {
		out[i] = t.collection()
	}
	return out
}

// eventCollections maps every event type to the object type whose object it carries.
var eventCollections = func() map[string]*objectType {
	m := map[string]*objectType{}
	for _, t := range objectTypes {
		for _, e := range t.events {
			m[e] = t
		}
	}
	return m
}()
