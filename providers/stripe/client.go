package stripe

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/sequinsync/sequin/providers"
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
	var l list
	if err := resp.DecodeJSON(&l); err != nil {
		return nil, nil, at, err
	}
	if l.Data == nil && l.Object != "list" {
		return nil, nil, at, providers.Malformed(nil, "GET %s: answer is not a list (HTTP %d, %d bytes)", path, resp.Status, len(resp.Body))
	}
	heads := make([]head, len(l.Data))
	for i, raw := range l.Data {
		if err := json.Unmarshal(raw, &heads[i]); err != nil {
			return nil, nil, at, providers.Malformed(err, "GET %s: object %d of the list: %v", path, i, err)
		}
		if heads[i].ID == "" {
			return nil, nil, at, providers.Malformed(nil, "GET %s: object %d of the list has no id", path, i)
		}
	}
	if l.HasMore && len(l.Data) == 0 {
		return nil, nil, at, providers.Malformed(nil, "GET %s: empty page claims has_more", path)
	}
	return &l, heads, at, nil
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
