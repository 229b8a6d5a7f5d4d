package sendgrid

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// searchLimit is how many contacts one search answers; contact_count says how many matched.
	searchLimit = 50
	// searchOverlap is how far back each poll searches again: contacts reach the search index some
	// time after they are written.
	searchOverlap = 5 * time.Minute
	// minWindow is the narrowest updated_at window the change feed splits down to.
	minWindow = time.Second
)

// contactCursor follows contact updates through search: From is where the next window starts, and
// Seen the versions (id → updated_at) already reported at or after it, so that searching the overlap
// again reports nothing twice.
type contactCursor struct {
	From time.Time         `json:"from"`
	Seen map[string]string `json:"seen,omitempty"`
}

func checkpointContacts(context.Context, *providers.Session) (string, error) {
	b, _ := json.Marshal(contactCursor{From: time.Now().UTC().Truncate(time.Second)})
	return string(b), nil
}

// contactChanges searches contacts updated in [From, now]. Search answers at most 50 contacts, so a
// window holding more is halved until it holds at most 50 (or is a second wide); the next call goes
// on from its end. Once a window reaches now, the next poll starts searchOverlap earlier.
func contactChanges(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
	var c contactCursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.From.IsZero() {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid contact change cursor %q", clip(cursor))}
	}
	now := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	lo, hi := c.From, now
	var found []providers.Record
	for {
		recs, count, err := searchWindow(ctx, s, lo, hi)
		if err != nil {
			return nil, err
		}
		if count <= searchLimit || hi.Sub(lo) <= minWindow {
			found = recs
			break
		}
		hi = lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if !hi.After(lo) {
			hi = lo.Add(minWindow)
		}
	}
	out := &providers.Changes{More: hi.Before(now)}
	next := contactCursor{From: hi, Seen: map[string]string{}}
	if !out.More {
		next.From = hi.Add(-searchOverlap)
	}
	for _, r := range found {
		v := r.UpdatedAt.UTC().Format(time.RFC3339)
		if c.Seen[r.ID] != v {
			out.Records = append(out.Records, r)
		}
	}
	for id, v := range c.Seen {
		if t, err := time.Parse(time.RFC3339, v); err == nil && !t.Before(next.From) {
			next.Seen[id] = v
		}
	}
	for _, r := range found {
		if !r.UpdatedAt.Before(next.From) {
			next.Seen[r.ID] = r.UpdatedAt.UTC().Format(time.RFC3339)
		}
	}
	b, _ := json.Marshal(next)
	out.NextCursor = string(b)
	return out, nil
}

// searchWindow searches contacts with lo <= updated_at < hi.
func searchWindow(ctx context.Context, s *providers.Session, lo, hi time.Time) ([]providers.Record, int64, error) {
	q := fmt.Sprintf("updated_at >= TIMESTAMP '%s' AND updated_at < TIMESTAMP '%s'", lo.UTC().Format(time.RFC3339), hi.UTC().Format(time.RFC3339))
	b, _ := json.Marshal(map[string]string{"query": q})
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPost, Path: "/v3/marketing/contacts/search", Body: b,
		Header: http.Header{"Content-Type": {"application/json"}}})
	if err != nil {
		return nil, 0, err
	}
	var body struct {
		Result       []json.RawMessage `json:"result"`
		ContactCount *int64            `json:"contact_count"`
	}
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, 0, err
	}
	if body.ContactCount == nil {
		return nil, 0, providers.Malformed(nil, "searching contacts: the answer has no contact_count")
	}
	recs := make([]providers.Record, 0, len(body.Result))
	for _, raw := range body.Result {
		rec, err := toRecord(raw, time.Now())
		if err != nil {
			return nil, 0, err
		}
		recs = append(recs, rec)
	}
	return recs, *body.ContactCount, nil
}
