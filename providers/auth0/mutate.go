package auth0

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/jsonscan"
)

const (
	// defaultConnection is the database connection new users go to unless the mutation or the sync's
	// "connection" option names another.
	defaultConnection = "Username-Password-Authentication"
	// mutationKey is the app_metadata key recording which mutation created a user. The Management API
	// takes no idempotency key, so a create first looks for a user with the same email carrying the
	// mutation's id, and a create refused with 409 (the user exists) looks again: a retried create
	// never makes a second user.
	mutationKey = "sequin_mutation_id"
)

// mutateUser applies a create, update or delete of a user.
func mutateUser(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	switch m.Kind {
	case providers.MutationCreate:
		return createUser(ctx, s, m)
	case providers.MutationUpdate:
		if m.UpstreamID == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "an update needs the user's id"}
		}
		resp, err := send(ctx, s, http.MethodPatch, "/api/v2/users/"+url.PathEscape(m.UpstreamID), m.Data)
		if err != nil {
			return nil, err
		}
		return userRecord(resp)
	case providers.MutationDelete:
		if m.UpstreamID == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "a delete needs the user's id"}
		}
		if _, err := send(ctx, s, http.MethodDelete, "/api/v2/users/"+url.PathEscape(m.UpstreamID), nil); err != nil && !providers.IsNotFound(err) {
			return nil, err
		}
		return &providers.Record{ID: m.UpstreamID, UpdatedAt: time.Now(), Deleted: true}, nil
	}
	return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("unsupported mutation kind %q", m.Kind)}
}

func createUser(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	body := maps.Clone(m.Data)
	if body == nil {
		body = map[string]any{}
	}
	email, _ := body["email"].(string)
	if email == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "creating a user needs an email"}
	}
	if found, err := userByMutation(ctx, s, email, m.ID); err != nil || found != nil {
		return found, err
	}
	if _, ok := body["connection"]; !ok {
		body["connection"] = firstNonEmpty(s.Option("connection"), defaultConnection)
	}
	if _, ok := body["password"]; !ok {
		body["password"] = randomPassword() // the user sets their own through a password reset
	}
	meta, _ := body["app_metadata"].(map[string]any)
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]any{}
	}
	meta[mutationKey] = m.ID
	body["app_metadata"] = meta
	resp, err := send(ctx, s, http.MethodPost, "/api/v2/users", body)
	if err != nil {
		var pe *providers.Error
		if providers.IsInvalidRequest(err) && errors.As(err, &pe) && pe.Status == http.StatusConflict {
			if found, ferr := userByMutation(ctx, s, email, m.ID); ferr != nil || found != nil {
				return found, ferr
			}
		}
		return nil, err
	}
	return userRecord(resp)
}

// userByMutation returns the user with email that mutation id created, or nil.
func userByMutation(ctx context.Context, s *providers.Session, email, id string) (*providers.Record, error) {
	resp, err := get(ctx, s, "/api/v2/users-by-email", url.Values{"email": {email}})
	if err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if err := resp.DecodeJSON(&list); err != nil {
		return nil, err
	}
	for _, raw := range list {
		var u struct {
			AppMetadata map[string]any `json:"app_metadata"`
		}
		if err := json.Unmarshal(raw, &u); err != nil {
			return nil, providers.Malformed(err, "decoding user: %v", err)
		}
		if u.AppMetadata[mutationKey] == id {
			rec, err := toRecord(users, raw, time.Now())
			return &rec, err
		}
	}
	return nil, nil
}

// send sends a JSON request to a path under the API root.
func send(ctx context.Context, s *providers.Session, method, path string, body map[string]any) (*providers.Response, error) {
	base, err := apiBase(s)
	if err != nil {
		return nil, err
	}
	req := &providers.Request{Method: method, Path: base + path}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "encoding the mutation: " + err.Error(), Err: err}
		}
		req.Body, req.Header = b, http.Header{"Content-Type": {"application/json"}}
	}
	return s.Client.Do(ctx, req)
}

func userRecord(resp *providers.Response) (*providers.Record, error) {
	if !jsonscan.Valid(resp.Body) {
		return nil, providers.Malformed(nil, "the user answered is not JSON (%d bytes)", len(resp.Body))
	}
	rec, err := toRecord(users, resp.Body, time.Now())
	return &rec, err
}

// randomPassword returns a password meeting Auth0's strictest default policy.
func randomPassword() string {
	return "Sq1!" + rand.Text()
}
