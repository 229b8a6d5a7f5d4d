package sendgrid

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// suppressionLimit is the largest page of the suppression endpoints.
const suppressionLimit = 500

// unsubscribeCursor resumes the creation-time feed: T is the earliest created (unix seconds) still
// to ask for, inclusive, so entries of the same second are reported again (unchanged); Off pages
// within one query when more than maxPages pages wait.
type unsubscribeCursor struct {
	T   int64 `json:"t"`
	Off int   `json:"off,omitempty"`
}

func unsubscribeCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":global_unsubscribe", Name: "global_unsubscribe",
		Description: "Global unsubscribes (suppressions), keyed by email; they have no update, and a removal is found by sweep.",
		Fields:      []providers.Field{{Name: "email", Type: "text"}, {Name: "created", Type: "timestamptz", Format: "unix"}},
		Deletes:     providers.DeletesBySweep,
		Backfill: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
			off := 0
			if cursor != "" {
				n, err := strconv.Atoi(cursor)
				if err != nil || n < 0 {
					return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid unsubscribe cursor %q", clip(cursor))}
				}
				off = n
			}
			recs, err := unsubscribes(ctx, s, url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(off)}})
			if err != nil {
				return nil, err
			}
			return &providers.Page{Records: recs, NextCursor: strconv.Itoa(off + len(recs)), Done: len(recs) < pageSize, Total: -1}, nil
		},
		Checkpoint: func(context.Context, *providers.Session) (string, error) {
			b, _ := json.Marshal(unsubscribeCursor{T: time.Now().Unix()})
			return string(b), nil
		},
		Changes: unsubscribeChanges,
	}
}

// unsubscribeChanges lists unsubscribes created at or after the cursor (start_time), newest first,
// paging by offset.
func unsubscribeChanges(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
	var c unsubscribeCursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.T <= 0 {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid unsubscribe change cursor %q", clip(cursor))}
	}
	const maxPages = 10
	out := &providers.Changes{}
	newest := c.T
	off := c.Off
	for page := 0; ; page++ {
		recs, err := unsubscribes(ctx, s, url.Values{"start_time": {strconv.FormatInt(c.T, 10)}, "limit": {strconv.Itoa(suppressionLimit)}, "offset": {strconv.Itoa(off)}})
		if err != nil {
			return nil, err
		}
		out.Records = append(out.Records, recs...)
		for _, r := range recs {
			newest = max(newest, r.UpdatedAt.Unix())
		}
		off += len(recs)
		if len(recs) < suppressionLimit {
			break
		}
		if page+1 == maxPages {
			out.More = true
			b, _ := json.Marshal(unsubscribeCursor{T: c.T, Off: off})
			out.NextCursor = string(b)
			return out, nil
		}
	}
	// Oldest first, as the engine expects.
	for i, j := 0, len(out.Records)-1; i < j; i, j = i+1, j-1 {
		out.Records[i], out.Records[j] = out.Records[j], out.Records[i]
	}
	b, _ := json.Marshal(unsubscribeCursor{T: newest})
	out.NextCursor = string(b)
	return out, nil
}

// unsubscribes reads one page of GET /v3/suppression/unsubscribes.
func unsubscribes(ctx context.Context, s *providers.Session, q url.Values) ([]providers.Record, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: "GET", Path: "/v3/suppression/unsubscribes", Query: q})
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := resp.DecodeJSON(&items); err != nil {
		return nil, err
	}
	out := make([]providers.Record, 0, len(items))
	for _, raw := range items {
		var u struct {
			Email   string `json:"email"`
			Created int64  `json:"created"`
		}
		if err := json.Unmarshal(raw, &u); err != nil || u.Email == "" {
			return nil, providers.Malformed(err, "an unsubscribe without email: %s", clip(string(raw)))
		}
		out = append(out, providers.Record{ID: u.Email, UpdatedAt: time.Unix(u.Created, 0).UTC(), Data: raw})
	}
	return out, nil
}
