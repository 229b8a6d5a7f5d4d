package checkoutchamp

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// maxPagesPerPoll bounds the pages one Changes call reads; a longer window continues in the next.
const maxPagesPerPoll = 25

// changeCursor is where the dateUpdated feed resumes. Dates have one-second resolution and the API
// pages in id order rather than date order, so a window (dateUpdated >= At) is read to its end,
// possibly across calls (Page), and then At moves to the newest date it held. Rows already reported
// at At are skipped by content hash, since records carry no version number.
type changeCursor struct {
	At   string            `json:"t"`
	Seen map[string]string `json:"seen,omitempty"`
	// Page is the next page of the current window; 0 starts a new window.
	Page int `json:"page,omitempty"`
	// Hi and HiSeen collect the newest date of the window being read and what was reported at it.
	Hi     string            `json:"hi,omitempty"`
	HiSeen map[string]string `json:"hi_seen,omitempty"`
}

// parseCursor reads a change cursor.
func parseCursor(s string) (*changeCursor, error) {
	var c changeCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("checkoutchamp: change cursor %q: %w", clip(s), err)
	}
	if _, err := time.Parse(dateLayout, c.At); err != nil {
		return nil, fmt.Errorf("checkoutchamp: change cursor %q: %w", clip(s), err)
	}
	if c.Hi != "" {
		if _, err := time.Parse(dateLayout, c.Hi); err != nil {
			return nil, fmt.Errorf("checkoutchamp: change cursor %q: %w", clip(s), err)
		}
	}
	if c.Page < 0 {
		return nil, fmt.Errorf("checkoutchamp: change cursor %q: negative page", clip(s))
	}
	return &c, nil
}

// String renders the cursor.
func (c *changeCursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// note records a reported row at date at in the window's newest date.
func (c *changeCursor) note(at, id, version string) {
	switch {
	case at > c.Hi:
		c.Hi, c.HiSeen = at, map[string]string{id: version}
	case at == c.Hi:
		if c.HiSeen == nil {
			c.HiSeen = map[string]string{}
		}
		c.HiSeen[id] = version
	}
}

// finish closes a window: the next starts at its newest date.
func (c *changeCursor) finish() {
	switch {
	case c.Hi == "":
	case c.Hi == c.At:
		if c.Seen == nil {
			c.Seen = map[string]string{}
		}
		for id, v := range c.HiSeen {
			c.Seen[id] = v
		}
	default:
		c.At, c.Seen = c.Hi, c.HiSeen
	}
	c.Page, c.Hi, c.HiSeen = 0, "", nil
}

func contentHash(raw []byte) string {
	h := fnv.New64a()
	h.Write(raw)
	return strconv.FormatUint(h.Sum64(), 36)
}

// checkpoint starts the feed at the API's current second, in the account's time zone, read from the
// Date header of a minimal query.
func (k *kind) checkpoint(ctx context.Context, s *providers.Session) (string, error) {
	loc := location(s)
	p := url.Values{k.idParam: {"0"}}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPost, Path: k.path, Body: []byte(p.Encode()),
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
	if err != nil {
		return "", err
	}
	var env envelope
	if err := resp.DecodeJSON(&env); err != nil {
		return "", err
	}
	if env.Result == "ERROR" {
		var msg string
		_ = json.Unmarshal(env.Message, &msg)
		if e := classifyMessage(resp.Status, msg); e.Kind != providers.ErrNotFound {
			return "", e
		}
	}
	c := &changeCursor{At: answeredAt(resp, loc).Format(dateLayout)}
	return c.String(), nil
}

// changes reads the window dateUpdated >= At, a bounded number of pages per call.
func (k *kind) changes(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	loc := location(s)
	from, _ := time.Parse(dateLayout, c.At)
	size := pageSize(s)
	var recs []providers.Record
	page := max(c.Page, 1)
	for range maxPagesPerPoll {
		p := url.Values{"dateRangeType": {"dateUpdated"}, "resultsPerPage": {strconv.Itoa(size)}, "page": {strconv.Itoa(page)},
			"startDate": {from.Format("01/02/2006")}, "startTime": {from.Format("15:04:05")}, "endDate": {"12/31/2099"}, "endTime": {"23:59:59"}}
		l, err := query(ctx, s, k.path, p)
		if err != nil {
			return nil, err
		}
		for _, raw := range l.Data {
			h, err := k.decodeHead(raw, loc)
			if err != nil {
				return nil, err
			}
			version := contentHash(raw)
			if h.updated < c.At || (h.updated == c.At && c.Seen[h.id] == version) {
				continue
			}
			c.note(h.updated, h.id, version)
			recs = append(recs, providers.Record{ID: h.id, UpdatedAt: h.at, Data: raw})
		}
		if len(l.Data) < size || int64(page*size) >= l.TotalResults {
			c.finish()
			return &providers.Changes{Records: recs, NextCursor: c.String()}, nil
		}
		page++
	}
	c.Page = page
	return &providers.Changes{Records: recs, NextCursor: c.String(), More: true}, nil
}
