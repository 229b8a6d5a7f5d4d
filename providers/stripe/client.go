package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/jsonscan"
)

// pageSize is the number of objects asked for per list request, Stripe's maximum.
const pageSize = 100

// list is one page of a Stripe list endpoint.
type list struct {
	Object  string            `json:"object"`
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
}

// head holds the fields read from any Stripe object.
type head struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Deleted bool   `json:"deleted"`
	Updated int64  `json:"updated"`
}

// listPage fetches one page of a list endpoint and decodes each object's head. The returned time is
// when Stripe answered (see fetchedAt).
func listPage(ctx context.Context, s *providers.Session, path string, q url.Values) (*list, []head, time.Time, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	at := fetchedAt(resp)
	l, heads, err := decodeList(resp.Body)
	if err != nil {
		return nil, nil, at, providers.Malformed(err, "GET %s: %v (HTTP %d, %d bytes)", path, err, resp.Status, len(resp.Body))
	}
	if l.Data == nil && l.Object != "list" {
		return nil, nil, at, providers.Malformed(nil, "GET %s: answer is not a list (HTTP %d, %d bytes)", path, resp.Status, len(resp.Body))
	}
	if l.HasMore && len(l.Data) == 0 {
		return nil, nil, at, providers.Malformed(nil, "GET %s: empty page claims has_more", path)
	}
	return l, heads, at, nil
}

// decodeList reads a list page: validated once, then split into its objects, of which only the
// head fields are read (the objects are kept as they came).
func decodeList(body []byte) (*list, []head, error) {
	if !jsonscan.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return nil, nil, fmt.Errorf("decoding the list: %w", err)
	}
	var l list
	var heads []head
	err := jsonscan.MemberBytes(body, func(key, v []byte) error {
		var err error
		switch fold(key, "object", "has_more", "data") {
		case "object":
			l.Object, err = jsonscan.String(v)
		case "has_more":
			l.HasMore, err = jsonscan.Bool(v)
		case "data":
			if string(v) == "null" {
				l.Data, heads = nil, nil
				return nil
			}
			l.Data, heads = []json.RawMessage{}, []head{}
			// One walk over the objects reads their heads and where each ends.
			var h head
			err = jsonscan.ObjectElements(v, func(key, v []byte) error {
				if err := h.member(key, v); err != nil {
					return fmt.Errorf("object %d of the list: %w", len(heads), err)
				}
				return nil
			}, func(obj []byte) error {
				if h.ID == "" {
					return fmt.Errorf("object %d of the list has no id", len(heads))
				}
				l.Data, heads = append(l.Data, json.RawMessage(obj)), append(heads, h)
				h = head{}
				return nil
			})
			if errors.Is(err, jsonscan.ErrNotObject) {
				err = fmt.Errorf("object %d of the list: %w", len(heads), err)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &l, heads, nil
}

// decodeHead reads the head fields of one object.
func decodeHead(obj []byte) (head, error) {
	var h head
	err := jsonscan.MemberBytes(obj, h.member)
	return h, err
}

// member reads one member of an object into h when it is a head field.
func (h *head) member(key, v []byte) error {
	var err error
	switch fold(key, "id", "object", "created", "updated", "deleted") {
	case "id":
		h.ID, err = jsonscan.String(v)
	case "object":
		h.Object, err = jsonscan.String(v)
	case "created":
		h.Created, err = jsonscan.Int(v)
	case "updated":
		h.Updated, err = jsonscan.Int(v)
	case "deleted":
		h.Deleted, err = jsonscan.Bool(v)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// fold returns the name of names that key matches as encoding/json matches field names (exactly, else
// without regard to case), or "".
func fold(key []byte, names ...string) string {
	for _, n := range names {
		if string(key) == n {
			return n
		}
	}
	// Most keys are none of names: an ASCII key (every name is) can only match a name of its length.
	ascii := true
	for _, c := range key {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	for _, n := range names {
		if ascii {
			if len(key) == len(n) && asciiEqualFold(key, n) {
				return n
			}
		} else if strings.EqualFold(string(key), n) {
			return n
		}
	}
	return ""
}

// asciiEqualFold reports whether the ASCII key and name of the same length differ only in case.
func asciiEqualFold(key []byte, name string) bool {
	for i, c := range key {
		if c == name[i] {
			continue
		}
		// Differing bytes match only as the two cases of one letter.
		if lower := c | 0x20; lower != name[i]|0x20 || lower < 'a' || lower > 'z' {
			return false
		}
	}
	return true
}

// getObject fetches one object. A deleted object (Stripe keeps deleted customers retrievable as
// {"id": ..., "deleted": true}) is reported as not found.
func getObject(ctx context.Context, s *providers.Session, path, id string) (json.RawMessage, head, time.Time, error) {
	if id == "" {
		return nil, head{}, time.Time{}, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "an object id is required"}
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: path + "/" + url.PathEscape(id)})
	if err != nil {
		return nil, head{}, time.Time{}, err
	}
	raw, h, err := decodeObject(resp, "GET "+path)
	if err != nil {
		return nil, head{}, time.Time{}, err
	}
	if h.Deleted {
		return nil, h, time.Time{}, &providers.Error{Kind: providers.ErrNotFound, Status: resp.Status, Code: "deleted",
			Message: "object " + id + " has been deleted"}
	}
	return raw, h, fetchedAt(resp), nil
}

// decodeObject reads a single object answer.
func decodeObject(resp *providers.Response, what string) (json.RawMessage, head, error) {
	var h head
	if err := resp.DecodeJSON(&h); err != nil {
		return nil, head{}, err
	}
	if h.ID == "" {
		return nil, head{}, providers.Malformed(nil, "%s: answer has no id (HTTP %d, %d bytes)", what, resp.Status, len(resp.Body))
	}
	return json.RawMessage(resp.Body), h, nil
}

// fetchedAt is the version time of objects read in resp. Stripe objects carry no "updated" time, so a
// fetched copy is stamped with the time Stripe answered, taken from the Date header: that is Stripe's
// clock, the same one that stamps events' "created", so a change made after the fetch always carries a
// time at or after it, and one made before it (already contained in the fetched copy) carries an
// earlier time. The engine never replaces a record with an older copy, so a replayed event older than
// a fetched page cannot roll it back, and a newer one always applies. Date has second resolution, the
// same as "created". Without a usable Date the local clock is used, a second early to allow for skew.
func fetchedAt(resp *providers.Response) time.Time {
	now := time.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(now).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return now.Add(-time.Second).Truncate(time.Second).UTC()
}

// versionTime returns an object's own update time when it has one (products), otherwise at.
func versionTime(h head, at time.Time) time.Time {
	if h.Updated > 0 {
		return time.Unix(h.Updated, 0).UTC()
	}
	return at
}
