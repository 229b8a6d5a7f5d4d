package workday

import (
	"context"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// checkpoint returns a change cursor for now: in report mode the report is asked for changes from now
// on; in relist mode the listing starts from the beginning. The moment is the sidecar's clock; a
// tenant clock running ahead of it is absorbed by the report's overlap once changes flow.
func (r *resource) checkpoint(_ context.Context, s *providers.Session) (string, error) {
	now := time.Now().UnixMilli()
	c := &changeCursor{Mode: modeRelist, Floor: now, At: now, Page: &pageCursor{}}
	if s.Option(r.reportOption()) != "" {
		c.Mode, c.Page = modeReport, nil
	}
	return c.String(), nil
}

// changes follows the collection's change report when the sync names one (option
// "<collection>_report"); otherwise it lists the whole collection again, a page per call, and the
// engine's content-hash merge turns what did not change into no writes and no events.
func (r *resource) changes(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
	c, err := parseChangeCursor(cursor)
	if err != nil {
		return nil, err
	}
	report := s.Option(r.reportOption())
	switch {
	case report != "" && c.Mode == modeRelist:
		// A report named after polling started: follow it from the start of the current listing.
		c = &changeCursor{Mode: modeReport, Floor: c.At, At: c.At}
	case report == "" && c.Mode == modeReport:
		c = &changeCursor{Mode: modeRelist, Floor: c.Floor, At: max(c.At, time.Now().UnixMilli()), Page: &pageCursor{}}
	}
	if c.Mode == modeReport {
		return r.reportChanges(ctx, s, c, report)
	}
	return r.relistChanges(ctx, s, c)
}

// reportChanges reports up to a page of the objects the report names that were not reported yet,
// each fetched from the REST API (the report is an index of changes, not the data).
func (r *resource) reportChanges(ctx context.Context, s *providers.Session, c *changeCursor, report string) (*providers.Changes, error) {
	t, err := endpoint(s)
	if err != nil {
		return nil, err
	}
	from := c.from()
	entries, err := runReport(ctx, s, t, report, from)
	if err != nil {
		return nil, err
	}
	var pending []reportEntry
	for _, e := range entries {
		if e.moment >= from && !c.seen(e.id, e.moment) {
			pending = append(pending, e)
		}
	}
	batch := pending[:min(len(pending), pageSize(s))]
	out := &providers.Changes{More: len(pending) > len(batch)}
	for _, e := range batch {
		rec, err := r.get(ctx, s, e.id)
		switch {
		case providers.IsNotFound(err):
			// Named as changed but gone since: the object was deleted (or is no longer visible to the
			// integration system user, which for the synced table is the same).
			rec = &providers.Record{ID: e.id, UpdatedAt: time.Now().UTC(), Deleted: true}
		case err != nil:
			return nil, err
		}
		out.Records = append(out.Records, *rec)
		c.advance(e.id, e.moment)
	}
	out.NextCursor = c.String()
	return out, nil
}

// relistChanges reports one page of the whole collection; after the last page the next listing
// starts over.
func (r *resource) relistChanges(ctx context.Context, s *providers.Session, c *changeCursor) (*providers.Changes, error) {
	pc := pageCursor{}
	if c.Page != nil {
		pc = *c.Page
	}
	recs, next, done, _, err := r.listPage(ctx, s, pc)
	if err != nil {
		return nil, err
	}
	if done {
		c.At, c.Page = max(c.At, time.Now().UnixMilli()), &pageCursor{}
	} else {
		c.Page = &next
	}
	return &providers.Changes{Records: recs, NextCursor: c.String(), More: !done}, nil
}
