package sendgrid

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func listCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":list", Name: "list", Description: "Marketing contact lists.",
		Fields:  []providers.Field{{Name: "name", Type: "text", Mutable: true}, {Name: "contact_count", Type: "bigint"}},
		Deletes: providers.DeletesBySweep,
		Backfill: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
			return tokenPage(ctx, s, "/v3/marketing/lists", url.Values{}, cursor)
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getObject(ctx, s, "/v3/marketing/lists/"+url.PathEscape(id))
		},
		Mutate:        mutateList,
		MutationKinds: []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete},
	}
}

// mutateList creates, renames or deletes a list. SendGrid takes no idempotency key, but list names are
// unique: a create first looks for a list of that name, and a create refused because the name exists
// looks again, so a retried create returns the list the first attempt made instead of failing or
// making another.
func mutateList(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	name, _ := m.Data["name"].(string)
	switch m.Kind {
	case providers.MutationCreate:
		if name == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "creating a list needs a name"}
		}
		if found, err := listByName(ctx, s, name); err != nil || found != nil {
			return found, err
		}
		rec, err := sendList(ctx, s, http.MethodPost, "/v3/marketing/lists", map[string]any{"name": name})
		if providers.IsInvalidRequest(err) {
			if found, ferr := listByName(ctx, s, name); ferr != nil || found != nil {
				return found, ferr
			}
		}
		return rec, err
	case providers.MutationUpdate:
		if m.UpstreamID == "" || name == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "renaming a list needs its id and a name"}
		}
		return sendList(ctx, s, http.MethodPatch, "/v3/marketing/lists/"+url.PathEscape(m.UpstreamID), map[string]any{"name": name})
	case providers.MutationDelete:
		if m.UpstreamID == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "deleting a list needs its id"}
		}
		_, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodDelete, Path: "/v3/marketing/lists/" + url.PathEscape(m.UpstreamID)})
		if err != nil && !providers.IsNotFound(err) {
			return nil, err
		}
		return &providers.Record{ID: m.UpstreamID, UpdatedAt: time.Now(), Deleted: true}, nil
	}
	return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("unsupported mutation kind %q", m.Kind)}
}

func sendList(ctx context.Context, s *providers.Session, method, path string, body map[string]any) (*providers.Record, error) {
	b, _ := json.Marshal(body)
	resp, err := s.Client.Do(ctx, &providers.Request{Method: method, Path: path, Body: b, Header: http.Header{"Content-Type": {"application/json"}}})
	if err != nil {
		return nil, err
	}
	rec, err := toRecord(resp.Body, time.Now())
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// listByName pages through the lists for one named name; lists are few (SendGrid caps them at 1,000).
func listByName(ctx context.Context, s *providers.Session, name string) (*providers.Record, error) {
	cursor := ""
	for range 100 {
		page, err := tokenPage(ctx, s, "/v3/marketing/lists", url.Values{}, cursor)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Records {
			var l struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(r.Data, &l) == nil && l.Name == name {
				return &r, nil
			}
		}
		if page.Done {
			return nil, nil
		}
		cursor = page.NextCursor
	}
	return nil, nil
}
