package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Shopify's REST API takes no idempotency key for creates. Instead every create carries a metafield
// naming the mutation (namespace "sequin", key "mutation_id"); before a create is sent again (after
// a lost answer, or when the engine runs the mutation once more) the provider looks for an object
// carrying it among the few recent objects that match the data (same product title, same customer
// email), and returns that object instead of creating a second one.
const (
	markerNamespace = "sequin"
	markerKey       = "mutation_id"
	// maxCreateAttempts bounds the sends of one create.
	maxCreateAttempts = 4
	// candidateWindow is how far back a create looks for an earlier run of itself.
	candidateWindow = 24 * time.Hour
	// maxCandidates bounds the objects whose metafields one search reads.
	maxCandidates = 20
)

// invalid is an invalid-request error raised before anything is sent.
func invalid(format string, args ...any) *providers.Error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: "shopify: " + fmt.Sprintf(format, args...)}
}

// mutate applies a create, update or delete.
func (r *resource) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	if m == nil {
		return nil, invalid("no mutation")
	}
	if !slices.Contains(r.mutations, m.Kind) {
		return nil, invalid("%s does not accept %q mutations", r.id(), m.Kind)
	}
	if m.Kind != providers.MutationCreate && !validID(m.UpstreamID) {
		return nil, notFound(r.id(), m.UpstreamID)
	}
	switch m.Kind {
	case providers.MutationCreate:
		return r.create(ctx, s, m)
	case providers.MutationUpdate:
		return r.update(ctx, s, m)
	default:
		return r.remove(ctx, s, m.UpstreamID)
	}
}

// body renders {"<one>": data}.
func (r *resource) body(data map[string]any) ([]byte, error) {
	b, err := json.Marshal(map[string]any{r.one: data})
	if err != nil {
		return nil, invalid("encoding the %s: %v", r.one, err)
	}
	return b, nil
}

// objectRecord reads the object an answer carries.
func (r *resource) objectRecord(resp *providers.Response) (*providers.Record, error) {
	raw, err := decodeSingle(resp, r.one)
	if err != nil {
		return nil, err
	}
	id, updated, err := decodeHead(raw)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: id, UpdatedAt: updated, Data: raw}, nil
}

// create sends a create at most once per run of the mutation (see the comment above).
func (r *resource) create(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	data := make(map[string]any, len(m.Data)+1)
	for k, v := range m.Data {
		data[k] = v
	}
	if m.ID != "" {
		marker := map[string]any{"namespace": markerNamespace, "key": markerKey, "value": m.ID, "type": "single_line_text_field"}
		list, _ := data["metafields"].([]any)
		data["metafields"] = append(slices.Clone(list), marker)
		if rec, err := r.findCreated(ctx, s, m); err != nil || rec != nil {
			return rec, err
		}
	}
	body, err := r.body(data)
	if err != nil {
		return nil, err
	}
	// Send once per attempt: the client's own retries would resend a create whose answer was lost.
	once := *s.Client
	once.MaxAttempts = 1
	for attempt := 1; ; attempt++ {
		resp, err := do(ctx, s, &once, http.MethodPost, r.listPath(), nil, body)
		if err == nil {
			return r.objectRecord(resp)
		}
		if !providers.IsRetryable(err) || providers.IsRateLimited(err) || attempt == maxCreateAttempts || m.ID == "" {
			return nil, fmt.Errorf("shopify: create of %s: %w", r.id(), err)
		}
		rec, ferr := r.findCreated(ctx, s, m)
		if ferr != nil {
			return nil, fmt.Errorf("shopify: create of %s (and looking for it after the failure: %v): %w", r.id(), ferr, err)
		}
		if rec != nil {
			return rec, nil
		}
		if err := pause(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// pause waits before another attempt: up to 250ms, 500ms, 1s, with jitter.
func pause(ctx context.Context, attempt int) error {
	ceiling := 250 * time.Millisecond << (attempt - 1)
	t := time.NewTimer(ceiling/2 + rand.N(ceiling/2+1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// findCreated returns the object an earlier run of create m made, or nil.
func (r *resource) findCreated(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	if r.candidates == nil {
		return nil, nil
	}
	ids, err := r.candidates(ctx, s, m.Data)
	if err != nil {
		return nil, err
	}
	for _, id := range ids[:min(len(ids), maxCandidates)] {
		resp, err := get(ctx, s, "/"+r.name+"/"+id+"/metafields.json", url.Values{"namespace": {markerNamespace}, "key": {markerKey}})
		if providers.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		items, err := decodeList(resp, "metafields")
		if err != nil {
			return nil, err
		}
		for _, raw := range items {
			var mf struct {
				Namespace string `json:"namespace"`
				Key       string `json:"key"`
				Value     any    `json:"value"`
			}
			if json.Unmarshal(raw, &mf) == nil && mf.Namespace == markerNamespace && mf.Key == markerKey && mf.Value == m.ID {
				return r.get(ctx, s, id)
			}
		}
	}
	return nil, nil
}

// listIDs reads the ids of a list answer, newest (highest id) first.
func listIDs(resp *providers.Response, key string) ([]string, error) {
	items, err := decodeList(resp, key)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(items))
	for _, raw := range items {
		var h head
		if json.Unmarshal(raw, &h) == nil {
			if n, err := h.ID.Int64(); err == nil && n > 0 {
				ids = append(ids, n)
			}
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	out := make([]string, len(ids))
	for i, n := range ids {
		out[i] = strconv.FormatInt(n, 10)
	}
	return out, nil
}

// productCandidates lists recent products with the title a create names.
func productCandidates(ctx context.Context, s *providers.Session, data map[string]any) ([]string, error) {
	title, _ := data["title"].(string)
	if title == "" {
		return nil, nil
	}
	resp, err := get(ctx, s, "/products.json", url.Values{"title": {title}, "fields": {"id"},
		"created_at_min": {isoTime(time.Now().Add(-candidateWindow).Unix())}, "limit": {strconv.Itoa(pageSize)}})
	if err != nil {
		return nil, err
	}
	return listIDs(resp, "products")
}

// customerCandidates searches customers by the email, phone or name a create names.
func customerCandidates(ctx context.Context, s *providers.Session, data map[string]any) ([]string, error) {
	var query string
	email, _ := data["email"].(string)
	phone, _ := data["phone"].(string)
	first, _ := data["first_name"].(string)
	last, _ := data["last_name"].(string)
	switch {
	case email != "":
		query = "email:" + strconv.Quote(email)
	case phone != "":
		query = "phone:" + strconv.Quote(phone)
	case first != "" || last != "":
		if first != "" {
			query = "first_name:" + strconv.Quote(first)
		}
		if last != "" {
			query += " last_name:" + strconv.Quote(last)
		}
	default:
		return nil, nil
	}
	resp, err := get(ctx, s, "/customers/search.json", url.Values{"query": {query}, "fields": {"id"}, "limit": {strconv.Itoa(pageSize)}})
	if err != nil {
		return nil, err
	}
	return listIDs(resp, "customers")
}

// update sends the changed fields; an update is idempotent, so the client's retries are safe.
func (r *resource) update(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	data := make(map[string]any, len(m.Data)+1)
	for k, v := range m.Data {
		data[k] = v
	}
	n, _ := strconv.ParseInt(m.UpstreamID, 10, 64)
	data["id"] = n
	body, err := r.body(data)
	if err != nil {
		return nil, err
	}
	resp, err := do(ctx, s, s.Client, http.MethodPut, r.objectPath(m.UpstreamID), nil, body)
	if err != nil {
		return nil, fmt.Errorf("shopify: update of %s %s: %w", r.id(), m.UpstreamID, err)
	}
	return r.objectRecord(resp)
}

// remove deletes an object and returns its last copy marked Deleted. An object already gone (a
// delete run again after a lost answer) is reported as deleted too.
func (r *resource) remove(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	last, err := r.get(ctx, s, id)
	switch {
	case providers.IsNotFound(err):
		return &providers.Record{ID: id, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
	case err != nil:
		return nil, fmt.Errorf("shopify: reading %s %s before deleting it: %w", r.id(), id, err)
	}
	if _, err := do(ctx, s, s.Client, http.MethodDelete, r.objectPath(id), nil, nil); err != nil && !providers.IsNotFound(err) {
		return nil, fmt.Errorf("shopify: delete of %s %s: %w", r.id(), id, err)
	}
	at := time.Now().UTC()
	if last.UpdatedAt.After(at) {
		at = last.UpdatedAt
	}
	return &providers.Record{ID: id, UpdatedAt: at, Data: last.Data, Deleted: true}, nil
}
