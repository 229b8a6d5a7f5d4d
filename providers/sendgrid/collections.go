package sendgrid

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/jsonscan"
)

// pageSize is the page size asked of page_token-paged endpoints (templates allow at most 200).
const pageSize = 100

func buildCollections() []*providers.Collection {
	return []*providers.Collection{listCollection(), contactCollection(), segmentCollection(), templateCollection(), unsubscribeCollection()}
}

// head is what the provider reads of an object: its id and version time.
type head struct {
	ID        string `json:"id"`
	UpdatedAt string `json:"updated_at"`
}

// toRecord reads an object; objects without updated_at (lists) are versioned by fetch time.
func toRecord(raw json.RawMessage, fetched time.Time) (providers.Record, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return providers.Record{}, providers.Malformed(err, "decoding an object: %v", err)
	}
	if h.ID == "" {
		return providers.Record{}, providers.Malformed(nil, "an object without id: %s", clip(string(raw)))
	}
	at := fetched
	if h.UpdatedAt != "" {
		t, err := parseTime(h.UpdatedAt)
		if err != nil {
			return providers.Record{}, providers.Malformed(err, "object %s: updated_at %q: %v", h.ID, h.UpdatedAt, err)
		}
		at = t
	}
	return providers.Record{ID: h.ID, UpdatedAt: at, Data: raw}, nil
}

// parseTime reads Marketing's ISO times and the templates API's "2006-01-02 15:04:05" (UTC).
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02 15:04:05", v)
}

// getObject reads one object at path.
func getObject(ctx context.Context, s *providers.Session, path string) (*providers.Record, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: "GET", Path: path})
	if err != nil {
		return nil, err
	}
	if !jsonscan.Valid(resp.Body) {
		return nil, providers.Malformed(nil, "%s: the answer is not JSON (%d bytes)", path, len(resp.Body))
	}
	rec, err := toRecord(resp.Body, time.Now())
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// tokenPage lists one page of a page_token-paged endpoint: {"result": [...], "_metadata": {"next": url}};
// the cursor is the page_token of the next URL.
func tokenPage(ctx context.Context, s *providers.Session, path string, q url.Values, cursor string) (*providers.Page, error) {
	q.Set("page_size", strconv.Itoa(pageSize))
	if cursor != "" {
		q.Set("page_token", cursor)
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: "GET", Path: path, Query: q})
	if err != nil {
		return nil, err
	}
	var body struct {
		Result   []json.RawMessage `json:"result"`
		Metadata struct {
			Next  string `json:"next"`
			Count *int64 `json:"count"`
		} `json:"_metadata"`
	}
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, err
	}
	if body.Result == nil {
		return nil, providers.Malformed(nil, "%s: the answer has no result array", path)
	}
	page := &providers.Page{Total: -1, Records: make([]providers.Record, 0, len(body.Result))}
	at := time.Now()
	for _, raw := range body.Result {
		rec, err := toRecord(raw, at)
		if err != nil {
			return nil, err
		}
		page.Records = append(page.Records, rec)
	}
	if body.Metadata.Count != nil {
		page.Total = *body.Metadata.Count
	}
	if body.Metadata.Next == "" {
		page.Done = true
		return page, nil
	}
	next, err := url.Parse(body.Metadata.Next)
	if err != nil || next.Query().Get("page_token") == "" {
		return nil, providers.Malformed(err, "%s: _metadata.next %q has no page_token", path, clip(body.Metadata.Next))
	}
	page.NextCursor = next.Query().Get("page_token")
	return page, nil
}

func segmentCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":segment", Name: "segment", Description: "Marketing segments (v2 query DSL); the endpoint lists every segment at once.",
		Fields: []providers.Field{
			{Name: "name", Type: "text"}, {Name: "contacts_count", Type: "bigint"}, {Name: "parent_list_ids", Type: "text[]"},
			{Name: "query_dsl", Type: "text"}, {Name: "created_at", Type: "timestamptz"}, {Name: "updated_at", Type: "timestamptz"},
		},
		Deletes: providers.DeletesBySweep,
		Backfill: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
			if cursor != "" {
				return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("segments are listed in one page; unexpected cursor %q", clip(cursor))}
			}
			resp, err := s.Client.Do(ctx, &providers.Request{Method: "GET", Path: "/v3/marketing/segments/2.0"})
			if err != nil {
				return nil, err
			}
			var body struct {
				Results []json.RawMessage `json:"results"`
			}
			if err := resp.DecodeJSON(&body); err != nil {
				return nil, err
			}
			if body.Results == nil {
				return nil, providers.Malformed(nil, "segments: the answer has no results array")
			}
			page := &providers.Page{Done: true, Total: int64(len(body.Results))}
			for _, raw := range body.Results {
				rec, err := toRecord(raw, time.Now())
				if err != nil {
					return nil, err
				}
				page.Records = append(page.Records, rec)
			}
			return page, nil
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getObject(ctx, s, "/v3/marketing/segments/2.0/"+url.PathEscape(id))
		},
	}
}

func templateCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":template", Name: "template", Description: "Transactional templates, legacy and dynamic, with their versions.",
		Fields: []providers.Field{
			{Name: "name", Type: "text"}, {Name: "generation", Type: "text"}, {Name: "versions", Type: "jsonb"},
			{Name: "updated_at", Type: "timestamptz"},
		},
		Deletes: providers.DeletesBySweep,
		Backfill: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
			return tokenPage(ctx, s, "/v3/templates", url.Values{"generations": {"legacy,dynamic"}}, cursor)
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getObject(ctx, s, "/v3/templates/"+url.PathEscape(id))
		},
	}
}
