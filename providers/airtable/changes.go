package airtable

import (
	"context"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// A table's change feed polls with filterByFormula for records modified or created after a
// watermark:
//
//	OR(IS_AFTER(LAST_MODIFIED_TIME(), DATETIME_PARSE('<watermark>')), IS_AFTER(CREATED_TIME(), DATETIME_PARSE('<watermark>')))
//
// LAST_MODIFIED_TIME() needs no field in the table; records are not listed in modification order
// and carry no modification time, so the watermark is the time Airtable answered the poll's first
// page, less an overlap for changes committed around it. Records listed again within the overlap are
// recognized by their content hash and not reported again. LAST_MODIFIED_TIME() follows edits of the
// record's own (non-computed) fields: a lookup or rollup that changes because a linked record changed
// is picked up with the record's next edit or the next backfill.
//
// Deletes: Airtable lists no deleted records. With options.webhook_id naming a webhook of the base
// (subscribed to tableData), each completed poll also reads the webhook's payloads and reports the
// records they list as destroyed; without one the engine sweeps ids.

// overlap is how far before a poll's start the next one looks again.
const overlap = time.Minute

// seenSlack widens the overlap for forgetting seen records: Airtable's Date header has a resolution
// of one second.
const seenSlack = 2 * time.Second

// changeFormula selects records modified or created after since.
func changeFormula(since time.Time) string {
	at := "DATETIME_PARSE('" + since.UTC().Format("2006-01-02T15:04:05.000Z") + "')"
	return "OR(IS_AFTER(LAST_MODIFIED_TIME(), " + at + "), IS_AFTER(CREATED_TIME(), " + at + "))"
}

// checkpoint returns a change cursor for now by Airtable's clock (GET /v0/meta/whoami, the cheapest
// request) less the overlap, and the webhook's next payload when one is named.
func checkpoint(ctx context.Context, s *providers.Session) (string, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: "/v0/meta/whoami"})
	if err != nil {
		return "", err
	}
	c := &changeCursor{Since: fetchedAt(resp).Add(-overlap).UnixMilli()}
	if hook := webhookOf(s); hook != "" {
		base, err := baseOf(s)
		if err != nil {
			return "", err
		}
		if c.Payload, err = nextPayload(ctx, s, base, hook); err != nil {
			return "", err
		}
	}
	return c.String(), nil
}

// webhookOf is the webhook named by options.webhook_id, if valid.
func webhookOf(s *providers.Session) string {
	h := strings.TrimSpace(s.Option(OptionWebhookID))
	if !webhookIDPattern.MatchString(h) {
		return ""
	}
	return h
}

// changes reads one page of the poll in progress (starting one when none is), and when the poll is
// complete, one page of the webhook's payloads.
func changes(ctx context.Context, s *providers.Session, table, cur string) (*providers.Changes, error) {
	c, err := parseChangeCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	base, err := baseOf(s)
	if err != nil {
		return nil, err
	}
	if c.Poll == 0 {
		c.Query, c.Offset = c.Since, ""
	}
	q := url.Values{"pageSize": {strconv.Itoa(pageSize)}, "filterByFormula": {changeFormula(time.UnixMilli(c.Query))}}
	if c.Offset != "" {
		q.Set("offset", c.Offset)
	}
	pg, err := listRecords(ctx, s, base, table, q)
	if iteratorGone(err) && c.Offset != "" {
		c.Poll, c.Offset = 0, ""
		q.Del("offset")
		pg, err = listRecords(ctx, s, base, table, q)
	}
	if err != nil {
		return nil, err
	}
	if c.Poll == 0 {
		c.Poll = pg.at.UnixMilli()
	}
	out := &providers.Changes{}
	for _, r := range pg.records {
		if c.fresh(r.ID, pg.at.UnixMilli(), r.Data) {
			out.Records = append(out.Records, r)
		}
	}
	if pg.offset != "" {
		c.Offset, out.More = pg.offset, true
		c.prune(0) // a long poll remembers no more than maxSeen records
		out.NextCursor = c.String()
		return out, nil
	}
	c.Since = max(c.Since, c.Poll-overlap.Milliseconds())
	c.Poll, c.Query, c.Offset = 0, 0, ""
	c.prune(c.Since - seenSlack.Milliseconds())
	if hook := webhookOf(s); hook != "" {
		deleted, next, more, err := destroyed(ctx, s, base, hook, table, c.Payload)
		if err != nil {
			return nil, err
		}
		for _, d := range deleted {
			delete(c.Seen, d.ID)
		}
		out.Records = append(out.Records, deleted...)
		c.Payload, out.More = next, more
	}
	out.NextCursor = c.String()
	return out, nil
}

// fresh reports whether a record differs from what was last reported of it, and remembers it.
func (c *changeCursor) fresh(id string, at int64, raw []byte) bool {
	h := fnv.New64a()
	h.Write(raw)
	sum := int64(h.Sum64())
	if seen, ok := c.Seen[id]; ok && seen[1] == sum {
		return false
	}
	if c.Seen == nil {
		c.Seen = map[string][2]int64{}
	}
	c.Seen[id] = [2]int64{at, sum}
	return true
}

// prune forgets records seen before t (they are no longer listed) and the oldest beyond maxSeen.
func (c *changeCursor) prune(t int64) {
	for id, v := range c.Seen {
		if v[0] < t {
			delete(c.Seen, id)
		}
	}
	if len(c.Seen) > maxSeen {
		ids := make([]string, 0, len(c.Seen))
		for id := range c.Seen {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int {
			if d := c.Seen[a][0] - c.Seen[b][0]; d != 0 {
				return int(max(min(d, 1), -1))
			}
			return strings.Compare(a, b)
		})
		for _, id := range ids[:len(ids)-maxSeen] {
			delete(c.Seen, id)
		}
	}
	if len(c.Seen) == 0 {
		c.Seen = nil
	}
}

// webhooksPath is the path of a base's webhooks.
func webhooksPath(base string) string { return "/v0/bases/" + url.PathEscape(base) + "/webhooks" }

// nextPayload is the payload cursor the webhook's next payload will have.
func nextPayload(ctx context.Context, s *providers.Session, base, hook string) (int64, error) {
	var out struct {
		Webhooks []struct {
			ID     string `json:"id"`
			Cursor *int64 `json:"cursorForNextPayload"`
		} `json:"webhooks"`
	}
	if _, err := s.Client.GetJSON(ctx, webhooksPath(base), nil, nil, &out); err != nil {
		return 0, err
	}
	for _, w := range out.Webhooks {
		if w.ID == hook {
			if w.Cursor == nil || *w.Cursor < 1 {
				return 0, providers.Malformed(nil, "airtable: webhook %s has no cursorForNextPayload", hook)
			}
			return *w.Cursor, nil
		}
	}
	return 0, invalid("the base %s has no webhook %s (options.webhook_id); it may have expired", base, hook)
}

// maxPayloads is how many payloads one request reads, Airtable's maximum.
const maxPayloads = 50

// destroyed reads one page of the webhook's payloads from cursor and returns the records of table
// they list as destroyed, the next cursor, and whether more payloads wait.
func destroyed(ctx context.Context, s *providers.Session, base, hook, table string, cursor int64) ([]providers.Record, int64, bool, error) {
	if cursor < 1 {
		next, err := nextPayload(ctx, s, base, hook)
		return nil, next, false, err
	}
	path := webhooksPath(base) + "/" + url.PathEscape(hook) + "/payloads"
	q := url.Values{"cursor": {strconv.FormatInt(cursor, 10)}, "limit": {strconv.Itoa(maxPayloads)}}
	var out struct {
		Payloads []struct {
			Timestamp time.Time `json:"timestamp"`
			Tables    map[string]struct {
				Destroyed []string `json:"destroyedRecordIds"`
			} `json:"changedTablesById"`
		} `json:"payloads"`
		Cursor        *int64 `json:"cursor"`
		MightHaveMore bool   `json:"mightHaveMore"`
	}
	resp, err := s.Client.GetJSON(ctx, path, q, nil, &out)
	if err != nil {
		return nil, 0, false, err
	}
	if out.Cursor == nil || *out.Cursor < cursor || out.Payloads == nil {
		return nil, 0, false, providers.Malformed(nil, "airtable: GET %s: no payloads list or a cursor going back", path)
	}
	var recs []providers.Record
	for _, p := range out.Payloads {
		at := p.Timestamp.UTC()
		if at.IsZero() {
			at = fetchedAt(resp)
		}
		for _, id := range p.Tables[table].Destroyed {
			if validRecordID(id) {
				recs = append(recs, providers.Record{ID: id, UpdatedAt: at, Deleted: true})
			}
		}
	}
	return recs, *out.Cursor, out.MightHaveMore && *out.Cursor > cursor, nil
}
