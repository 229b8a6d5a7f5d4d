package stripe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cursor is a position in a collection's change feed. It is kept by the engine as an opaque string:
//
//	evt:<event id>   the newest event already reported; changes are the events after it
//	created:<unix>   no event reported yet; changes are events (or objects) created at or after this second
type cursor struct {
	// EventID is set for event cursors.
	EventID string
	// Created is set (as a unix time in seconds) for created-time cursors.
	Created int64
}

const (
	eventPrefix   = "evt:"
	createdPrefix = "created:"
	// maxCursorID bounds an event id; Stripe's are about 30 characters.
	maxCursorID = 255
)

// errCursor marks an unreadable cursor.
var errCursor = errors.New("stripe: invalid change cursor")

// String encodes the cursor.
func (c cursor) String() string {
	if c.EventID != "" {
		return eventPrefix + c.EventID
	}
	return createdPrefix + strconv.FormatInt(c.Created, 10)
}

// Time returns a created-time cursor's time.
func (c cursor) Time() time.Time { return time.Unix(c.Created, 0).UTC() }

func eventCursor(id string) cursor { return cursor{EventID: id} }
func createdCursor(t int64) cursor { return cursor{Created: t} }
func isIDChar(r rune) bool         { return r == '_' || r == '-' || isAlnum(r) }
func isAlnum(r rune) bool {
	return r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}
func validID(id string) bool {
	return id != "" && len(id) <= maxCursorID && strings.IndexFunc(id, notIDChar) < 0
}
func notIDChar(r rune) bool { return !isIDChar(r) }

// parseCursor decodes a cursor written by String, rejecting anything else with an error wrapping
// errCursor.
func parseCursor(s string) (cursor, error) {
	switch {
	case strings.HasPrefix(s, eventPrefix):
		id := s[len(eventPrefix):]
		if !validID(id) {
			return cursor{}, fmt.Errorf("%w %q: event id must be 1-%d letters, digits, '_' or '-'", errCursor, clip(s), maxCursorID)
		}
		return eventCursor(id), nil
	case strings.HasPrefix(s, createdPrefix):
		v := s[len(createdPrefix):]
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10) != v {
			return cursor{}, fmt.Errorf("%w %q: want created:<unix seconds>", errCursor, clip(s))
		}
		if n > 253402300799 { // after year 9999

			return cursor{}, fmt.Errorf("%w %q: time out of range", errCursor, clip(s))
		}
		return createdCursor(n), nil
	}
	return cursor{}, fmt.Errorf("%w %q: want evt:<id> or created:<unix seconds>", errCursor, clip(s))
}

// clip shortens a bad cursor for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
