package workday

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/jsonscan"
)

// maxPageSize is the largest limit Workday's REST lists accept; it is also the default.
const maxPageSize = 100

// pageSize is the session's page size: the sync option page_size, at most maxPageSize.
func pageSize(s *providers.Session) int {
	n := maxPageSize
	switch v := s.Options["page_size"].(type) {
	case float64:
		n = int(v)
	case int:
		n = v
	case string:
		if i, err := strconv.Atoi(v); err == nil {
			n = i
		}
	}
	if n < 1 || n > maxPageSize {
		return maxPageSize
	}
	return n
}

// listAnswer is a REST list: {"total": n, "data": [...]}.
type listAnswer struct {
	Total *int64             `json:"total"`
	Data  *[]json.RawMessage `json:"data"`
}

// objectHead is what is read of every object.
type objectHead struct {
	ID string `json:"id"`
}

// listPage fetches the page at pc. Objects have no last-updated moment in the REST API, so a record's
// version time is when it was fetched.
func (r *resource) listPage(ctx context.Context, s *providers.Session, pc pageCursor) (recs []providers.Record, next pageCursor, done bool, total int64, err error) {
	t, err := endpoint(s)
	if err != nil {
		return nil, pageCursor{}, false, 0, err
	}
	limit := pageSize(s)
	tail := pc.Tail
	if len(tail) >= limit {
		tail = tail[len(tail)-limit+1:]
	}
	start := pc.Offset - len(tail)
	q := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(start)}}
	var ans listAnswer
	resp, err := s.Client.GetJSON(ctx, t.apiPath(r.name, ""), q, nil, &ans)
	if err != nil {
		return nil, pageCursor{}, false, 0, err
	}
	if ans.Data == nil {
		return nil, pageCursor{}, false, 0, providers.Malformed(nil, "workday: listing %s: answer has no data list (HTTP %d, %d bytes)", r.name, resp.Status, len(resp.Body))
	}
	skip := make(map[string]bool, len(tail))
	for _, id := range tail {
		skip[id] = true
	}
	fetched := time.Now().UTC()
	data := *ans.Data
	ids := make([]string, len(data))
	for i, raw := range data {
		id, err := objectID(raw, r.name)
		if err != nil {
			return nil, pageCursor{}, false, 0, err
		}
		ids[i] = id
		if skip[id] {
			continue
		}
		recs = append(recs, providers.Record{ID: id, UpdatedAt: fetched, Data: raw})
	}
	total = -1
	if ans.Total != nil {
		total = *ans.Total
	}
	next = pageCursor{Offset: start + len(data), Tail: ids[max(0, len(ids)-min(maxTail, limit/4)):]}
	done = len(data) < limit || (total >= 0 && int64(next.Offset) >= total)
	return recs, next, done, total, nil
}

// objectID reads an object's id; an object without one is malformed.
func objectID(raw json.RawMessage, what string) (string, error) {
	var h objectHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", providers.Malformed(err, "workday: %s: object: %v", what, err)
	}
	if h.ID == "" {
		return "", providers.Malformed(nil, "workday: %s: object without id", what)
	}
	return h.ID, nil
}

// backfill lists one page of the collection.
func (r *resource) backfill(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
	pc, err := parsePageCursor(cursor)
	if err != nil {
		return nil, err
	}
	recs, next, done, total, err := r.listPage(ctx, s, pc)
	if err != nil {
		return nil, err
	}
	p := &providers.Page{Records: recs, Done: done, Total: total}
	if !done {
		p.NextCursor = next.String()
	}
	return p, nil
}

// get fetches one object.
func (r *resource) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if id == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "workday: an object id is required"}
	}
	t, err := endpoint(s)
	if err != nil {
		return nil, err
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: t.apiPath(r.name, id)})
	if err != nil {
		return nil, err
	}
	if !jsonscan.Valid(resp.Body) {
		return nil, providers.Malformed(nil, "workday: %s/%s: unreadable answer (HTTP %d, %d bytes)", r.name, clip(id), resp.Status, len(resp.Body))
	}
	got, err := objectID(resp.Body, r.name)
	if err != nil {
		return nil, err
	}
	if got != id {
		return nil, providers.Malformed(nil, "workday: asked for %s %s, got %s", r.name, clip(id), clip(got))
	}
	return &providers.Record{ID: id, UpdatedAt: time.Now().UTC(), Data: json.RawMessage(resp.Body)}, nil
}
