package airtable

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// Cursors are kept by the engine as opaque strings: "at1." and the base64url encoding of a JSON
// object whose "t" says what it is. The prefix carries the format's version.
const cursorPrefix = "at1."

// maxCursor bounds a cursor's length; a change cursor remembers recently reported records.
const maxCursor = 1 << 20

// maxOffset bounds an Airtable offset kept in a cursor.
const maxOffset = 512

// errCursor marks an unreadable cursor.
var errCursor = errors.New("airtable: invalid cursor")

// backfillCursor is a position in a backfill: Airtable's offset of the next page, or the index of
// the next item of an answer that is not paged (the tables of a base).
type backfillCursor struct {
	T      string `json:"t"` // "b"
	Offset string `json:"o,omitempty"`
	Index  int    `json:"i,omitempty"`
}

// changeCursor is a position in a table's change feed.
type changeCursor struct {
	T string `json:"t"` // "c"
	// Since is the watermark (unix milliseconds): records modified after it are listed.
	Since int64 `json:"s"`
	// Poll is the start of the listing in progress, by Airtable's clock (unix ms); 0 between polls.
	Poll int64 `json:"p,omitempty"`
	// Query is the watermark the listing in progress filters on; its offset is only valid with it.
	Query int64 `json:"q,omitempty"`
	// Offset is Airtable's offset of the listing in progress.
	Offset string `json:"o,omitempty"`
	// Seen holds [time seen (unix ms), content hash] of records reported within the overlap, by id,
	// so that listing them again does not report them again unchanged.
	Seen map[string][2]int64 `json:"h,omitempty"`
	// Payload is the webhook payload cursor deletes are read from (0: no webhook).
	Payload int64 `json:"w,omitempty"`
}

// maxSeen bounds the records a change cursor remembers; beyond it the oldest are forgotten (and may
// be reported again, which the engine ignores as unchanged).
const maxSeen = 2000

// maxTime is the end of year 9999 in unix milliseconds; cursor times beyond it are garbage.
const maxTime = 253402300799999

func encodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("airtable: encoding cursor: %v", err))
	}
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor written by encodeCursor into v, strictly.
func decodeCursor(s, typ string, v any) error {
	if len(s) > maxCursor {
		return fmt.Errorf("%w: %d bytes long", errCursor, len(s))
	}
	if !strings.HasPrefix(s, cursorPrefix) {
		return fmt.Errorf("%w %q: want %s<base64url JSON>", errCursor, clip(s), cursorPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):])
	if err != nil {
		return fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	var head struct {
		T string `json:"t"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	if head.T != typ {
		return fmt.Errorf("%w %q: a %q cursor where a %q one was expected", errCursor, clip(s), head.T, typ)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w %q: %v", errCursor, clip(s), err)
	}
	if dec.More() {
		return fmt.Errorf("%w %q: trailing data", errCursor, clip(s))
	}
	return nil
}

func (c backfillCursor) String() string {
	c.T = "b"
	return encodeCursor(c)
}

// parseBackfillCursor decodes a backfill cursor; "" is the start.
func parseBackfillCursor(s string) (backfillCursor, error) {
	var c backfillCursor
	if s == "" {
		return c, nil
	}
	if err := decodeCursor(s, "b", &c); err != nil {
		return backfillCursor{}, err
	}
	if len(c.Offset) > maxOffset || c.Index < 0 || c.Index > 1_000_000 {
		return backfillCursor{}, fmt.Errorf("%w: offset or index out of range", errCursor)
	}
	return c, nil
}

func (c *changeCursor) String() string {
	c.T = "c"
	return encodeCursor(c)
}

// parseChangeCursor decodes a change cursor.
func parseChangeCursor(s string) (*changeCursor, error) {
	c := &changeCursor{}
	if err := decodeCursor(s, "c", c); err != nil {
		return nil, err
	}
	for _, t := range []int64{c.Since, c.Poll, c.Query} {
		if t < 0 || t > maxTime {
			return nil, fmt.Errorf("%w: time %d out of range", errCursor, t)
		}
	}
	if len(c.Offset) > maxOffset || c.Payload < 0 || len(c.Seen) > maxSeen {
		return nil, fmt.Errorf("%w: offset, payload cursor or seen records out of range", errCursor)
	}
	if c.Offset != "" && c.Poll == 0 {
		return nil, fmt.Errorf("%w: an offset without its listing", errCursor)
	}
	for id, v := range c.Seen {
		if !validRecordID(id) || v[0] < 0 || v[0] > maxTime {
			return nil, fmt.Errorf("%w: seen record %q", errCursor, clip(id))
		}
	}
	return c, nil
}

// cursorError turns a cursor error into an invalid-request error.
func cursorError(err error) error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
}

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
