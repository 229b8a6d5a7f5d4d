package shopify

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"github.com/sequinsync/sequin/providers"
)

const (
	// overlap is how far (in seconds) before the newest timestamp seen each pass looks again, so a
	// change stamped a little before one already seen, or with the same second, is never missed.
	overlap = 60
	// maxChangePages bounds the list requests of one Changes call; More says when there is more.
	maxChangePages = 5
)

// item is a version a feed page reported.
type item struct {
	rec  providers.Record
	at   int64 // unix seconds of the version
	hash uint64
}

// feedPage is one page of a feed.
type feedPage struct {
	items []item
	// newest is the newest timestamp on the page, including parents whose children were not reported.
	newest int64
	// next is the page_info of the next page of the pass.
	next string
	// location is, for inventory levels, the group of locations the pass continues with (0: none).
	location int64
}

// fetchFunc reads one page of a feed: the first page of a pass, from w.Pass, or the page w names.
type fetchFunc func(ctx context.Context, s *providers.Session, w *window) (*feedPage, error)

// follow reads up to budget pages of w's pass, starting a pass when none is under way, and returns
// the versions not reported before. done is true when the pass ended.
func follow(ctx context.Context, s *providers.Session, w *window, fetch fetchFunc, budget int) (recs []providers.Record, done bool, err error) {
	if !w.inPass() {
		w.Pass = max(0, w.Since-overlap)
	}
	for range budget {
		p, err := fetch(ctx, s, w)
		if err != nil {
			return nil, false, err
		}
		for _, it := range p.items {
			if w.has(it.hash) {
				continue
			}
			w.remember(it.at, it.hash)
			recs = append(recs, it.rec)
		}
		w.Since = max(w.Since, p.newest)
		w.PageInfo, w.Location = p.next, p.location
		w.prune(overlap)
		if !w.inPass() {
			return recs, true, nil
		}
	}
	return recs, false, nil
}

// feeds are the change feeds of a collection: updated objects, and deleted ones where Shopify
// lists them.
type feeds struct {
	collectionID string
	updates      fetchFunc
	deletes      fetchFunc
}

// checkpoint returns a cursor at the current time on Shopify's clock (the Date of a cheap answer).
func (f feeds) checkpoint(ctx context.Context, s *providers.Session) (string, error) {
	resp, err := get(ctx, s, "/shop.json", url.Values{"fields": {"id"}})
	if err != nil {
		return "", fmt.Errorf("shopify: checkpoint of %s: %w", f.collectionID, err)
	}
	at := answeredAt(resp).Unix()
	c := &changeCursor{Updates: window{Since: at}}
	if f.deletes != nil {
		c.Deletes = &window{Since: at}
	}
	return c.String(), nil
}

// changes reports what changed since cur, oldest first. Each call advances the updates feed by up to
// maxChangePages-1 pages and the deletes feed by at least one, so neither starves the other.
func (f feeds) changes(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseChangeCursor(cur, f.deletes != nil)
	if err != nil {
		return nil, cursorError(err)
	}
	budget := maxChangePages
	if f.deletes != nil {
		budget--
	}
	recs, done, err := follow(ctx, s, &c.Updates, f.updates, budget)
	if err != nil {
		return nil, fmt.Errorf("shopify: changes of %s: %w", f.collectionID, err)
	}
	if f.deletes != nil {
		dels, ddone, err := follow(ctx, s, c.Deletes, f.deletes, max(1, maxChangePages-budget))
		if err != nil {
			return nil, fmt.Errorf("shopify: deletes of %s: %w", f.collectionID, err)
		}
		recs = append(recs, dels...)
		done = done && ddone
	}
	slices.SortStableFunc(recs, func(a, b providers.Record) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	return &providers.Changes{Records: recs, NextCursor: c.String(), More: !done}, nil
}
