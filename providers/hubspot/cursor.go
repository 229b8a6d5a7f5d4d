package hubspot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Cursors are opaque to the engine; both kinds carry a version prefix so that a format change can
// still read (or clearly refuse) what an older release stored.
//
//	b1.<after>            backfill: the after token of the next list page
//	c1.<JSON>             changes: a changeState
const (
	backfillPrefix = "b1."
	changesPrefix  = "c1."
	// maxAfter bounds an after token; HubSpot's are short numbers or base64 strings.
	maxAfter = 256
	// maxChangeCursor bounds an encoded change cursor (its seen set is capped well below).
	maxChangeCursor = 128 << 10
	// maxTime bounds times in a cursor: the last millisecond of year 9999.
	maxTime = 253402300799999
)

// errCursor marks an unreadable cursor.
var errCursor = errors.New("hubspot: invalid cursor")

// backfillCursor encodes the after token of the next page.
func backfillCursor(after string) string { return backfillPrefix + after }

// validAfter reports whether s can be an after token: 1-256 letters, digits and the characters of
// (URL-safe) base64, '-', '_', '+', '/', '=' and '.'.
func validAfter(s string) bool {
	if s == "" || len(s) > maxAfter {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '+' || c == '/' || c == '=' || c == '.') {
			return false
		}
	}
	return true
}

// parseBackfillCursor returns the after token of a backfill cursor ("" starts from the beginning).
func parseBackfillCursor(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	after, ok := strings.CutPrefix(s, backfillPrefix)
	if !ok || !validAfter(after) {
		return "", fmt.Errorf("%w %q: want %s<after token>", errCursor, clip(s), backfillPrefix)
	}
	return after, nil
}

// changeState is a position in a collection's change feed. Changes alternate between two phases:
//
//   - a search pass: pages of the objects modified at or after a start time, oldest first. A pass
//     starts Overlap before the newest modification already reported (never before Floor), so changes
//     the search index shows late are still found; each page continues from the modification time of
//     the last object read, so no query pages past the search endpoints' 10,000-result window.
//   - an archived scan: every archived object, reporting those archived since the previous scan.
//
// Objects reported within the overlap are remembered in Seen (with their content), so one seen again
// unchanged is not reported twice.
type changeState struct {
	// Floor is the checkpoint time (unix ms): nothing before it is searched.
	Floor int64 `json:"f"`
	// Since is the newest modification time reported (unix ms).
	Since int64 `json:"s"`
	// From is the start of the next page of the search pass in progress; 0 when none is.
	From int64 `json:"k,omitempty"`
	// Skip is the number of objects modified at exactly From already read, when more than a page of
	// them share that millisecond.
	Skip int `json:"o,omitempty"`
	// Scanning is true during an archived scan.
	Scanning bool `json:"a,omitempty"`
	// ScanAfter is the after token of the scan's next page.
	ScanAfter string `json:"p,omitempty"`
	// ScanPages counts the pages of the scan in progress.
	ScanPages int `json:"q,omitempty"`
	// ArchSince is the newest archive time reported (unix ms).
	ArchSince int64 `json:"d"`
	// ArchHigh is the newest archive time seen by the scan in progress.
	ArchHigh int64 `json:"h,omitempty"`
	// LastScanAt and LastScanPages describe the last complete scan (its end on our clock, unix ms),
	// which paces the next one.
	LastScanAt    int64 `json:"t,omitempty"`
	LastScanPages int   `json:"n,omitempty"`
	// Seen are the objects reported within the overlap.
	Seen []seenEntry `json:"r,omitempty"`
}

// seenEntry is an object reported: its id, the time of the reported version (modification or archive
// time, unix ms) and a hash of its content; Deleted marks a reported archive. It is encoded as a
// compact array, ["<id>", <time>, <hash>] or ["<id>", <time>, 0, 1] for a delete, as a cursor holds
// up to maxSeen of them.
type seenEntry struct {
	ID      string
	At      int64
	Hash    uint32
	Deleted bool
}

// MarshalJSON encodes the entry as an array.
func (e seenEntry) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 40)
	b = append(b, '[')
	b = strconv.AppendQuote(b, e.ID)
	b = append(b, ',')
	b = strconv.AppendInt(b, e.At, 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(e.Hash), 10)
	if e.Deleted {
		b = append(b, ",1"...)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON decodes an entry written by MarshalJSON.
func (e *seenEntry) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	if len(parts) != 3 && len(parts) != 4 {
		return errors.New("a seen entry has 3 or 4 elements")
	}
	if err := json.Unmarshal(parts[0], &e.ID); err != nil {
		return err
	}
	if err := json.Unmarshal(parts[1], &e.At); err != nil {
		return err
	}
	if err := json.Unmarshal(parts[2], &e.Hash); err != nil {
		return err
	}
	if len(parts) == 4 {
		if string(parts[3]) != "1" || e.Hash != 0 {
			return errors.New("bad delete mark")
		}
		e.Deleted = true
	}
	return nil
}

// String encodes the state as a cursor.
func (c *changeState) String() string {
	c.trim()
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a changeState always encodes
	}
	return changesPrefix + string(b)
}

// parseChangeCursor decodes a cursor written by String, rejecting anything else with an error
// wrapping errCursor.
func parseChangeCursor(s string) (*changeState, error) {
	raw, ok := strings.CutPrefix(s, changesPrefix)
	if !ok {
		return nil, fmt.Errorf("%w %q: want a %s cursor from Checkpoint or Changes", errCursor, clip(s), changesPrefix)
	}
	if len(raw) > maxChangeCursor {
		return nil, fmt.Errorf("%w: %d bytes is too long", errCursor, len(s))
	}
	d := json.NewDecoder(strings.NewReader(raw))
	d.DisallowUnknownFields()
	var c changeState
	if err := d.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w %q: trailing data", errCursor, clip(s))
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	return &c, nil
}

// validate checks the invariants a state written by this package keeps.
func (c *changeState) validate() error {
	for _, t := range []int64{c.Floor, c.Since, c.From, c.ArchSince, c.ArchHigh, c.LastScanAt} {
		if t < 0 || t > maxTime {
			return errors.New("time out of range")
		}
	}
	switch {
	case c.Floor == 0:
		return errors.New("no checkpoint time")
	case c.Since < c.Floor || c.ArchSince < c.Floor:
		return errors.New("position before the checkpoint")
	case c.From != 0 && c.From < c.Floor:
		return errors.New("search position before the checkpoint")
	case c.Skip < 0 || c.Skip >= searchWindow || (c.Skip > 0 && c.From == 0):
		return errors.New("bad search offset")
	case c.ScanPages < 0 || c.LastScanPages < 0:
		return errors.New("negative page count")
	case !c.Scanning && (c.ScanAfter != "" || c.ScanPages != 0 || c.ArchHigh != 0):
		return errors.New("scan position outside a scan")
	case c.Scanning && c.From != 0:
		return errors.New("scan during a search pass")
	case c.ScanAfter != "" && !validAfter(c.ScanAfter):
		return errors.New("bad scan after token")
	case len(c.Seen) > maxSeen:
		return errors.New("too many seen objects")
	}
	for _, e := range c.Seen {
		if !validObjectID(e.ID) || e.At < 0 || e.At > maxTime {
			return errors.New("bad seen object")
		}
	}
	return nil
}
