package salesforce

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

// Cursors are opaque to the engine: a version prefix and base64url of JSON.
//
//	b1.<json>  a backfill position: the nextRecordsUrl of the next page, and the last Id reported,
//	           to start again from when the query locator has expired
//	c1.<json>  a change position: the newest SystemModstamp seen, the nextRecordsUrl of a pass in
//	           progress, and the versions already reported within the overlap window
const (
	backfillPrefix = "b1."
	changePrefix   = "c1."
	// maxCursor bounds an accepted cursor.
	maxCursor = 64 << 10
	// maxSeen bounds the versions a change cursor remembers; beyond it, older ones may be reported
	// again, which the engine ignores since their content did not change.
	maxSeen = 1024
	// seenEntry is the size of one remembered version: its age in milliseconds and a 64-bit hash.
	seenEntry = 12
	// maxMillis bounds timestamps (the year 9999).
	maxMillis = 253402300799999
)

// errCursor marks an unreadable cursor.
var errCursor = errors.New("salesforce: invalid cursor")

// backfillCursor is a position in a backfill.
type backfillCursor struct {
	Next  string `json:"n,omitempty"`
	After string `json:"a,omitempty"`
}

// String encodes the cursor.
func (c backfillCursor) String() string { return backfillPrefix + encodeJSON(c) }

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
	if (c.Next != "" && !validNextURL(c.Next)) || (c.After != "" && !validID(c.After)) || c == (backfillCursor{}) {
		return c, fmt.Errorf("%w %q: bad position", errCursor, clip(s))
	}
	return c, nil
}

// changeCursor follows an object's changes: records with a stamp at or after Since minus the overlap.
// Each pass lists from there, so a change committed a little after it was stamped is still found;
// versions already reported are remembered by hash and skipped.
type changeCursor struct {
	// Since is the newest stamp seen, or the checkpoint's time (unix milliseconds).
	Since int64 `json:"t"`
	// Next is the nextRecordsUrl of the pass in progress.
	Next string `json:"n,omitempty"`
	// Seen packs the versions reported within the overlap: per entry, 4 bytes of age before Since
	// in milliseconds and 8 bytes of hash.
	Seen string `json:"s,omitempty"`

	seen []seenVersion
}

type seenVersion struct {
	at   int64
	hash uint64
}

func (c *changeCursor) has(h uint64) bool {
	return slices.ContainsFunc(c.seen, func(v seenVersion) bool { return v.hash == h })
}

func (c *changeCursor) remember(at int64, h uint64) { c.seen = append(c.seen, seenVersion{at, h}) }

// prune forgets versions stamped before the overlap and keeps the newest maxSeen.
func (c *changeCursor) prune(overlapMillis int64) {
	cut := c.Since - overlapMillis
	c.seen = slices.DeleteFunc(c.seen, func(v seenVersion) bool { return v.at < cut })
	if len(c.seen) > maxSeen {
		slices.SortStableFunc(c.seen, func(a, b seenVersion) int { return int(b.at - a.at) })
		c.seen = c.seen[:maxSeen]
	}
}

// String encodes the cursor.
func (c *changeCursor) String() string {
	b := make([]byte, 0, len(c.seen)*seenEntry)
	for _, v := range c.seen {
		age := min(max(c.Since-v.at, 0), 1<<32-1)
		b = binary.BigEndian.AppendUint32(b, uint32(age))
		b = binary.BigEndian.AppendUint64(b, v.hash)
	}
	c.Seen = base64.RawURLEncoding.EncodeToString(b)
	return changePrefix + encodeJSON(c)
}

// parseChangeCursor decodes a cursor written by changeCursor.String.
func parseChangeCursor(s string) (*changeCursor, error) {
	body, ok := strings.CutPrefix(s, changePrefix)
	if !ok || len(s) > maxCursor {
		return nil, fmt.Errorf("%w %q: want a c1. change cursor", errCursor, clip(s))
	}
	var c changeCursor
	if err := decodeJSON(body, &c); err != nil {
		return nil, fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	if c.Since < 0 || c.Since > maxMillis || (c.Next != "" && !validNextURL(c.Next)) {
		return nil, fmt.Errorf("%w %q: bad position", errCursor, clip(s))
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Seen)
	if err != nil || len(b)%seenEntry != 0 || len(b)/seenEntry > maxSeen {
		return nil, fmt.Errorf("%w %q: bad seen versions", errCursor, clip(s))
	}
	for i := 0; i < len(b); i += seenEntry {
		age := int64(binary.BigEndian.Uint32(b[i:]))
		c.seen = append(c.seen, seenVersion{at: c.Since - age, hash: binary.BigEndian.Uint64(b[i+4:])})
	}
	return &c, nil
}

// versionHash identifies a version of a record: its id and its content.
func versionHash(id string, content []byte) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write(content)
	return h.Sum64()
}

func encodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("salesforce: encoding a cursor: " + err.Error())
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

// cursorError turns a cursor error into an invalid-request error.
func cursorError(err error) error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
}
