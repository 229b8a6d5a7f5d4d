package linear

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Cursors are opaque to the engine; both kinds carry a version prefix so that a format change can
// still read (or clearly refuse) what an older release stored.
//
//	b1.<endCursor>   backfill: the Relay cursor after which the next page starts
//	c1.<JSON>        changes: a changeState
const (
	backfillPrefix = "b1."
	changesPrefix  = "c1."
	// maxID bounds an entity id or Relay cursor; Linear's are UUIDs.
	maxID = 128
	// maxChangeCursor bounds an encoded change cursor (its seen set is capped well below).
	maxChangeCursor = 64 << 10
	// maxTime bounds times in a cursor: the last millisecond of year 9999.
	maxTime = 253402300799999
	// maxSeen bounds the entities remembered in a cursor; beyond it the oldest are forgotten, and one
	// seen again may be reported again (the engine records no event for unchanged content).
	maxSeen = 500
)

// errCursor marks an unreadable cursor.
var errCursor = errors.New("linear: invalid cursor")

// validCursor reports whether s can be a Relay cursor or an entity id: 1-128 letters, digits, '-',
// '_', '.', ':', '=', '+' or '/'.
func validCursor(s string) bool {
	if s == "" || len(s) > maxID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_.:=+/", c) >= 0) {
			return false
		}
	}
	return true
}

// backfillCursor encodes the cursor of the next page.
func backfillCursor(after string) string { return backfillPrefix + after }

// parseBackfillCursor returns the Relay cursor of a backfill cursor ("" starts from the beginning).
func parseBackfillCursor(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	after, ok := strings.CutPrefix(s, backfillPrefix)
	if !ok || !validCursor(after) {
		return "", fmt.Errorf("%w %q: want %s<cursor>", errCursor, clip(s), backfillPrefix)
	}
	return after, nil
}

// changeState is a position in a collection's change feed. Changes are read in passes: a pass lists,
// page by page, every entity (archived ones included) updated at or after its start, From. Linear
// orders by updatedAt newest first, so a pass only knows it has seen everything when it reaches its
// last page; then Since, the newest update time the pass met, becomes the next pass's start, less
// Overlap (an update stamped before one already read may become visible after it). Entities reported
// within the overlap are remembered in Seen with a hash of their content, so that one seen again
// unchanged is not reported twice.
type changeState struct {
	// Floor is the checkpoint time (unix ms): nothing before it is read.
	Floor int64 `json:"f"`
	// Since is the newest update time reported by a completed pass (unix ms).
	Since int64 `json:"s"`
	// From is the start of the pass in progress (unix ms); 0 when none is.
	From int64 `json:"k,omitempty"`
	// After is the Relay cursor of the pass's next page.
	After string `json:"a,omitempty"`
	// High is the newest update time the pass in progress has met.
	High int64 `json:"h,omitempty"`
	// Seen are the entities reported within the overlap.
	Seen []seenEntry `json:"r,omitempty"`
}

// seenEntry is an entity reported: its id, the update time of the reported version (unix ms) and a
// hash of its content; Deleted marks a reported delete. It is encoded as a compact array,
// ["<id>", <time>, <hash>] or ["<id>", <time>, <hash>, 1] for a delete, as a cursor holds up to
// maxSeen of them.
type seenEntry struct {
	ID      string
	At      int64
	Hash    uint32
	Deleted bool
}

// MarshalJSON encodes the entry as an array.
func (e seenEntry) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64)
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
		if string(parts[3]) != "1" {
			return errors.New("bad delete mark")
		}
		e.Deleted = true
	}
	return nil
}

// String encodes the state as a cursor, forgetting the oldest seen entries beyond maxSeen.
func (c *changeState) String() string {
	if len(c.Seen) > maxSeen {
		slices.SortStableFunc(c.Seen, func(a, b seenEntry) int { return int(min(max(a.At-b.At, -1), 1)) })
		c.Seen = slices.Delete(c.Seen, 0, len(c.Seen)-maxSeen)
	}
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
	for _, t := range []int64{c.Floor, c.Since, c.From, c.High} {
		if t < 0 || t > maxTime {
			return errors.New("time out of range")
		}
	}
	switch {
	case c.Floor == 0:
		return errors.New("no checkpoint time")
	case c.Since < c.Floor:
		return errors.New("position before the checkpoint")
	case c.From != 0 && c.From < c.Floor:
		return errors.New("pass starting before the checkpoint")
	case c.From == 0 && (c.After != "" || c.High != 0):
		return errors.New("pass position outside a pass")
	case c.After != "" && !validCursor(c.After):
		return errors.New("bad pass cursor")
	case len(c.Seen) > maxSeen:
		return errors.New("too many seen entities")
	}
	for _, e := range c.Seen {
		if !validCursor(e.ID) || e.At < 0 || e.At > maxTime {
			return errors.New("bad seen entity")
		}
	}
	return nil
}

// remember records e as reported and reports whether it is new: an entity already reported with the
// same time, content and deletion is not.
func (c *changeState) remember(e seenEntry) bool {
	for i, s := range c.Seen {
		if s.ID != e.ID {
			continue
		}
		if s == e {
			return false
		}
		c.Seen[i] = e
		return true
	}
	c.Seen = append(c.Seen, e)
	return true
}

// prune forgets the entries older than start, which no pass reaches any more.
func (c *changeState) prune(start int64) {
	c.Seen = slices.DeleteFunc(c.Seen, func(e seenEntry) bool { return e.At < start })
}
