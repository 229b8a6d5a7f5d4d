package servicenow

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// mutate creates, updates or deletes a task record.
//
// The Table API has no idempotency key, so a create is made idempotent through the task's
// correlation_id (meant for an external system's id): it carries the mutation's key (or the
// correlation_id the data sets), the record is looked up by it before posting, and a post whose
// answer was lost is looked up again instead of being sent twice.
func (t *tableType) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	switch m.Kind {
	case providers.MutationCreate:
		return t.create(ctx, s, m)
	case providers.MutationUpdate:
		if m.UpstreamID == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "an update needs the record's sys_id"}
		}
		body, err := json.Marshal(values(m.Data))
		if err != nil {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "encoding the update: " + err.Error(), Err: err}
		}
		resp, err := do(ctx, s, s.Client, http.MethodPatch, tablePath(t.name, m.UpstreamID), readQuery(), body)
		if err != nil {
			return nil, err
		}
		return decodeOne(resp, "PATCH "+t.name)
	case providers.MutationDelete:
		if m.UpstreamID == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "a delete needs the record's sys_id"}
		}
		_, err := do(ctx, s, s.Client, http.MethodDelete, tablePath(t.name, m.UpstreamID), nil, nil)
		if err != nil && !providers.IsNotFound(err) { // a record already gone is the delete's outcome
			return nil, err
		}
		return &providers.Record{ID: m.UpstreamID, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
	}
	return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "unsupported mutation kind " + string(m.Kind)}
}

// create posts a record unless one with the mutation's correlation_id exists.
func (t *tableType) create(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	data := values(m.Data)
	key, _ := data["correlation_id"].(string)
	if key == "" {
		key = m.IdempotencyKey()
		data["correlation_id"] = key
	}
	if strings.ContainsAny(key, "^\n") {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "correlation_id must not contain ^ or line breaks"}
	}
	if rec, err := t.byCorrelation(ctx, s, key); err != nil || rec != nil {
		return rec, err
	}
	body, err := json.Marshal(data)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "encoding the record: " + err.Error(), Err: err}
	}
	once := *s.Client
	once.MaxAttempts = 1 // a failed post is looked up, not blindly sent again
	resp, err := do(ctx, s, &once, http.MethodPost, tablePath(t.name, ""), readQuery(), body)
	if err == nil {
		return decodeOne(resp, "POST "+t.name)
	}
	if !providers.IsRetryable(err) || providers.IsRateLimited(err) {
		return nil, err
	}
	rec, lerr := t.byCorrelation(ctx, s, key)
	if lerr != nil || rec == nil {
		return nil, err // the engine runs the mutation again, which looks up first
	}
	return rec, nil
}

// byCorrelation returns the record whose correlation_id is key, or nil.
func (t *tableType) byCorrelation(ctx context.Context, s *providers.Session, key string) (*providers.Record, error) {
	q := readQuery()
	q.Set("sysparm_query", "correlation_id="+key+"^ORDERBYsys_created_on")
	q.Set("sysparm_limit", "1")
	resp, err := do(ctx, s, s.Client, http.MethodGet, tablePath(t.name, ""), q, nil)
	if err != nil {
		return nil, err
	}
	rows, err := decodeRows(resp, "GET "+t.name)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &providers.Record{ID: rows[0].SysID, UpdatedAt: rows[0].updated, Data: rows[0].raw}, nil
}

// values copies mutation data for a request body; the Table API takes every value as a string or a
// JSON scalar, and an empty string clears a field, so nil (unset) becomes "".
func values(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		if v == nil {
			v = ""
		}
		out[k] = v
	}
	return out
}
