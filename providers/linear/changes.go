package linear

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Overlap is how far before the newest update a pass already read the next pass starts again: an
// update stamped before one already read (its transaction committed later) still shows up. Entities
// seen again unchanged are not reported twice.
const Overlap = 30 * time.Second

// changes reports one page of the current pass over t's entities updated since the cursor, archived
// and trashed ones included (as deletes). Within a page records are oldest first; Linear serves the
// pages themselves newest first, and the engine never replaces a record with an older copy.
func (t *entityType) changes(ctx context.Context, s *providers.Session, q queries, cur string) (*providers.Changes, error) {
	c, err := parseChangeCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	if c.From == 0 {
		c.From = max(c.Floor, c.Since-Overlap.Milliseconds())
		c.prune(c.From)
	}
	raw, err := t.changedPage(ctx, s, q, c)
	if err != nil && c.After != "" && providers.IsInvalidRequest(err) {
		// The entity the pass's cursor names is gone for good, and Linear no longer knows where the
		// page after it starts: read the pass again from its start. Entities already reported are
		// recognised, and Since only moves when a pass completes, so nothing is lost.
		c.After, c.High = "", 0
		raw, err = t.changedPage(ctx, s, q, c)
	}
	if err != nil {
		return nil, err
	}
	conn, nodes, err := decodeConnection(raw, q.changedOp)
	if err != nil {
		return nil, err
	}
	out := &providers.Changes{}
	for _, n := range nodes {
		at := n.updated.UnixMilli()
		c.High = max(c.High, at)
		if at < c.From {
			continue // the filter is gte From; an older entity means the answer is not for this query
		}
		h := fnv.New32a()
		_, _ = h.Write(bytes.TrimSpace(n.raw))
		if c.remember(seenEntry{ID: n.id, At: at, Hash: h.Sum32(), Deleted: n.archived}) {
			out.Records = append(out.Records, n.record())
		}
	}
	slices.SortStableFunc(out.Records, func(a, b providers.Record) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	if next := conn.next(); next != "" {
		if next == c.After {
			return nil, providers.Malformed(nil, "linear: %s: the endCursor %q did not move", q.changedOp, clip(next))
		}
		c.After, out.More = next, true
	} else {
		c.Since = max(c.Since, c.High)
		c.From, c.After, c.High = 0, "", 0
	}
	out.NextCursor = c.String()
	return out, nil
}

// changedPage asks for one page of the pass described by c.
func (t *entityType) changedPage(ctx context.Context, s *providers.Session, q queries, c *changeState) ([]byte, error) {
	vars := map[string]any{"first": t.pageSize, "after": nil, "since": time.UnixMilli(c.From).UTC().Format("2006-01-02T15:04:05.000Z")}
	if c.After != "" {
		vars["after"] = c.After
	}
	raw, _, err := call(ctx, s, q.changedOp, q.changed, t.name, vars)
	if err != nil {
		return nil, fmt.Errorf("linear: listing %s updated since %s: %w", t.name, vars["since"], err)
	}
	return raw, nil
}
