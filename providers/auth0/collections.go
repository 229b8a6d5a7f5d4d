package auth0

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/jsonscan"
)

// pageSize is the Management API's largest page (per_page and take).
const pageSize = 100

// resource describes one Management API collection as data.
type resource struct {
	name        string // collection name, e.g. "role"
	path        string // list endpoint under /api/v2, e.g. "roles"; also the key of the list in a page
	idField     string // field holding the object's id
	description string
	fields      []providers.Field
	// checkpoint says the endpoint pages with from/take (organizations) rather than page/per_page.
	checkpoint bool
}

func (r *resource) collectionID() string { return Name + ":" + r.name }

// collection builds the providers.Collection of a re-listed resource: these endpoints have no
// updated-since filter, so the engine re-lists them and finds deletes by sweeping ids.
func (r *resource) collection() *providers.Collection {
	return &providers.Collection{
		ID: r.collectionID(), Name: r.name, Description: r.description, Fields: r.fields,
		Deletes:  providers.DeletesBySweep,
		Backfill: r.backfill,
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getObject(ctx, s, r, id)
		},
	}
}

var resources = []*resource{
	{name: "organization", path: "organizations", idField: "id", checkpoint: true,
		description: "Organizations (B2B tenants) of the Auth0 tenant.",
		fields: []providers.Field{
			{Name: "name", Type: "text"}, {Name: "display_name", Type: "text"},
			{Name: "branding", Type: "jsonb"}, {Name: "metadata", Type: "jsonb"},
		}},
	{name: "role", path: "roles", idField: "id", description: "Roles for role-based access control.",
		fields: []providers.Field{{Name: "name", Type: "text"}, {Name: "description", Type: "text"}}},
	{name: "client", path: "clients", idField: "client_id", description: "Applications (clients) registered in the tenant; secrets are not requested.",
		fields: []providers.Field{
			{Name: "name", Type: "text"}, {Name: "description", Type: "text"}, {Name: "app_type", Type: "text"},
			{Name: "is_first_party", Type: "boolean"}, {Name: "callbacks", Type: "text[]"},
			{Name: "grant_types", Type: "text[]"}, {Name: "token_endpoint_auth_method", Type: "text"},
		}},
	{name: "connection", path: "connections", idField: "id", description: "Identity connections (database, social, enterprise).",
		fields: []providers.Field{
			{Name: "name", Type: "text"}, {Name: "display_name", Type: "text"}, {Name: "strategy", Type: "text"},
			{Name: "enabled_clients", Type: "text[]"}, {Name: "is_domain_connection", Type: "boolean"}, {Name: "realms", Type: "text[]"},
		}},
}

// users is the users collection's declaration; its functions live in users.go.
var users = &resource{name: "user", path: "users", idField: "user_id", description: "Users of every connection of the tenant.",
	fields: []providers.Field{
		{Name: "email", Type: "text", Mutable: true}, {Name: "email_verified", Type: "boolean", Mutable: true},
		{Name: "name", Type: "text", Mutable: true}, {Name: "given_name", Type: "text", Mutable: true},
		{Name: "family_name", Type: "text", Mutable: true}, {Name: "nickname", Type: "text", Mutable: true},
		{Name: "picture", Type: "text", Mutable: true}, {Name: "blocked", Type: "boolean", Mutable: true},
		{Name: "logins_count", Type: "bigint"}, {Name: "last_login", Type: "timestamptz"},
		{Name: "created_at", Type: "timestamptz"}, {Name: "updated_at", Type: "timestamptz"},
		{Name: "identities", Type: "jsonb"},
		{Name: "app_metadata", Type: "jsonb", Mutable: true}, {Name: "user_metadata", Type: "jsonb", Mutable: true},
	}}

// buildCollections returns the collections in a stable order, users first.
func buildCollections() []*providers.Collection {
	out := []*providers.Collection{usersCollection()}
	for _, r := range resources {
		out = append(out, r.collection())
	}
	return out
}

// head is what every object carries that the provider reads: its id (under one of the id fields)
// and, for users, updated_at.
type head struct {
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	ClientID  string `json:"client_id"`
	UpdatedAt string `json:"updated_at"`
}

func (h head) id(field string) string {
	switch field {
	case "user_id":
		return h.UserID
	case "client_id":
		return h.ClientID
	}
	return h.ID
}

// toRecord reads an object's id and version time; objects without updated_at (everything but users)
// are versioned by the time they were fetched.
func toRecord(r *resource, raw json.RawMessage, fetched time.Time) (providers.Record, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return providers.Record{}, providers.Malformed(err, "decoding %s: %v", r.name, err)
	}
	id := h.id(r.idField)
	if id == "" {
		return providers.Record{}, providers.Malformed(nil, "a %s without %s: %s", r.name, r.idField, clip(string(raw)))
	}
	at := fetched
	if h.UpdatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, h.UpdatedAt)
		if err != nil {
			return providers.Record{}, providers.Malformed(err, "%s %s: updated_at %q: %v", r.name, id, h.UpdatedAt, err)
		}
		at = t
	}
	return providers.Record{ID: id, UpdatedAt: at, Data: raw}, nil
}

// fetchedAt is the server's Date of a response, or now.
func fetchedAt(resp *providers.Response) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t
	}
	return time.Now().UTC().Truncate(time.Second)
}

// get sends a GET to a path under the API root.
func get(ctx context.Context, s *providers.Session, path string, q url.Values) (*providers.Response, error) {
	base, err := apiBase(s)
	if err != nil {
		return nil, err
	}
	return s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: base + path, Query: q})
}

// getObject fetches one object by id.
func getObject(ctx context.Context, s *providers.Session, r *resource, id string) (*providers.Record, error) {
	resp, err := get(ctx, s, "/api/v2/"+r.path+"/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, err
	}
	if !jsonscan.Valid(resp.Body) {
		return nil, providers.Malformed(nil, "%s %s: the answer is not JSON (%d bytes)", r.name, id, len(resp.Body))
	}
	rec, err := toRecord(r, resp.Body, fetchedAt(resp))
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// backfill lists one page: page/per_page with include_totals, or from/take for checkpoint-paged
// endpoints (page-based listing of organizations stops at 1,000 results).
func (r *resource) backfill(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
	q := url.Values{}
	page := 0
	if r.checkpoint {
		q.Set("take", strconv.Itoa(pageSize))
		if cursor != "" {
			q.Set("from", cursor)
		}
	} else {
		if cursor != "" {
			n, err := strconv.Atoi(cursor)
			if err != nil || n < 0 {
				return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid %s backfill cursor %q: want a page number", r.name, clip(cursor))}
			}
			page = n
		}
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(pageSize))
		q.Set("include_totals", "true")
	}
	resp, err := get(ctx, s, "/api/v2/"+r.path, q)
	if err != nil {
		return nil, err
	}
	var body map[string]json.RawMessage
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if raw, ok := body[r.path]; !ok {
		return nil, providers.Malformed(nil, "listing %s: the answer has no %q array", r.path, r.path)
	} else if err := json.Unmarshal(raw, &items); err != nil {
		return nil, providers.Malformed(err, "listing %s: %v", r.path, err)
	}
	at := fetchedAt(resp)
	out := &providers.Page{Records: make([]providers.Record, 0, len(items)), Total: -1}
	for _, raw := range items {
		rec, err := toRecord(r, raw, at)
		if err != nil {
			return nil, err
		}
		out.Records = append(out.Records, rec)
	}
	if r.checkpoint {
		var next string
		if raw, ok := body["next"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &next); err != nil {
				return nil, providers.Malformed(err, "listing %s: next: %v", r.path, err)
			}
		}
		out.NextCursor, out.Done = next, next == ""
		return out, nil
	}
	out.NextCursor = strconv.Itoa(page + 1)
	out.Done = len(items) < pageSize
	if raw, ok := body["total"]; ok {
		if err := json.Unmarshal(raw, &out.Total); err != nil {
			return nil, providers.Malformed(err, "listing %s: total: %v", r.path, err)
		}
		out.Done = out.Done || int64((page+1)*pageSize) >= out.Total
	}
	return out, nil
}
