package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/sequinsync/sequin/sqlapi"
)

// Page sizes of the list endpoints.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 1000
)

// List is the body of every list endpoint. NextCursor, passed back as ?cursor=, continues after the
// last item; it is null when there is nothing more (event lists always give a cursor to poll from).
type List struct {
	// Data holds the items of this page.
	Data []json.RawMessage `json:"data"`
	// NextCursor continues the list, or is null.
	NextCursor *string `json:"next_cursor"`
	// HasMore says whether more items follow this page.
	HasMore bool `json:"has_more"`
}

// page is the position and size a list request asked for.
type page struct {
	limit int64
	// after holds the decoded cursor, nil for the first page.
	after []string
}

// readPage reads ?limit= and ?cursor=; a cursor must decode to parts strings.
func readPage(r *http.Request, parts int) (page, error) {
	limit, err := queryInt(r, "limit", DefaultPageLimit, 1, MaxPageLimit)
	if err != nil {
		return page{}, err
	}
	p := page{limit: limit}
	if c := r.URL.Query().Get("cursor"); c != "" {
		if p.after, err = decodeCursor(c, parts); err != nil {
			return page{}, err
		}
	}
	return p, nil
}

// encodeCursor makes an opaque cursor of the sort key of the last item.
func encodeCursor(parts ...string) *string {
	b, _ := json.Marshal(parts)
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

func decodeCursor(c string, parts int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	var out []string
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil || len(out) != parts {
		return nil, invalidParameter("cursor", "query parameter \"cursor\" is not a cursor this list returned")
	}
	return out, nil
}

// keyset is one row of a list ordered by (inserted_at, id), the order of every resource list.
type keyset struct {
	insertedAt time.Time
	id         string
	body       json.RawMessage
}

// readKeysetPage reads ?limit= and ?cursor= of a list ordered by (inserted_at, id).
func readKeysetPage(r *http.Request) (page, error) {
	p, err := readPage(r, 2)
	if err != nil || p.after == nil {
		return p, err
	}
	if _, terr := time.Parse(time.RFC3339Nano, p.after[0]); terr != nil || !isUUID(p.after[1]) {
		return page{}, invalidParameter("cursor", "query parameter \"cursor\" is not a cursor this list returned")
	}
	return p, nil
}

// listKeyset runs a list query ordered by (inserted_at, id). The query selects inserted_at, the id as
// text and the item's JSON, and takes the cursor as $1 (timestamptz) and $2 (uuid) and the row limit as
// $3; args are $4 onwards.
func listKeyset(ctx context.Context, q sqlapi.Querier, sql string, p page, args ...any) (List, error) {
	var afterAt, afterID any
	if p.after != nil {
		afterAt, afterID = p.after[0], p.after[1]
	}
	rows, err := q.Query(ctx, sql, append([]any{afterAt, afterID, p.limit + 1}, args...)...)
	if err != nil {
		return List{}, fmt.Errorf("listing: %w", err)
	}
	var items []keyset
	for rows.Next() {
		var k keyset
		if err := rows.Scan(&k.insertedAt, &k.id, &k.body); err != nil {
			rows.Close()
			return List{}, fmt.Errorf("listing: %w", err)
		}
		items = append(items, k)
	}
	if err := rows.Err(); err != nil {
		return List{}, fmt.Errorf("listing: %w", err)
	}
	l := List{Data: make([]json.RawMessage, 0, len(items))}
	if int64(len(items)) > p.limit {
		items = items[:p.limit]
		last := items[len(items)-1]
		l.HasMore = true
		l.NextCursor = encodeCursor(last.insertedAt.UTC().Format(time.RFC3339Nano), last.id)
	}
	for _, k := range items {
		l.Data = append(l.Data, k.body)
	}
	return l, nil
}
