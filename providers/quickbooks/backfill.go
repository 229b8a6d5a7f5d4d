package quickbooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/sequinsync/sequin/providers"
)

const (
	// maxResults is the query language's largest page.
	maxResults = 1000
	// reread is how many rows before the cursor's position each page reads again: an object deleted
	// during the backfill shifts later rows to lower positions, and without the overlap the row that
	// moves onto the cursor would be skipped.
	reread = 10
)

// pageSize is the sync's "page_size" option (10 < n <= 1000), or 1,000.
func pageSize(s *providers.Session) int {
	if n, err := strconv.Atoi(fmt.Sprint(s.Options["page_size"])); err == nil && n > reread && n <= maxResults {
		return n
	}
	return maxResults
}

// backfillCursor is where a backfill resumes: the next STARTPOSITION and the highest Id reported.
type backfillCursor struct {
	Pos    int `json:"pos"`
	LastID int `json:"last_id"`
}

// backfill lists one page ordered by Id: SELECT * FROM <Entity> ORDERBY Id STARTPOSITION n MAXRESULTS m,
// starting a few rows before the cursor and dropping rows at or below the last Id reported.
func (e *entity) backfill(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
	c := backfillCursor{Pos: 1}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.Pos < 1 {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid %s backfill cursor %q", e.collectionName(), clip(cursor))}
		}
	}
	start := max(c.Pos-reread, 1)
	size := pageSize(s)
	q := fmt.Sprintf("SELECT * FROM %s ORDERBY Id STARTPOSITION %d MAXRESULTS %d", e.name, start, size)
	resp, err := s.Client.Do(ctx, &providers.Request{Method: "GET", Path: companyBase(s) + "/query",
		Query: url.Values{"query": {q}, "minorversion": {MinorVersion}}})
	if err != nil {
		return nil, err
	}
	var body struct {
		QueryResponse map[string]json.RawMessage `json:"QueryResponse"`
	}
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, err
	}
	if body.QueryResponse == nil {
		return nil, providers.Malformed(nil, "querying %s: the answer has no QueryResponse", e.name)
	}
	var items []json.RawMessage
	if raw, ok := body.QueryResponse[e.name]; ok {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, providers.Malformed(err, "querying %s: %v", e.name, err)
		}
	}
	page := &providers.Page{Total: -1, Done: len(items) < size}
	next := backfillCursor{Pos: start + len(items), LastID: c.LastID}
	for _, raw := range items {
		rec, h, err := e.record(raw)
		if err != nil {
			return nil, err
		}
		id, err := strconv.Atoi(h.ID)
		if err != nil {
			return nil, providers.Malformed(err, "%s Id %q is not a number", e.name, h.ID)
		}
		if id <= c.LastID {
			continue
		}
		next.LastID = max(next.LastID, id)
		if rec.Deleted {
			continue // an inactive entity the query returned
		}
		page.Records = append(page.Records, rec)
	}
	b, _ := json.Marshal(next)
	page.NextCursor = string(b)
	return page, nil
}
