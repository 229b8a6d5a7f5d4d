package quickbooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// overlap is how far before the newest change reported each poll asks again: LastUpdatedTime has
	// only seconds, so several changes share a second and one may land after a poll read it.
	overlap = time.Minute
	// maxCDC is how many objects of one entity a CDC answer holds at most.
	maxCDC = 1000
)

// changeCursor is where the change feed resumes: T is the newest LastUpdatedTime reported and Seen
// the versions (id → SyncToken, or "deleted") reported within the overlap window before it, so that
// reading the overlap again reports nothing twice. CDC looks back at most 30 days: a cursor older
// than that is refused by QuickBooks and needs a resync.
type changeCursor struct {
	T    time.Time         `json:"t"`
	Seen map[string]string `json:"seen,omitempty"`
}

// checkpoint starts the change feed now.
func checkpoint(context.Context, *providers.Session) (string, error) {
	b, _ := json.Marshal(changeCursor{T: time.Now().UTC().Truncate(time.Second)})
	return string(b), nil
}

// changes asks Change Data Capture for the entity's objects changed since the cursor (less the
// overlap): GET /cdc?entities=<Entity>&changedSince=<time>.
func (e *entity) changes(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
	var c changeCursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.T.IsZero() {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid %s change cursor %q", e.collectionName(), clip(cursor))}
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: "GET", Path: companyBase(s) + "/cdc", Query: url.Values{
		"entities": {e.name}, "changedSince": {c.T.Add(-overlap).Format(time.RFC3339)}, "minorversion": {MinorVersion}}})
	if err != nil {
		return nil, err
	}
	var body struct {
		CDCResponse []struct {
			QueryResponse []map[string]json.RawMessage `json:"QueryResponse"`
		} `json:"CDCResponse"`
	}
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, err
	}
	if body.CDCResponse == nil {
		return nil, providers.Malformed(nil, "change data capture of %s: the answer has no CDCResponse", e.name)
	}
	var items []json.RawMessage
	for _, cr := range body.CDCResponse {
		for _, qr := range cr.QueryResponse {
			if raw, ok := qr[e.name]; ok {
				var list []json.RawMessage
				if err := json.Unmarshal(raw, &list); err != nil {
					return nil, providers.Malformed(err, "change data capture of %s: %v", e.name, err)
				}
				items = append(items, list...)
			}
		}
	}
	out := &providers.Changes{More: len(items) >= maxCDC}
	newest := c.T
	type version struct {
		id, v string
		at    time.Time
	}
	var versions []version
	for _, raw := range items {
		rec, h, err := e.record(raw)
		if err != nil {
			return nil, err
		}
		v := h.Token
		if rec.Deleted && rec.Data == nil {
			v = "deleted"
		}
		versions = append(versions, version{rec.ID, v, rec.UpdatedAt})
		if c.Seen[rec.ID] == v {
			continue
		}
		out.Records = append(out.Records, rec)
		if rec.UpdatedAt.After(newest) {
			newest = rec.UpdatedAt
		}
	}
	next := changeCursor{T: newest, Seen: map[string]string{}}
	keepFrom := newest.Add(-overlap)
	for _, v := range versions {
		if !v.at.Before(keepFrom) {
			next.Seen[v.id] = v.v
		}
	}
	b, _ := json.Marshal(next)
	out.NextCursor = string(b)
	return out, nil
}
