package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// pageSize is the number of objects asked for per list request, the CRM list endpoints' maximum.
const pageSize = 100

// page is one page of a CRM list or search answer.
type page struct {
	Results []json.RawMessage `json:"results"`
	Paging  *struct {
		Next *struct {
			After string `json:"after"`
		} `json:"next"`
	} `json:"paging"`
	// Total is set by the search endpoints.
	Total *int64 `json:"total"`
}

// next returns the after token of the next page, or "" on the last page.
func (p *page) next() string {
	if p.Paging == nil || p.Paging.Next == nil {
		return ""
	}
	return p.Paging.Next.After
}

// head holds the fields read from any CRM object, owner or pipeline.
type head struct {
	ID         string `json:"id"`
	CreatedAt  string `json:"createdAt"`
	UpdatedAt  string `json:"updatedAt"`
	Archived   bool   `json:"archived"`
	ArchivedAt string `json:"archivedAt"`
}

// object is a decoded object of a page: its raw JSON, id and times.
type object struct {
	raw        json.RawMessage
	id         string
	updated    time.Time
	archivedAt time.Time
}

// parseTime reads HubSpot's ISO 8601 timestamps ("2024-01-17T19:55:04.281Z").
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err == nil
}

// decodeObject reads one object and checks that it has an id and an update time.
func decodeObject(raw json.RawMessage, what string) (object, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return object{}, providers.Malformed(err, "hubspot: %s: decoding an object: %v", what, err)
	}
	if h.ID == "" {
		return object{}, providers.Malformed(nil, "hubspot: %s: an object has no id", what)
	}
	updated, ok := parseTime(h.UpdatedAt)
	if !ok {
		return object{}, providers.Malformed(nil, "hubspot: %s: object %s has no valid updatedAt (%q)", what, h.ID, clip(h.UpdatedAt))
	}
	o := object{raw: raw, id: h.ID, updated: updated}
	if h.ArchivedAt != "" {
		if at, ok := parseTime(h.ArchivedAt); ok {
			o.archivedAt = at
		}
	}
	return o, nil
}

// decodePage reads a list or search answer and its objects.
func decodePage(resp *providers.Response, what string) (*page, []object, error) {
	var p page
	if err := resp.DecodeJSON(&p); err != nil {
		return nil, nil, err
	}
	if p.Results == nil {
		return nil, nil, providers.Malformed(nil, "hubspot: %s: the answer has no results (HTTP %d, %d bytes)", what, resp.Status, len(resp.Body))
	}
	objs := make([]object, len(p.Results))
	for i, raw := range p.Results {
		o, err := decodeObject(raw, what)
		if err != nil {
			return nil, nil, err
		}
		objs[i] = o
	}
	if p.Paging != nil && p.Paging.Next != nil && (p.Paging.Next.After == "" || len(objs) == 0) {
		return nil, nil, providers.Malformed(nil, "hubspot: %s: a page with %d results has a next page without an after token", what, len(objs))
	}
	return &p, objs, nil
}

// getJSON sends a GET and returns the answer.
func getJSON(ctx context.Context, s *providers.Session, path string, q url.Values) (*providers.Response, error) {
	return s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: path, Query: q})
}

// sendJSON sends a request with a JSON body.
func sendJSON(ctx context.Context, s *providers.Session, method, path string, body any) (*providers.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, invalid("encoding the request: " + err.Error())
	}
	return s.Client.Do(ctx, &providers.Request{Method: method, Path: path, Body: b,
		Header: http.Header{"Content-Type": {"application/json"}}})
}

// requested lists the properties asked for: t's, plus those the sync's "properties" option names (a
// comma-separated string or a JSON array), for custom properties.
func (t *crmType) requested(s *providers.Session) []string {
	out := t.properties()
	var more []string
	switch v := s.Options["properties"].(type) {
	case string:
		more = strings.Split(v, ",")
	case []any:
		for _, x := range v {
			if str, ok := x.(string); ok {
				more = append(more, str)
			}
		}
	case []string:
		more = v
	}
	if len(more) == 0 {
		return out
	}
	for _, p := range more {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// invalid is an invalid-request error raised before anything is sent.
func invalid(msg string) *providers.Error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: "hubspot: " + msg}
}

// notFound is a not-found error raised without asking the API (an id it cannot have).
func notFound(msg string) *providers.Error {
	return &providers.Error{Kind: providers.ErrNotFound, Status: http.StatusNotFound, Message: "hubspot: " + msg}
}

// validObjectID reports whether id can name a CRM object: HubSpot ids are decimal numbers.
func validObjectID(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
