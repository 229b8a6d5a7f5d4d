package servicenow

import (
	"encoding/json"
	"fmt"
	"time"
)

// changeCursor is where a change feed resumes. Date-times have one-second resolution, so each feed
// keeps its watermark second and what it already reported within that second: queries ask for
// ">= watermark" and skip those. An update within the same second raises sys_mod_count, so a record
// is skipped only at the version already reported.
type changeCursor struct {
	// Updates is the feed of the table's sys_updated_on.
	Updates watermark `json:"u"`
	// Deletes is the feed of sys_audit_delete's sys_created_on for the table.
	Deletes watermark `json:"d"`
}

// watermark is one feed's position.
type watermark struct {
	// At is the second of the last reported change, in ServiceNow's format.
	At string `json:"t"`
	// Seen maps the sys_ids reported at At to their sys_mod_count.
	Seen map[string]string `json:"seen,omitempty"`
}

// maxSeen bounds the ids a cursor remembers within one second; past it the cursor would grow without
// bound, so the feed refuses rather than silently dropping changes.
const maxSeen = 10000

// parseCursor reads a change cursor.
func parseCursor(s string) (*changeCursor, error) {
	var c changeCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("servicenow: change cursor %q: %w", clip(s), err)
	}
	for _, w := range []watermark{c.Updates, c.Deletes} {
		if _, err := time.ParseInLocation(timeLayout, w.At, time.UTC); err != nil {
			return nil, fmt.Errorf("servicenow: change cursor %q: %w", clip(s), err)
		}
		if len(w.Seen) > maxSeen {
			return nil, fmt.Errorf("servicenow: change cursor remembers %d records, more than %d", len(w.Seen), maxSeen)
		}
	}
	return &c, nil
}

// String renders the cursor.
func (c *changeCursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// seen reports whether the record was already reported at this version.
func (w *watermark) seen(at, id, mod string) bool {
	if at != w.At {
		return false
	}
	m, ok := w.Seen[id]
	return ok && m == mod
}

// advance records a reported change.
func (w *watermark) advance(at, id, mod string) {
	if at != w.At {
		w.At, w.Seen = at, map[string]string{}
	}
	if w.Seen == nil {
		w.Seen = map[string]string{}
	}
	w.Seen[id] = mod
}
