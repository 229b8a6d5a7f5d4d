package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// maxChangePages bounds the list requests of one Changes call; More says when there is more.
	maxChangePages = 10
	// createdOverlap is how far back polling by creation time looks before the newest object it has
	// seen, for objects that become visible a little after their creation time. Repeats are harmless:
	// the engine only records copies whose content changed.
	createdOverlap = 60
	// maxNarrowing bounds the halvings of a creation-time window (2^40 seconds outlasts any account).
	maxNarrowing = 40
)

// eventHead is the part of an event the change feed reads.
type eventHead struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// eventQuery filters /v1/events to t's event types.
func (t *objectType) eventQuery() url.Values {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	q["types[]"] = append([]string(nil), t.events...)
	return q
}

// eventCheckpoint returns a cursor at the newest event of t's types, or, when there is none, at the
// current time on Stripe's clock.
func (t *objectType) eventCheckpoint(ctx context.Context, s *providers.Session) (string, error) {
	q := t.eventQuery()
	q.Set("limit", "1")
	_, heads, at, err := listPage(ctx, s, "/v1/events", q)
	if err != nil {
		return "", fmt.Errorf("stripe: checkpoint of %s: %w", t.collectionID(), err)
	}
	if len(heads) > 0 {
		return eventCursor(heads[0].ID).String(), nil
	}
	return createdCursor(at.Unix()).String(), nil
}

// eventChanges reports the objects of t's events after cur, oldest first. Each event carries a
// snapshot of its object as of the event (data.object), stamped with the event's time, so replaying
// them in order ends at the object's latest state. A delete event is a Deleted record holding the
// last snapshot.
//
// Stripe lists events newest first; ending_before=<id> returns the page of events just newer than
// <id>, with has_more when even newer ones exist. Each page is reversed and the walk continues from
// the newest event seen. Stripe keeps events for 30 days, so a collection must be polled at least that
// often; an older cursor fails with an invalid-request error asking for a new backfill.
func (t *objectType) eventChanges(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	out := &providers.Changes{NextCursor: cur}
	if c.EventID == "" {
		// No event seen yet: find the oldest events created since the cursor's time.
		events, complete, hi, err := t.listSince(ctx, s, "/v1/events", t.eventQuery(), c.Created)
		if err != nil {
			return nil, fmt.Errorf("stripe: changes of %s since %s: %w", t.collectionID(), c.Time().Format(time.RFC3339), err)
		}
		for _, raw := range events {
			if err := t.appendEvent(out, raw); err != nil {
				return nil, err
			}
		}
		switch {
		case len(events) > 0:
			var last eventHead
			_ = json.Unmarshal(events[len(events)-1], &last) // decoded by appendEvent already
			out.NextCursor = eventCursor(last.ID).String()
		case !complete:
			out.NextCursor = createdCursor(hi).String()
		}
		out.More = !complete
		return out, nil
	}
	id := c.EventID
	for range maxChangePages {
		q := t.eventQuery()
		q.Set("ending_before", id)
		l, heads, _, err := listPage(ctx, s, "/v1/events", q)
		if err != nil {
			var pe *providers.Error
			if errors.As(err, &pe) && pe.Code == "resource_missing" {
				// Stripe keeps events for 30 days; an older cursor cannot be continued.
				return nil, fmt.Errorf("stripe: changes of %s after event %s (events older than 30 days are gone; the collection needs a new backfill): %w", t.collectionID(), id, err)
			}
			return nil, fmt.Errorf("stripe: changes of %s after event %s: %w", t.collectionID(), id, err)
		}
		for i := len(l.Data) - 1; i >= 0; i-- {
			if err := t.appendEvent(out, l.Data[i]); err != nil {
				return nil, err
			}
		}
		if len(heads) > 0 {
			id = heads[0].ID
			out.NextCursor = eventCursor(id).String()
		}
		out.More = l.HasMore
		if !l.HasMore {
			break
		}
	}
	return out, nil
}

// appendEvent adds the record an event reports to out. Events of other objects (a type filter that
// matched more than expected) are skipped.
func (t *objectType) appendEvent(out *providers.Changes, raw json.RawMessage) error {
	var ev eventHead
	if err := json.Unmarshal(raw, &ev); err != nil {
		return providers.Malformed(err, "stripe: decoding event: %v", err)
	}
	if ev.ID == "" || ev.Type == "" {
		return providers.Malformed(nil, "stripe: event without id or type")
	}
	if eventCollections[ev.Type] != t {
		return nil
	}
	var obj head
	if len(ev.Data.Object) == 0 || json.Unmarshal(ev.Data.Object, &obj) != nil || obj.ID == "" {
		return providers.Malformed(nil, "stripe: event %s (%s) has no data.object with an id", ev.ID, ev.Type)
	}
	if obj.Object != "" && obj.Object != t.object {
		return nil
	}
	out.Records = append(out.Records, providers.Record{
		ID:        obj.ID,
		UpdatedAt: time.Unix(ev.Created, 0).UTC(),
		Data:      ev.Data.Object,
		Deleted:   t.isDeleteEvent(ev.Type) || obj.Deleted,
	})
	return nil
}

// createdCheckpoint returns a cursor at the current time on Stripe's clock, for collections without
// events.
func (t *objectType) createdCheckpoint(ctx context.Context, s *providers.Session) (string, error) {
	_, _, at, err := listPage(ctx, s, t.path, url.Values{"limit": {"1"}})
	if err != nil {
		return "", fmt.Errorf("stripe: checkpoint of %s: %w", t.collectionID(), err)
	}
	return createdCursor(at.Unix()).String(), nil
}

// createdChanges reports objects created since the cursor's time, oldest first, for collections
// without events. The next cursor looks createdOverlap seconds behind the time of the answer, so an
// object that shows up late is still found; an object seen again is only recorded if it changed.
// The cursor never moves back, and a call returning More has always moved it forward.
func (t *objectType) createdChanges(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	if c.EventID != "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("%s has no events; cursor %s does not apply", t.collectionID(), clip(cur))}
	}
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	for k, v := range t.listQuery {
		q[k] = v
	}
	objs, complete, hi, at, err := t.listSinceAt(ctx, s, t.path, q, c.Created)
	if err != nil {
		return nil, fmt.Errorf("stripe: changes of %s since %s: %w", t.collectionID(), c.Time().Format(time.RFC3339), err)
	}
	out := &providers.Changes{Records: make([]providers.Record, 0, len(objs))}
	for _, raw := range objs {
		var h head
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, providers.Malformed(err, "stripe: decoding %s: %v", t.object, err)
		}
		out.Records = append(out.Records, providers.Record{ID: h.ID, UpdatedAt: versionTime(h, at), Data: raw})
	}
	if !complete {
		// The window [c.Created, hi) was read in full; continue right after it.
		out.NextCursor, out.More = createdCursor(hi).String(), true
		return out, nil
	}
	out.NextCursor = createdCursor(max(c.Created, at.Unix()-createdOverlap)).String()
	return out, nil
}

// listSince is listSinceAt without the answer time.
func (t *objectType) listSince(ctx context.Context, s *providers.Session, path string, q url.Values, from int64) ([]json.RawMessage, bool, int64, error) {
	objs, complete, hi, _, err := t.listSinceAt(ctx, s, path, q, from)
	return objs, complete, hi, err
}

// errDenseSecond reports more objects created within one second than a walk may read.
var errDenseSecond = errors.New("too many objects created within one second")

// listSinceAt lists objects created at or after from, oldest first. Stripe lists newest first, so
// reading the oldest ones needs the window to fit in one page: when [from, now] holds more than a
// page, its end is halved until [from, hi) does (complete is then false and hi is the exclusive end
// read up to). A single second holding more than a page is walked page by page.
func (t *objectType) listSinceAt(ctx context.Context, s *providers.Session, path string, base url.Values, from int64) (objs []json.RawMessage, complete bool, hi int64, at time.Time, err error) {
	query := func(hi int64) url.Values {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set("created[gte]", strconv.FormatInt(from, 10))
		if hi > 0 {
			q.Set("created[lt]", strconv.FormatInt(hi, 10))
		}
		return q
	}
	for range maxNarrowing {
		l, heads, when, err := listPage(ctx, s, path, query(hi))
		if err != nil {
			return nil, false, 0, time.Time{}, err
		}
		at = when
		if !l.HasMore {
			return reversed(l.Data), hi == 0, hi, at, nil
		}
		if hi == 0 {
			hi = max(heads[0].Created, at.Unix()) + 1
		}
		if hi-from <= 1 {
			objs, err := walkSecond(ctx, s, path, query(hi), l, heads)
			return objs, false, hi, at, err
		}
		hi = from + (hi-from)/2
	}
	return nil, false, 0, time.Time{}, fmt.Errorf("stripe: listing %s since %d: window did not narrow", path, from)
}

// walkSecond reads every object of a one-second window, starting from its first page, oldest first.
func walkSecond(ctx context.Context, s *providers.Session, path string, q url.Values, l *list, heads []head) ([]json.RawMessage, error) {
	all := append([]json.RawMessage(nil), l.Data...)
	for pages := 1; l.HasMore; pages++ {
		if pages == maxChangePages {
			return nil, fmt.Errorf("stripe: listing %s: %w (more than %d)", path, errDenseSecond, maxChangePages*pageSize)
		}
		q.Set("starting_after", heads[len(heads)-1].ID)
		var err error
		if l, heads, _, err = listPage(ctx, s, path, q); err != nil {
			return nil, err
		}
		all = append(all, l.Data...)
	}
	return reversed(all), nil
}

// reversed returns a copy of objs in reverse order.
func reversed(objs []json.RawMessage) []json.RawMessage {
	out := make([]json.RawMessage, len(objs))
	for i, o := range objs {
		out[len(objs)-1-i] = o
	}
	return out
}
