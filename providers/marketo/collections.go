package marketo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// assetTime is how the asset API writes times ("2024-01-02T03:04:05Z+0000").
const assetTime = "2006-01-02T15:04:05Z-0700"

func buildCollections() []*providers.Collection {
	return []*providers.Collection{programCollection(), leadCollection(), activityCollection(), listCollection()}
}

// toRecord reads an object's id and its time field (layout "" means RFC 3339).
func toRecord(raw json.RawMessage, timeField, layout string) (providers.Record, error) {
	id, err := idOf(raw)
	if err != nil {
		return providers.Record{}, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return providers.Record{}, providers.Malformed(err, "decoding object %s: %v", id, err)
	}
	v, _ := m[timeField].(string)
	if layout == "" {
		layout = time.RFC3339
	}
	at, err := time.Parse(layout, v)
	if err != nil {
		return providers.Record{}, providers.Malformed(err, "object %s: %s %q: %v", id, timeField, v, err)
	}
	return providers.Record{ID: id, UpdatedAt: at, Data: raw}, nil
}

func programCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":program", Name: "program", Description: "Programs (asset API).",
		Fields: []providers.Field{
			{Name: "name", Type: "text"}, {Name: "description", Type: "text"}, {Name: "type", Type: "text"},
			{Name: "channel", Type: "text"}, {Name: "status", Type: "text"}, {Name: "workspace", Type: "text"},
			{Name: "folder", Type: "jsonb"}, {Name: "created_at", Type: "timestamptz", Path: "createdAt"},
			{Name: "updated_at", Type: "timestamptz", Path: "updatedAt"},
		},
		Deletes:    providers.DeletesBySweep,
		Backfill:   backfillPrograms,
		Checkpoint: checkpointPrograms,
		Changes:    programChanges,
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getOne(ctx, s, "/rest/asset/v1/program/"+url.PathEscape(id)+".json", "updatedAt", assetTime)
		},
	}
}

// getOne reads {"result": [object]}; an empty result is not found.
func getOne(ctx context.Context, s *providers.Session, path, timeField, layout string) (*providers.Record, error) {
	env, err := call(ctx, s, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	if len(env.Result) == 0 {
		return nil, &providers.Error{Kind: providers.ErrNotFound, Message: path + ": not found"}
	}
	rec, err := toRecord(env.Result[0], timeField, layout)
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// programPage reads one offset page of programs, optionally within an updatedAt range.
func programPage(ctx context.Context, s *providers.Session, offset int, q url.Values) ([]providers.Record, int, error) {
	size := intOption(s, "page_size", 200, 1, 200)
	q.Set("offset", strconv.Itoa(offset))
	q.Set("maxReturn", strconv.Itoa(size))
	env, err := call(ctx, s, http.MethodGet, "/rest/asset/v1/programs.json", q, nil)
	if err != nil {
		return nil, 0, err
	}
	recs := make([]providers.Record, 0, len(env.Result))
	for _, raw := range env.Result {
		rec, err := toRecord(raw, "updatedAt", assetTime)
		if err != nil {
			return nil, 0, err
		}
		recs = append(recs, rec)
	}
	return recs, size, nil
}

func backfillPrograms(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
	offset := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid program cursor %q", clip(cursor))}
		}
		offset = n
	}
	recs, size, err := programPage(ctx, s, offset, url.Values{})
	if err != nil {
		return nil, err
	}
	return &providers.Page{Records: recs, NextCursor: strconv.Itoa(offset + len(recs)), Done: len(recs) < size, Total: -1}, nil
}

// programCursor follows program updates: T is the newest updatedAt reported and Seen the versions
// (id → updatedAt) reported within the overlap before it.
type programCursor struct {
	T    time.Time         `json:"t"`
	Seen map[string]string `json:"seen,omitempty"`
}

// programOverlap is how far before the newest update each poll asks again (updatedAt has seconds).
const programOverlap = time.Minute

func checkpointPrograms(context.Context, *providers.Session) (string, error) {
	b, _ := json.Marshal(programCursor{T: time.Now().UTC().Truncate(time.Second)})
	return string(b), nil
}

// programChanges browses programs with earliestUpdatedAt/latestUpdatedAt from the cursor (less the
// overlap) to now, dropping versions already reported.
func programChanges(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
	var c programCursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.T.IsZero() {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid program change cursor %q", clip(cursor))}
	}
	q := func() url.Values {
		return url.Values{"earliestUpdatedAt": {c.T.Add(-programOverlap).UTC().Format(time.RFC3339)},
			"latestUpdatedAt": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339)}}
	}
	var all []providers.Record
	for offset := 0; ; {
		recs, size, err := programPage(ctx, s, offset, q())
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
		offset += len(recs)
		if len(recs) < size {
			break
		}
	}
	out := &providers.Changes{}
	newest := c.T
	next := programCursor{Seen: map[string]string{}}
	for _, r := range all {
		v := r.UpdatedAt.UTC().Format(time.RFC3339)
		if c.Seen[r.ID] != v {
			out.Records = append(out.Records, r)
		}
		if r.UpdatedAt.After(newest) {
			newest = r.UpdatedAt
		}
	}
	next.T = newest
	for _, r := range all {
		if !r.UpdatedAt.Before(newest.Add(-programOverlap)) {
			next.Seen[r.ID] = r.UpdatedAt.UTC().Format(time.RFC3339)
		}
	}
	b, _ := json.Marshal(next)
	out.NextCursor = string(b)
	return out, nil
}

func listCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":list", Name: "list", Description: "Static lists.",
		Fields: []providers.Field{
			{Name: "name", Type: "text"}, {Name: "description", Type: "text"}, {Name: "program_name", Type: "text", Path: "programName"},
			{Name: "workspace_name", Type: "text", Path: "workspaceName"}, {Name: "created_at", Type: "timestamptz", Path: "createdAt"},
			{Name: "updated_at", Type: "timestamptz", Path: "updatedAt"},
		},
		Deletes: providers.DeletesBySweep,
		Backfill: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
			q := url.Values{"batchSize": {strconv.Itoa(intOption(s, "page_size", 300, 1, 300))}}
			if cursor != "" {
				q.Set("nextPageToken", cursor)
			}
			env, err := call(ctx, s, http.MethodGet, "/rest/v1/lists.json", q, nil)
			if err != nil {
				return nil, err
			}
			page := &providers.Page{Total: -1, NextCursor: env.NextPageToken, Done: env.NextPageToken == ""}
			for _, raw := range env.Result {
				rec, err := toRecord(raw, "updatedAt", "")
				if err != nil {
					return nil, err
				}
				page.Records = append(page.Records, rec)
			}
			return page, nil
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getOne(ctx, s, "/rest/v1/lists/"+url.PathEscape(id)+".json", "updatedAt", "")
		},
	}
}

// defaultActivityTypes are the marketing activities synced unless the sync's "activity_type_ids"
// option names others (at most 10, Marketo's limit per call): visits, form fills, link clicks and
// email sends, deliveries, opens and clicks.
const defaultActivityTypes = "1,2,3,6,7,10,11"

func activityCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":activity", Name: "activity", Description: "Marketing activities (Marketo keeps 90 days), keyed by marketoGUID; immutable.",
		Fields: []providers.Field{
			{Name: "lead_id", Type: "bigint", Path: "leadId"}, {Name: "activity_date", Type: "timestamptz", Path: "activityDate"},
			{Name: "activity_type_id", Type: "integer", Path: "activityTypeId"},
			{Name: "primary_attribute_value", Type: "text", Path: "primaryAttributeValue"}, {Name: "attributes", Type: "jsonb"},
		},
		Deletes: providers.DeletesNone,
		Backfill: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
			if cursor == "" {
				var err error
				if cursor, err = pagingToken(ctx, s, timeOption(s, "activities_since", time.Now().AddDate(0, 0, -90))); err != nil {
					return nil, err
				}
			}
			recs, next, more, err := activities(ctx, s, cursor)
			if err != nil {
				return nil, err
			}
			return &providers.Page{Records: recs, NextCursor: next, Done: !more, Total: -1}, nil
		},
		Checkpoint: func(ctx context.Context, s *providers.Session) (string, error) {
			return pagingToken(ctx, s, time.Now())
		},
		Changes: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
			recs, next, more, err := activities(ctx, s, cursor)
			if err != nil {
				return nil, err
			}
			return &providers.Changes{Records: recs, NextCursor: next, More: more}, nil
		},
	}
}

// activities reads one page of the activity feed from a paging token.
func activities(ctx context.Context, s *providers.Session, token string) ([]providers.Record, string, bool, error) {
	types := s.Option("activity_type_ids")
	if types == "" {
		types = defaultActivityTypes
	}
	if n := len(strings.Split(types, ",")); n > 10 {
		return nil, "", false, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("activity_type_ids names %d types; Marketo takes at most 10", n)}
	}
	env, err := call(ctx, s, http.MethodGet, "/rest/v1/activities.json", url.Values{"nextPageToken": {token},
		"activityTypeIds": {types}, "batchSize": {strconv.Itoa(intOption(s, "page_size", 300, 1, 300))}}, nil)
	if err != nil {
		return nil, "", false, err
	}
	if env.NextPageToken == "" {
		return nil, "", false, providers.Malformed(nil, "the activity feed answered without nextPageToken")
	}
	recs := make([]providers.Record, 0, len(env.Result))
	for _, raw := range env.Result {
		var a struct {
			GUID string `json:"marketoGUID"`
			Date string `json:"activityDate"`
		}
		if err := json.Unmarshal(raw, &a); err != nil || a.GUID == "" {
			return nil, "", false, providers.Malformed(err, "an activity without marketoGUID: %s", clip(string(raw)))
		}
		at, err := time.Parse(time.RFC3339, a.Date)
		if err != nil {
			return nil, "", false, providers.Malformed(err, "activity %s: activityDate %q", a.GUID, a.Date)
		}
		recs = append(recs, providers.Record{ID: a.GUID, UpdatedAt: at, Data: raw})
	}
	return recs, env.NextPageToken, env.MoreResult, nil
}
