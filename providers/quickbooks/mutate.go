package quickbooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// mutate writes a customer. Creates carry requestid, QuickBooks' idempotency key: a create sent again
// with the same requestid answers the first create's result instead of creating twice. Updates are
// sparse and name the current SyncToken, read just before (and read again once if another writer
// moved it: the "Stale Object Error"). Customers cannot be deleted; a delete makes the customer
// inactive, which is what QuickBooks' own interface does.
func (e *entity) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	switch m.Kind {
	case providers.MutationCreate:
		return e.post(ctx, s, m.Data, url.Values{"requestid": {requestID(m.ID)}})
	case providers.MutationUpdate, providers.MutationDelete:
		if m.UpstreamID == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("a %s needs the %s's Id", m.Kind, e.collectionName())}
		}
	default:
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("unsupported mutation kind %q", m.Kind)}
	}
	data := m.Data
	if m.Kind == providers.MutationDelete {
		data = map[string]any{"Active": false}
	}
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		cur, gerr := e.get(ctx, s, m.UpstreamID)
		if gerr != nil {
			return nil, gerr
		}
		if m.Kind == providers.MutationDelete && cur.Deleted {
			return cur, nil // already inactive: a repeated delete succeeds
		}
		var h head
		if jerr := json.Unmarshal(cur.Data, &h); jerr != nil {
			return nil, providers.Malformed(jerr, "decoding %s %s: %v", e.name, m.UpstreamID, jerr)
		}
		body := maps.Clone(data)
		if body == nil {
			body = map[string]any{}
		}
		body["Id"], body["SyncToken"], body["sparse"] = m.UpstreamID, h.Token, true
		var rec *providers.Record
		rec, err = e.post(ctx, s, body, nil)
		if err == nil {
			return rec, nil
		}
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Code != "5010" {
			return nil, err
		}
	}
	return nil, err
}

// post sends a create or update and reads the object answered.
func (e *entity) post(ctx context.Context, s *providers.Session, body map[string]any, q url.Values) (*providers.Record, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "encoding the mutation: " + err.Error(), Err: err}
	}
	if q == nil {
		q = url.Values{}
	}
	q.Set("minorversion", MinorVersion)
	resp, err := s.Client.Do(ctx, &providers.Request{Method: "POST", Path: companyBase(s) + "/" + e.collectionName(), Query: q, Body: b,
		Header: map[string][]string{"Content-Type": {"application/json"}}})
	if err != nil {
		return nil, err
	}
	rec, err := e.single(resp)
	if err != nil {
		return nil, err
	}
	if rec.UpdatedAt.IsZero() {
		rec.UpdatedAt = time.Now()
	}
	return rec, nil
}

// requestID derives the requestid (at most 50 characters) from the mutation id.
func requestID(mutationID string) string {
	if len(mutationID) <= 50 {
		return mutationID
	}
	sum := sha256.Sum256([]byte(mutationID))
	return hex.EncodeToString(sum[:])[:50]
}
