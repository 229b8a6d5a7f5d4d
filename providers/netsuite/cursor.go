package netsuite

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"
)

// changeCursor is where a change feed resumes. lastModifiedDate has one-second resolution, so each
// feed keeps its watermark second and what it already reported within that second: queries ask for
// ">= watermark" and skip those. NetSuite records carry no version number, so an update is known by
// a hash of the row: a record changed twice within one second differs in content and is reported
// again.
type changeCursor struct {
	// Updates follows the records' lastmodifieddate.
	Updates watermark `json:"u"`
	// Deletes follows DeletedRecord's deleteddate.
	Deletes watermark `json:"d"`
}

// watermark is one feed's position.
type watermark struct {
	// At is the second of the last reported change, as SuiteQL renders it (timeLayout).
	At string `json:"t"`
	// Seen maps the ids reported at At to the hash of the reported row.
	Seen map[string]string `json:"seen,omitempty"`
}

// maxSeen bounds the ids a cursor remembers within one second.
const maxSeen = 20000

// parseCursor reads a change cursor.
func parseCursor(s string) (*changeCursor, error) {
	var c changeCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("netsuite: change cursor %q: %w", clip(s), err)
	}
	for _, w := range []watermark{c.Updates, c.Deletes} {
		if _, err := time.Parse(timeLayout, w.At); err != nil {
			return nil, fmt.Errorf("netsuite: change cursor %q: %w", clip(s), err)
		}
		if len(w.Seen) > maxSeen {
			return nil, fmt.Errorf("netsuite: change cursor remembers %d records, more than %d", len(w.Seen), maxSeen)
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
func (w *watermark) seen(at, id, version string) bool {
	v, ok := w.Seen[id]
	return at == w.At && ok && v == version
}

// advance records a reported change; rows come in date order, so at never precedes w.At.
func (w *watermark) advance(at, id, version string) {
	if at != w.At || w.Seen == nil {
		if at != w.At {
			w.Seen = nil
		}
		w.At = at
		if w.Seen == nil {
			w.Seen = map[string]string{}
		}
	}
	w.Seen[id] = version
}

// contentHash is the version of a row without a version number.
func contentHash(raw []byte) string {
	h := fnv.New64a()
	h.Write(raw)
	return strconv.FormatUint(h.Sum64(), 36)
}
