package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// Overlap is how far before the newest modification (or archive) already reported a search pass
	// (or an archived scan) looks again: HubSpot's search index shows changes a few seconds after they
	// happen, so a change stamped earlier than one already seen can appear later. Objects seen again
	// unchanged are not reported twice.
	Overlap = time.Minute
	// searchPageSize is the number of objects asked for per search request, the endpoints' maximum.
	searchPageSize = 200
	// maxSeen bounds the objects remembered in a cursor; beyond it the oldest are forgotten, and an
	// object seen again may be reported again (the engine records no event for unchanged content).
	maxSeen = 500
	// scanPacing is the pause after an archived scan per page beyond its first: scanning a large
	// recycling bin every poll would spend the budget on re-reading it, so a scan of n pages is
	// followed by (n-1) x scanPacing before the next, about one request per scanPacing on average.
	scanPacing = 10 * time.Second
)

// searchWindow is the most results one search query can page through (HubSpot's 10,000); a request
// whose after reaches it is refused with a 400. Tests shrink it, with the emulator's, so that
// splitting a pass by time is exercised with a thousand objects rather than ten thousand.
var searchWindow = 10_000

// now is replaceable in tests.
var now = time.Now

// checkpoint returns a change cursor at the current time on HubSpot's clock, read from the Date header
// of a one-object list request (which also checks the credential and its scopes early).
func (t *crmType) checkpoint(ctx context.Context, s *providers.Session) (string, error) {
	q := t.listQuery(s, false, "")
	q.Set("limit", "1")
	q.Set("properties", "hs_object_id")
	resp, err := getJSON(ctx, s, t.path(), q)
	if err != nil {
		return "", fmt.Errorf("hubspot: checkpoint of %s: %w", t.collectionID(), err)
	}
	at := serverTime(resp).UnixMilli()
	c := &changeState{Floor: at, Since: at, ArchSince: at}
	return c.String(), nil
}

// serverTime is when HubSpot answered, from the Date header (which is truncated to the second, so at
// or before the true time); without a usable Date, our clock a second early.
func serverTime(resp *providers.Response) time.Time {
	local := now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(local).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return local.Add(-time.Second).Truncate(time.Second).UTC()
}

// changes reports t's objects changed since the cursor, oldest first: one page of a search pass, or
// one page of an archived scan, per call.
func (t *crmType) changes(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseChangeCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	if c.Scanning {
		return t.scanPage(ctx, s, c)
	}
	return t.searchPage(ctx, s, c)
}

// searchBody is the body of a search request.
type searchBody struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Sorts        []sortRule    `json:"sorts"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value"`
}

type sortRule struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// searchPage reads one page of the search pass, starting one when none is in progress.
func (t *crmType) searchPage(ctx context.Context, s *providers.Session, c *changeState) (*providers.Changes, error) {
	start := c.From
	if start == 0 {
		start = max(c.Floor, c.Since-Overlap.Milliseconds())
		c.prune(false, start)
	}
	limit := min(searchPageSize, searchWindow-c.Skip)
	body := searchBody{
		FilterGroups: []filterGroup{{Filters: []filter{{PropertyName: t.modified, Operator: "GTE", Value: strconv.FormatInt(start, 10)}}}},
		Sorts:        []sortRule{{PropertyName: t.modified, Direction: "ASCENDING"}},
		Properties:   t.requested(s),
		Limit:        limit,
	}
	if c.Skip > 0 {
		body.After = strconv.Itoa(c.Skip)
	}
	if err := paceSearch(ctx, s); err != nil {
		return nil, err
	}
	path := t.path() + "/search"
	resp, err := sendJSON(ctx, s, http.MethodPost, path, body)
	if err != nil {
		return nil, fmt.Errorf("hubspot: searching %s modified since %s: %w", t.name, time.UnixMilli(start).UTC().Format(time.RFC3339Nano), err)
	}
	p, objs, err := decodePage(resp, "POST "+path)
	if err != nil {
		return nil, err
	}
	out := &providers.Changes{}
	last := start
	for _, o := range objs {
		h, at, err := inspect(o, t.modified)
		if err != nil {
			return nil, err
		}
		last = at
		c.Since = max(c.Since, at)
		if c.remember(seenEntry{ID: o.id, At: at, Hash: h}) {
			out.Records = append(out.Records, providers.Record{ID: o.id, UpdatedAt: o.updated, Data: o.raw})
		}
	}
	switch {
	case p.next() == "" || len(objs) == 0:
		// The pass has caught up; an archived scan follows when one is due.
		c.From, c.Skip = 0, 0
		if c.scanDue(now()) {
			c.Scanning, out.More = true, true
		}
	case last > start:
		// Continue from the last modification time read: objects sharing it are read again and
		// recognised as seen. Each query starts afresh, so none pages into the 10,000-result window.
		c.From, c.Skip, out.More = last, 0, true
	case c.Skip+len(objs) < searchWindow:
		// A whole page modified within one millisecond: page through that millisecond by offset.
		c.From, c.Skip, out.More = start, c.Skip+len(objs), true
	default:
		// More objects modified within one millisecond than one query can page through: the rest of
		// that millisecond is out of reach of the search endpoints. Move on; a backfill recovers them.
		c.From, c.Skip, out.More = start+1, 0, true
	}
	out.NextCursor = c.String()
	return out, nil
}

// scanDue reports whether an archived scan may start: right after a short scan, later after a long one.
func (c *changeState) scanDue(at time.Time) bool {
	if c.LastScanAt == 0 {
		return true
	}
	wait := time.Duration(max(c.LastScanPages-1, 0)) * scanPacing
	return at.UnixMilli()-c.LastScanAt >= wait.Milliseconds()
}

// scanPage reads one page of the archived scan and reports the objects archived since the previous
// scan (with the overlap) as deletes, oldest first.
func (t *crmType) scanPage(ctx context.Context, s *providers.Session, c *changeState) (*providers.Changes, error) {
	start := max(c.Floor, c.ArchSince-Overlap.Milliseconds())
	if c.ScanPages == 0 {
		c.prune(true, start)
	}
	p, objs, err := t.listPage(ctx, s, true, c.ScanAfter)
	if err != nil {
		return nil, err
	}
	out := &providers.Changes{}
	for _, o := range objs {
		at := o.archivedAt
		if at.IsZero() {
			at = o.updated
		}
		ms := at.UnixMilli()
		c.ArchHigh = max(c.ArchHigh, ms)
		if ms >= start && c.remember(seenEntry{ID: o.id, At: ms, Deleted: true}) {
			out.Records = append(out.Records, providers.Record{ID: o.id, UpdatedAt: at, Data: o.raw, Deleted: true})
		}
	}
	slices.SortStableFunc(out.Records, func(a, b providers.Record) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	c.ScanPages++
	if next := p.next(); next != "" {
		c.ScanAfter, out.More = next, true
	} else {
		c.ArchSince = max(c.ArchSince, c.ArchHigh)
		c.LastScanAt, c.LastScanPages = now().UnixMilli(), c.ScanPages
		c.Scanning, c.ScanAfter, c.ScanPages, c.ArchHigh = false, "", 0, 0
	}
	out.NextCursor = c.String()
	return out, nil
}

// remember records e as reported and reports whether it is new: an object already reported with the
// same time and content (or, for deletes, already reported archived at that time) is not. The set is
// trimmed when the cursor is encoded.
func (c *changeState) remember(e seenEntry) bool {
	for i, s := range c.Seen {
		if s.ID != e.ID || s.Deleted != e.Deleted {
			continue
		}
		if s.At == e.At && s.Hash == e.Hash {
			return false
		}
		c.Seen[i] = e
		return true
	}
	c.Seen = append(c.Seen, e)
	return true
}

// trim forgets the oldest entries beyond maxSeen.
func (c *changeState) trim() {
	if len(c.Seen) <= maxSeen {
		return
	}
	slices.SortStableFunc(c.Seen, func(a, b seenEntry) int { return int(min(max(a.At-b.At, -1), 1)) })
	c.Seen = slices.Delete(c.Seen, 0, len(c.Seen)-maxSeen)
}

// prune forgets the entries of one kind older than start, which no query reaches any more.
func (c *changeState) prune(deleted bool, start int64) {
	c.Seen = slices.DeleteFunc(c.Seen, func(e seenEntry) bool { return e.Deleted == deleted && e.At < start })
}

// inspect returns a hash of an object's JSON and its last-modified time in milliseconds: the property
// the search sorts by, or updatedAt when the property is missing. HubSpot renders an unchanged object
// the same way every time; were it not to, the object would only be reported again.
func inspect(o object, modified string) (uint32, int64, error) {
	var v struct {
		Properties map[string]*string `json:"properties"`
	}
	if err := json.Unmarshal(o.raw, &v); err != nil {
		return 0, 0, providers.Malformed(err, "hubspot: decoding object %s: %v", o.id, err)
	}
	h := fnv.New32a()
	_, _ = h.Write(bytes.TrimSpace(o.raw))
	at := o.updated.UnixMilli()
	if s := v.Properties[modified]; s != nil {
		if t, ok := parseTime(*s); ok {
			at = t.UnixMilli()
		} else if ms, err := strconv.ParseInt(*s, 10, 64); err == nil {
			at = ms
		}
	}
	return h.Sum32(), at, nil
}
