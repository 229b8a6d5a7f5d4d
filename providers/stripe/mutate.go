package stripe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// mutate applies a create, update or delete. Creates and updates are form-encoded POSTs carrying the
// mutation's idempotency key, so a request retried after a lost response (by the client, or by the
// engine re-running the mutation) is applied once: Stripe replays the first answer for 24 hours.
func (t *objectType) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	if m == nil {
		return nil, invalid("no mutation")
	}
	allowed := false
	for _, k := range t.mutations {
		allowed = allowed || k == m.Kind
	}
	if !allowed {
		return nil, invalid(fmt.Sprintf("%s does not accept %q mutations", t.collectionID(), m.Kind))
	}
	if m.Kind != providers.MutationCreate && m.UpstreamID == "" {
		return nil, invalid(fmt.Sprintf("a %s mutation of %s needs the upstream id", m.Kind, t.collectionID()))
	}
	switch m.Kind {
	case providers.MutationCreate:
		return t.post(ctx, s, t.path, m)
	case providers.MutationUpdate:
		return t.post(ctx, s, t.objectPath(m.UpstreamID), m)
	default:
		if t.cancelOnDelete {
			return t.cancel(ctx, s, m.UpstreamID)
		}
		return t.delete(ctx, s, m.UpstreamID)
	}
}

// objectPath is the URL path of one object.
func (t *objectType) objectPath(id string) string { return t.path + "/" + url.PathEscape(id) }

// post sends m.Data to path and returns the object Stripe answers with.
func (t *objectType) post(ctx context.Context, s *providers.Session, path string, m *providers.Mutation) (*providers.Record, error) {
	data, err := normalize(m.Data)
	if err != nil {
		return nil, invalid(err.Error())
	}
	body, err := encodeForm(data)
	if err != nil {
		return nil, invalid(err.Error())
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if m.ID != "" {
		h.Set("Idempotency-Key", m.IdempotencyKey())
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPost, Path: path, Header: h, Body: []byte(body)})
	if err != nil {
		return nil, fmt.Errorf("stripe: %s of %s: %w", m.Kind, t.collectionID(), err)
	}
	raw, obj, err := decodeObject(resp, "POST "+path)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: obj.ID, UpdatedAt: versionTime(obj, fetchedAt(resp)), Data: raw}, nil
}

// delete deletes an object and returns its last copy marked Deleted. An object that is already gone
// (a delete retried after a lost response) is reported as deleted too.
func (t *objectType) delete(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	last, h, at, err := getObject(ctx, s, t.path, id)
	switch {
	case providers.IsNotFound(err):
		return &providers.Record{ID: id, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
	case err != nil:
		return nil, fmt.Errorf("stripe: reading %s %s before deleting it: %w", t.collectionID(), id, err)
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodDelete, Path: t.objectPath(id)})
	if err != nil && !providers.IsNotFound(err) {
		return nil, fmt.Errorf("stripe: delete of %s %s: %w", t.collectionID(), id, err)
	}
	if resp != nil {
		at = fetchedAt(resp)
	}
	return &providers.Record{ID: h.ID, UpdatedAt: at, Data: last, Deleted: true}, nil
}

// cancel cancels an object that stays retrievable once canceled (a subscription) and returns it. A
// cancel retried after a lost response finds it canceled already and returns it as it is.
func (t *objectType) cancel(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodDelete, Path: t.objectPath(id)})
	if err != nil {
		if !providers.IsInvalidRequest(err) {
			return nil, fmt.Errorf("stripe: cancel of %s %s: %w", t.collectionID(), id, err)
		}
		raw, h, at, gerr := getObject(ctx, s, t.path, id)
		if gerr != nil || !canceled(raw) {
			return nil, fmt.Errorf("stripe: cancel of %s %s: %w", t.collectionID(), id, err)
		}
		return &providers.Record{ID: h.ID, UpdatedAt: at, Data: raw}, nil
	}
	raw, h, err := decodeObject(resp, "DELETE "+t.path)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: h.ID, UpdatedAt: fetchedAt(resp), Data: raw}, nil
}

// canceled reports whether an object's status is "canceled".
func canceled(raw []byte) bool {
	var o struct {
		Status string `json:"status"`
	}
	return json.Unmarshal(raw, &o) == nil && o.Status == "canceled"
}

// invalid is an invalid-request error raised before anything is sent.
func invalid(msg string) *providers.Error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: "stripe: " + msg}
}
