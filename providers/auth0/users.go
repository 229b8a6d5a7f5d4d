package auth0

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// overlap is how far before the newest reported updated_at the change feed searches again: user
	// search is an index that trails writes by a few seconds.
	overlap = 30 * time.Second
	// searchWindow is how many results page/per_page may reach into a search.
	searchWindow = 1000
	// timeLayout is how Auth0 writes timestamps.
	timeLayout = "2006-01-02T15:04:05.000Z"
)

func usersCollection() *providers.Collection {
	return &providers.Collection{
		ID: users.collectionID(), Name: users.name, Description: users.description, Fields: users.fields,
		Deletes:    providers.DeletesInChanges,
		Backfill:   backfillUsers,
		Checkpoint: checkpointUsers,
		Changes:    userChanges,
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getObject(ctx, s, users, id)
		},
		Mutate:        mutateUser,
		MutationKinds: []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete},
	}
}

// searchPage is one page of GET /api/v2/users with include_totals.
type searchPage struct {
	Total int64             `json:"total"`
	Users []json.RawMessage `json:"users"`
}

// searchUsers returns one page of users with updated_at >= from ("" for all), oldest first.
func searchUsers(ctx context.Context, s *providers.Session, from string, page int) ([]providers.Record, int64, error) {
	q := url.Values{"sort": {"updated_at:1"}, "per_page": {strconv.Itoa(pageSize)}, "page": {strconv.Itoa(page)},
		"include_totals": {"true"}, "search_engine": {"v3"}}
	if from != "" {
		q.Set("q", "updated_at:["+from+" TO *]")
	}
	resp, err := get(ctx, s, "/api/v2/users", q)
	if err != nil {
		return nil, 0, err
	}
	var sp searchPage
	if err := resp.DecodeJSON(&sp); err != nil {
		return nil, 0, err
	}
	if sp.Users == nil {
		return nil, 0, providers.Malformed(nil, "searching users: the answer has no users array")
	}
	recs := make([]providers.Record, len(sp.Users))
	for i, raw := range sp.Users {
		if recs[i], err = toRecord(users, raw, time.Time{}); err != nil {
			return nil, 0, err
		}
		if recs[i].UpdatedAt.IsZero() {
			return nil, 0, providers.Malformed(nil, "user %s has no updated_at", recs[i].ID)
		}
	}
	return recs, sp.Total, nil
}

// backfillUsers lists users by updated_at ascending, one page from the cursor's lower bound.
func backfillUsers(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
	var c userCursor
	if err := decodeCursor(cursor, &c); err != nil {
		return nil, err
	}
	if (c.P+1)*pageSize > searchWindow {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest,
			Message: fmt.Sprintf("more than %d users share updated_at %s; user search cannot page past them", searchWindow, c.T)}
	}
	recs, total, err := searchUsers(ctx, s, c.T, c.P)
	if err != nil {
		return nil, err
	}
	out := &providers.Page{Total: -1, Done: len(recs) < pageSize}
	if cursor == "" {
		out.Total = total
	}
	for _, r := range recs {
		if stamp(r.UpdatedAt) == c.T && slices.Contains(c.Skip, r.ID) {
			continue
		}
		out.Records = append(out.Records, r)
	}
	if len(recs) == 0 {
		out.NextCursor = cursor
		return out, nil
	}
	last := stamp(recs[len(recs)-1].UpdatedAt)
	next := userCursor{T: last}
	if last == c.T {
		next.P = c.P + 1
		next.Skip = c.Skip
	}
	for _, r := range recs {
		if stamp(r.UpdatedAt) == last && !slices.Contains(next.Skip, r.ID) {
			next.Skip = append(next.Skip, r.ID)
		}
	}
	out.NextCursor = encodeCursor(next)
	return out, nil
}

func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

// checkpointUsers starts the change feed now, after the newest tenant log.
func checkpointUsers(ctx context.Context, s *providers.Session) (string, error) {
	resp, err := get(ctx, s, "/api/v2/logs", url.Values{"sort": {"date:-1"}, "page": {"0"}, "per_page": {"1"}})
	if err != nil {
		return "", err
	}
	var logs []logEntry
	if err := resp.DecodeJSON(&logs); err != nil {
		return "", err
	}
	c := changeCursor{T: stamp(time.Now())}
	if len(logs) > 0 {
		c.Log = logs[0].LogID
	}
	return encodeCursor(c), nil
}

// userChanges reports users updated since the cursor (searching again over the overlap window and
// dropping versions already reported), then users deleted according to the tenant logs.
func userChanges(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
	var c changeCursor
	if err := decodeCursor(cursor, &c); err != nil {
		return nil, err
	}
	since, err := time.Parse(time.RFC3339Nano, c.T)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid change cursor %q: no time", clip(cursor))}
	}
	from := stamp(since.Add(-overlap))
	var found []providers.Record
	more := false
	for page := 0; ; page++ {
		recs, _, err := searchUsers(ctx, s, from, page)
		if err != nil {
			return nil, err
		}
		found = append(found, recs...)
		if len(recs) < pageSize {
			break
		}
		if (page+2)*pageSize > searchWindow {
			more = true // the window is full: continue from its newest user on the next call
			break
		}
	}
	out := &providers.Changes{}
	newest := since
	for _, r := range found {
		if c.Seen[r.ID] == stamp(r.UpdatedAt) {
			continue
		}
		out.Records = append(out.Records, r)
		if r.UpdatedAt.After(newest) {
			newest = r.UpdatedAt
		}
	}
	next := changeCursor{T: stamp(newest), Seen: map[string]string{}, Log: c.Log}
	keepFrom := newest.Add(-overlap)
	if more {
		keepFrom = newest // a full window moves on without overlap, or it would never progress
	}
	for id, at := range c.Seen {
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil && !t.Before(keepFrom) {
			next.Seen[id] = at
		}
	}
	for _, r := range found {
		if !r.UpdatedAt.Before(keepFrom) {
			next.Seen[r.ID] = stamp(r.UpdatedAt)
		}
	}
	deleted, lastLog, full, err := deletedUsers(ctx, s, c.Log)
	if err != nil {
		return nil, err
	}
	out.Records = append(out.Records, deleted...)
	next.Log = lastLog
	out.More = more || full
	out.NextCursor = encodeCursor(next)
	return out, nil
}

// logEntry is the part of a tenant log event the change feed reads.
type logEntry struct {
	LogID   string `json:"log_id"`
	Date    string `json:"date"`
	Type    string `json:"type"`
	UserID  string `json:"user_id"`
	Details struct {
		Request struct {
			Method string `json:"method"`
			Path   string `json:"path"`
		} `json:"request"`
	} `json:"details"`
}

// deletedUser returns the id of the user a log event says was deleted: a successful Management API
// DELETE of /api/v2/users/{id} ("sapi") or a successful user deletion ("sdu").
func (l *logEntry) deletedUser() (string, bool) {
	switch l.Type {
	case "sdu":
		return l.UserID, l.UserID != ""
	case "sapi":
		if !strings.EqualFold(l.Details.Request.Method, "delete") {
			return "", false
		}
		rest, ok := strings.CutPrefix(l.Details.Request.Path, "/api/v2/users/")
		if !ok || rest == "" || strings.Contains(rest, "/") {
			return "", false
		}
		id, err := url.PathUnescape(rest)
		return id, err == nil && id != ""
	}
	return "", false
}

// deletedUsers reads tenant logs after the log id from (checkpoint pagination) and returns the users
// they say were deleted, the last log id read, and whether a full page came back.
func deletedUsers(ctx context.Context, s *providers.Session, from string) ([]providers.Record, string, bool, error) {
	q := url.Values{"take": {strconv.Itoa(pageSize)}}
	if from != "" {
		q.Set("from", from)
	} else {
		q = url.Values{"sort": {"date:1"}, "page": {"0"}, "per_page": {strconv.Itoa(pageSize)}}
	}
	resp, err := get(ctx, s, "/api/v2/logs", q)
	if err != nil {
		return nil, "", false, err
	}
	var logs []logEntry
	if err := resp.DecodeJSON(&logs); err != nil {
		return nil, "", false, err
	}
	var out []providers.Record
	last := from
	for _, l := range logs {
		if l.LogID == "" {
			return nil, "", false, providers.Malformed(nil, "a tenant log without log_id")
		}
		last = l.LogID
		id, ok := l.deletedUser()
		if !ok {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, l.Date)
		if err != nil {
			return nil, "", false, providers.Malformed(err, "tenant log %s: date %q: %v", l.LogID, l.Date, err)
		}
		out = append(out, providers.Record{ID: id, UpdatedAt: at, Deleted: true})
	}
	return out, last, len(logs) == pageSize, nil
}
