package linear

import (
	"context"
	"fmt"

	"github.com/sequinsync/sequin/providers"
)

// collection builds the providers.Collection of t.
func (t *entityType) collection() *providers.Collection {
	q := t.buildQueries()
	c := &providers.Collection{
		ID:          t.collectionID(),
		Name:        t.name,
		Description: t.description,
		Fields:      t.fields,
		// Archived and trashed entities come back in the change feed (includeArchived) and are
		// reported as deletes. An entity deleted for good without first being archived only shows up
		// as a "remove" webhook.
		Deletes: providers.DeletesInChanges,
		Backfill: func(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
			return t.backfill(ctx, s, q, cur)
		},
		Checkpoint: func(ctx context.Context, s *providers.Session) (string, error) {
			return t.checkpoint(ctx, s, q)
		},
		Changes: func(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
			return t.changes(ctx, s, q, cur)
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return t.get(ctx, s, q, id)
		},
	}
	if len(t.mutations) > 0 {
		c.MutationKinds = t.mutations
		c.Mutate = func(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
			return t.mutate(ctx, s, q, m)
		}
	}
	return c
}

// backfill lists one page of t's live entities, newest created first, resuming after the Relay
// cursor in cur. Entities created during the backfill are picked up by the change feed, which starts
// at the checkpoint taken before it.
func (t *entityType) backfill(ctx context.Context, s *providers.Session, q queries, cur string) (*providers.Page, error) {
	after, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	vars := map[string]any{"first": t.pageSize, "after": nil}
	if after != "" {
		vars["after"] = after
	}
	raw, _, err := call(ctx, s, q.pageOp, q.page, t.name, vars)
	if err != nil {
		return nil, fmt.Errorf("linear: listing %s: %w", t.name, err)
	}
	conn, nodes, err := decodeConnection(raw, q.pageOp)
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Records: make([]providers.Record, 0, len(nodes)), Total: -1}
	for _, n := range nodes {
		if !n.archived { // never asked for; a stale copy of the server could still send one
			page.Records = append(page.Records, n.record())
		}
	}
	if next := conn.next(); next != "" {
		if next == after {
			return nil, providers.Malformed(nil, "linear: %s: the endCursor %q did not move", q.pageOp, clip(after))
		}
		page.NextCursor = backfillCursor(next)
	} else {
		page.Done = true
	}
	return page, nil
}

// get fetches one entity by id. An archived or trashed entity, which Linear still serves, is
// returned as deleted.
func (t *entityType) get(ctx context.Context, s *providers.Session, q queries, id string) (*providers.Record, error) {
	if !validCursor(id) {
		return nil, &providers.Error{Kind: providers.ErrNotFound, Message: fmt.Sprintf("linear: %s %q does not exist: not an id", t.single, clip(id))}
	}
	raw, _, err := call(ctx, s, q.getOp, q.get, t.single, map[string]any{"id": id})
	if err != nil {
		return nil, fmt.Errorf("linear: reading %s %s: %w", t.single, clip(id), err)
	}
	n, err := decodeNode(raw, q.getOp)
	if err != nil {
		return nil, err
	}
	r := n.record()
	return &r, nil
}

// checkpoint returns a change cursor at the current time on Linear's clock, read from the Date header
// of a one-entity list request (which also checks the credential early).
func (t *entityType) checkpoint(ctx context.Context, s *providers.Session, q queries) (string, error) {
	_, resp, err := call(ctx, s, q.probeOp, q.probe, t.name, nil)
	if err != nil {
		return "", fmt.Errorf("linear: checkpoint of %s: %w", t.collectionID(), err)
	}
	at := serverTime(resp).UnixMilli()
	c := &changeState{Floor: at, Since: at}
	return c.String(), nil
}
