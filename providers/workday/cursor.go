package workday

import (
	"encoding/json"
	"fmt"
	"time"
)

// pageCursor is where an offset listing resumes. Offsets shift when objects are deleted while a
// listing runs, so each page starts a few objects early and skips the ids the previous page ended
// with: a delete before the cursor then costs no skipped object (up to len(Tail) deletes per page).
type pageCursor struct {
	// Offset is the number of objects listed so far.
	Offset int `json:"o"`
	// Tail holds the ids the previous page ended with.
	Tail []string `json:"k,omitempty"`
}

// maxTail bounds the ids a page cursor remembers.
const maxTail = 10

// parsePageCursor reads a backfill cursor; "" is the first page.
func parsePageCursor(s string) (pageCursor, error) {
	var c pageCursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return pageCursor{}, fmt.Errorf("workday: page cursor %q: %w", clip(s), err)
	}
	if c.Offset < 0 || len(c.Tail) > maxTail || len(c.Tail) > c.Offset {
		return pageCursor{}, fmt.Errorf("workday: page cursor %q is out of range", clip(s))
	}
	return c, nil
}

// String renders the cursor.
func (c pageCursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// The change cursor's modes.
const (
	// modeReport follows the sync's change report.
	modeReport = "report"
	// modeRelist lists the whole collection again, page by page, when no report is named.
	modeRelist = "relist"
)

// changeCursor is where a change feed resumes. A report is asked for changes from a little before the
// last one reported (reportOverlap), since an object's last-updated moment can become visible after
// later ones; the cursor remembers what it reported in that window, by id and moment, and skips it.
type changeCursor struct {
	Mode string `json:"m"`
	// Floor (Unix ms) is the checkpoint: the feed never reaches back before it.
	Floor int64 `json:"f"`
	// At (Unix ms) is the last reported moment in report mode, the start of the listing in relist mode.
	At int64 `json:"t"`
	// Seen maps ids reported within the overlap window to the moment (Unix ms) reported.
	Seen map[string]int64 `json:"s,omitempty"`
	// Page is the position of a listing in relist mode.
	Page *pageCursor `json:"p,omitempty"`
}

// reportOverlap is how far before the last reported change a report is asked again.
const reportOverlap = 5 * time.Minute

// maxSeen bounds the ids a change cursor remembers; past it the oldest are forgotten and the window
// shrinks, which costs overlap rather than correctness of what was already reported.
const maxSeen = 10000

// parseChangeCursor reads a change cursor.
func parseChangeCursor(s string) (*changeCursor, error) {
	var c changeCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("workday: change cursor %q: %w", clip(s), err)
	}
	switch {
	case c.Mode != modeReport && c.Mode != modeRelist:
		return nil, fmt.Errorf("workday: change cursor %q has no mode", clip(s))
	case c.Floor <= 0 || c.At < c.Floor:
		return nil, fmt.Errorf("workday: change cursor %q is out of range", clip(s))
	case len(c.Seen) > maxSeen:
		return nil, fmt.Errorf("workday: change cursor remembers %d objects, more than %d", len(c.Seen), maxSeen)
	}
	if c.Page != nil {
		if _, err := parsePageCursor(c.Page.String()); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// String renders the cursor.
func (c *changeCursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// from is the first moment (Unix ms) the report is asked for.
func (c *changeCursor) from() int64 {
	return max(c.Floor, c.At-reportOverlap.Milliseconds())
}

// seen reports whether id was already reported at moment.
func (c *changeCursor) seen(id string, moment int64) bool {
	m, ok := c.Seen[id]
	return ok && m == moment
}

// advance records a reported change and forgets what fell out of the window.
func (c *changeCursor) advance(id string, moment int64) {
	if c.Seen == nil {
		c.Seen = map[string]int64{}
	}
	c.Seen[id] = moment
	c.At = max(c.At, moment)
	c.prune()
}

// prune drops remembered changes before the window, and the oldest ones past maxSeen (raising the
// floor above them, so the report is not asked for them again).
func (c *changeCursor) prune() {
	from := c.from()
	for id, m := range c.Seen {
		if m < from {
			delete(c.Seen, id)
		}
	}
	for len(c.Seen) > maxSeen {
		oldest := int64(-1)
		for _, m := range c.Seen {
			if oldest < 0 || m < oldest {
				oldest = m
			}
		}
		for id, m := range c.Seen {
			if m == oldest {
				delete(c.Seen, id)
			}
		}
		c.Floor = max(c.Floor, oldest+1)
		c.At = max(c.At, c.Floor)
	}
}
