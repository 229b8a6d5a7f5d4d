package github

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Cursors are kept by the engine as opaque strings: "gh1." and the base64url encoding of a JSON
// object whose "t" says what it is. The prefix carries the format's version.
const cursorPrefix = "gh1."

// maxCursor bounds a cursor's length; a change cursor holds per-repository marks, so it can be long.
const maxCursor = 4 << 20

// maxYear is the end of year 9999 as a unix time; cursor times beyond it are garbage.
const maxYear = 253402300799

// errCursor marks an unreadable cursor.
var errCursor = errors.New("github: invalid cursor")

// backfillCursor is a position in a backfill: the repository being listed and the page to read next.
type backfillCursor struct {
	T string `json:"t"` // "b"
	// Repo is the repository being listed (lower-case "owner/name"); "" before the first.
	Repo string `json:"r,omitempty"`
	// Next is the path and query of the next page of Repo (or of a listing that spans no repository);
	// "" means Repo's first page.
	Next string `json:"n,omitempty"`
	// Index is the position in an explicit repository list (options.repos).
	Index int `json:"i,omitempty"`
}

// changeCursor is a position in a collection's change feed: a watermark per repository, and where
// the current round over the repositories is.
type changeCursor struct {
	T string `json:"t"` // "c"
	// Since is the watermark (unix seconds) of repositories without a mark: the checkpoint's time.
	Since int64 `json:"s"`
	// Repo is the repository the current round is in (lower-case "owner/name"); "" between rounds.
	Repo string `json:"r,omitempty"`
	// Marks are the repositories' own watermarks, by lower-case "owner/name".
	Marks map[string]*mark `json:"m,omitempty"`
}

// mark is one repository's position in a change feed.
type mark struct {
	// Since is the watermark: objects updated at or after it are listed (unix seconds).
	Since int64 `json:"s"`
	// Query is where the listing in progress resumes by time (0: at Since).
	Query int64 `json:"q,omitempty"`
	// Page is the page of the listing in progress (0: not started).
	Page int `json:"p,omitempty"`
	// Top is the newest update time seen by the listing in progress.
	Top int64 `json:"t,omitempty"`
	// Seen holds [updated, content hash] of objects reported near the watermark, by object key, so
	// that the overlap window does not report them again unchanged.
	Seen map[string][2]int64 `json:"h,omitempty"`
}

// maxSeen bounds the objects a mark remembers; beyond it the oldest are forgotten (and may be
// reported again, which the engine ignores as unchanged).
const maxSeen = 500

// maxPage bounds a page number in a cursor.
const maxPage = 1_000_000

func encodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("github: encoding cursor: %v", err))
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
	if c.Repo != "" && (!validFullName(c.Repo) || c.Repo != strings.ToLower(c.Repo)) {
		return backfillCursor{}, fmt.Errorf("%w: repository %q is not a lower-case owner/name", errCursor, clip(c.Repo))
	}
	if c.Next != "" && !validNext(c.Next) {
		return backfillCursor{}, fmt.Errorf("%w: next page %q is not an API path", errCursor, clip(c.Next))
	}
	if c.Index < 0 || c.Index > maxPage {
		return backfillCursor{}, fmt.Errorf("%w: index %d out of range", errCursor, c.Index)
	}
	return c, nil
}

// validNext reports whether s is a relative API path with a query, as nextLink returns.
func validNext(s string) bool {
	path := stripQuery(s)
	return len(s) <= 4096 && strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "//") &&
		!strings.Contains(path, "..") && !strings.ContainsAny(s, " \t\r\n\\#")
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
	if c.Since < 0 || c.Since > maxYear {
		return nil, fmt.Errorf("%w: time %d out of range", errCursor, c.Since)
	}
	if c.Repo != "" && (!validFullName(c.Repo) || c.Repo != strings.ToLower(c.Repo)) {
		return nil, fmt.Errorf("%w: repository %q is not a lower-case owner/name", errCursor, clip(c.Repo))
	}
	for name, m := range c.Marks {
		if m == nil || !validFullName(name) || name != strings.ToLower(name) {
			return nil, fmt.Errorf("%w: mark of %q", errCursor, clip(name))
		}
		if m.Since < 0 || m.Since > maxYear || m.Query < 0 || m.Query > maxYear || m.Top < 0 || m.Top > maxYear ||
			m.Page < 0 || m.Page > maxPage || len(m.Seen) > maxSeen {
			return nil, fmt.Errorf("%w: mark of %s out of range", errCursor, name)
		}
		for k, v := range m.Seen {
			if k == "" || len(k) > 64 || v[0] < 0 || v[0] > maxYear {
				return nil, fmt.Errorf("%w: seen object %q of %s", errCursor, clip(k), name)
			}
		}
	}
	return c, nil
}

// markOf returns repo's mark, creating it at the cursor's default watermark.
func (c *changeCursor) markOf(repo string) *mark {
	if c.Marks == nil {
		c.Marks = map[string]*mark{}
	}
	m := c.Marks[repo]
	if m == nil {
		m = &mark{Since: c.Since}
		c.Marks[repo] = m
	}
	return m
}

// prune forgets seen objects updated before t, and the oldest beyond maxSeen.
func (m *mark) prune(t int64) {
	for k, v := range m.Seen {
		if v[0] < t {
			delete(m.Seen, k)
		}
	}
	for len(m.Seen) > maxSeen {
		oldest, at := "", int64(maxYear+1)
		for k, v := range m.Seen {
			if v[0] < at || (v[0] == at && k < oldest) {
				oldest, at = k, v[0]
			}
		}
		delete(m.Seen, oldest)
	}
	if len(m.Seen) == 0 {
		m.Seen = nil
	}
}
