package shopify

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// Cursors are opaque to the engine. Both kinds are a version prefix and base64url of JSON:
//
//	b1.<json>  a backfill position: the page_info of the next page (and, for inventory levels, the
//	           location the page belongs to)
//	c1.<json>  a change position: per feed (updates; deletes where Shopify has them) a window
const (
	backfillPrefix = "b1."
	changePrefix   = "c1."
	// maxCursor bounds an accepted cursor.
	maxCursor = 32 << 10
	// maxSeen bounds the versions a window remembers; beyond it, older ones may be reported again,
	// which the engine ignores since their content did not change.
	maxSeen = 512
	// seenEntry is the size of one remembered version: its age in seconds and a 64-bit hash.
	seenEntry = 12
	// maxTime bounds timestamps (the year 9999).
	maxTime = 253402300799
)

// errCursor marks an unreadable cursor.
var errCursor = errors.New("shopify: invalid cursor")

// backfillCursor is a position in a backfill.
type backfillCursor struct {
	// PageInfo names the next page.
	PageInfo string `json:"p,omitempty"`
	// Location is, for inventory levels, the first location of the group of locations being listed.
	Location int64 `json:"l,omitempty"`
}

// changeCursor is a position in a collection's change feeds.
type changeCursor struct {
	Updates window  `json:"u"`
	Deletes *window `json:"d,omitempty"`
}

// window follows one feed: objects (or events) with a timestamp at or after a bound. Each pass lists
// everything from Since minus the overlap, so a change stamped a little before one already seen (a
// late commit) is still found; versions already reported are remembered by hash and skipped.
type window struct {
	// Since is the newest timestamp seen (unix seconds), or the checkpoint's time.
	Since int64 `json:"t"`
	// Pass is the lower bound of the pass in progress.
	Pass int64 `json:"m,omitempty"`
	// PageInfo names the next page of the pass in progress.
	PageInfo string `json:"p,omitempty"`
	// Location is, for inventory levels, the first location of the group being listed.
	Location int64 `json:"l,omitempty"`
	// Seen packs the versions reported within the overlap: per entry, 4 bytes of age before Since
	// and 8 bytes of hash.
	Seen string `json:"s,omitempty"`

	seen []seenVersion
}

// seenVersion is a reported version: when it was stamped and a hash of its id and content.
type seenVersion struct {
	at   int64
	hash uint64
}

// inPass reports whether a pass is under way.
func (w *window) inPass() bool { return w.PageInfo != "" || w.Location != 0 }

// has reports whether a version was reported already.
func (w *window) has(h uint64) bool {
	return slices.ContainsFunc(w.seen, func(v seenVersion) bool { return v.hash == h })
}

// remember records a reported version.
func (w *window) remember(at int64, h uint64) {
	w.seen = append(w.seen, seenVersion{at: at, hash: h})
}

// prune forgets versions stamped before the overlap and keeps the newest maxSeen.
func (w *window) prune(overlap int64) {
	cut := w.Since - overlap
	w.seen = slices.DeleteFunc(w.seen, func(v seenVersion) bool { return v.at < cut })
	if len(w.seen) > maxSeen {
		slices.SortStableFunc(w.seen, func(a, b seenVersion) int { return int(b.at - a.at) })
		w.seen = w.seen[:maxSeen]
	}
}

// pack encodes seen into Seen.
func (w *window) pack() {
	if len(w.seen) == 0 {
		w.Seen = ""
		return
	}
	b := make([]byte, 0, len(w.seen)*seenEntry)
	for _, v := range w.seen {
		age := min(max(w.Since-v.at, 0), 1<<32-1)
		b = binary.BigEndian.AppendUint32(b, uint32(age))
		b = binary.BigEndian.AppendUint64(b, v.hash)
	}
	w.Seen = base64.RawURLEncoding.EncodeToString(b)
}

// unpack decodes Seen.
func (w *window) unpack() error {
	w.seen = nil
	if w.Seen == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(w.Seen)
	if err != nil || len(b)%seenEntry != 0 || len(b)/seenEntry > maxSeen {
		return errors.New("bad seen versions")
	}
	for i := 0; i < len(b); i += seenEntry {
		age := int64(binary.BigEndian.Uint32(b[i:]))
		w.seen = append(w.seen, seenVersion{at: w.Since - age, hash: binary.BigEndian.Uint64(b[i+4:])})
	}
	return nil
}

// valid checks a decoded window.
func (w *window) valid() error {
	switch {
	case w.Since < 0 || w.Since > maxTime:
		return errors.New("time out of range")
	case w.Pass < 0 || w.Pass > maxTime:
		return errors.New("pass bound out of range")
	case w.PageInfo != "" && !validPageInfo(w.PageInfo):
		return errors.New("bad page_info")
	case w.Location < 0:
		return errors.New("bad location")
	}
	return w.unpack()
}

// versionHash identifies a version of an object: its id and its content.
func versionHash(id string, content []byte) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write(content)
	return h.Sum64()
}

// String encodes the cursor.
func (c *changeCursor) String() string {
	c.Updates.pack()
	if c.Deletes != nil {
		c.Deletes.pack()
	}
	return changePrefix + encodeJSON(c)
}

// String encodes the cursor; the empty cursor is "".
func (c backfillCursor) String() string {
	if c == (backfillCursor{}) {
		return ""
	}
	return backfillPrefix + encodeJSON(c)
}

func encodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("shopify: encoding a cursor: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeJSON decodes base64url JSON strictly into v.
func decodeJSON(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return errors.New("not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New("not a cursor document")
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// parseChangeCursor decodes a cursor written by changeCursor.String; deletes says whether the
// collection has a delete feed.
func parseChangeCursor(s string, deletes bool) (*changeCursor, error) {
	body, ok := strings.CutPrefix(s, changePrefix)
	if !ok || len(s) > maxCursor {
		return nil, fmt.Errorf("%w %q: want a c1. change cursor", errCursor, clip(s))
	}
	var c changeCursor
	if err := decodeJSON(body, &c); err != nil {
		return nil, fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	if err := c.Updates.valid(); err != nil {
		return nil, fmt.Errorf("%w %q: updates: %v", errCursor, clip(s), err)
	}
	if c.Deletes != nil {
		if err := c.Deletes.valid(); err != nil {
			return nil, fmt.Errorf("%w %q: deletes: %v", errCursor, clip(s), err)
		}
	}
	if deletes && c.Deletes == nil {
		c.Deletes = &window{Since: c.Updates.Since}
	}
	if !deletes {
		c.Deletes = nil
	}
	return &c, nil
}

// parseBackfillCursor decodes a cursor written by backfillCursor.String ("" is the start).
func parseBackfillCursor(s string) (backfillCursor, error) {
	var c backfillCursor
	if s == "" {
		return c, nil
	}
	body, ok := strings.CutPrefix(s, backfillPrefix)
	if !ok || len(s) > maxCursor {
		return c, fmt.Errorf("%w %q: want a b1. backfill cursor", errCursor, clip(s))
	}
	if err := decodeJSON(body, &c); err != nil {
		return c, fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	if (c.PageInfo != "" && !validPageInfo(c.PageInfo)) || c.Location < 0 || c == (backfillCursor{}) {
		return c, fmt.Errorf("%w %q: bad position", errCursor, clip(s))
	}
	return c, nil
}

// cursorError turns a cursor error into an invalid-request error.
func cursorError(err error) error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
}
