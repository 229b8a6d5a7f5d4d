package netsuite

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// mutate writes a record through the REST record service and reads it back through SuiteQL.
//
// A create is an upsert by external id (PUT /record/v1/<type>/eid:<externalId>): the external id is
// the data's externalId or else the mutation's key, so a create retried after a lost answer, or run
// again by the engine, finds the record it made instead of making another.
func (t *recordType) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	switch m.Kind {
	case providers.MutationCreate:
		data := make(map[string]any, len(m.Data))
		for k, v := range m.Data {
			data[k] = v
		}
		ext, _ := data["externalId"].(string)
		if ext == "" {
			ext = m.IdempotencyKey()
		}
		delete(data, "externalId")
		id, err := t.write(ctx, s, http.MethodPut, "eid:"+url.PathEscape(ext), data)
		if err != nil {
			return nil, err
		}
		return t.get(ctx, s, id)
	case providers.MutationUpdate:
		if !idPattern.MatchString(m.UpstreamID) {
			return nil, &providers.Error{Kind: providers.ErrNotFound, Message: "no " + t.name + " has the id " + clip(m.UpstreamID)}
		}
		if _, err := t.write(ctx, s, http.MethodPatch, m.UpstreamID, m.Data); err != nil {
			return nil, err
		}
		return t.get(ctx, s, m.UpstreamID)
	case providers.MutationDelete:
		if !idPattern.MatchString(m.UpstreamID) {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "a delete needs the record's internal id"}
		}
		_, err := do(ctx, s, http.MethodDelete, recordPath+t.restType+"/"+m.UpstreamID, nil, nil, nil)
		if err != nil && !providers.IsNotFound(err) { // a record already gone is the delete's outcome
			return nil, err
		}
		return &providers.Record{ID: m.UpstreamID, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
	}
	return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "unsupported mutation kind " + string(m.Kind)}
}

// write sends a record body and returns the internal id its Location header names.
func (t *recordType) write(ctx context.Context, s *providers.Session, method, key string, data map[string]any) (string, error) {
	body, err := json.Marshal(data)
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrInvalidRequest, Message: "encoding the record: " + err.Error(), Err: err}
	}
	resp, err := do(ctx, s, method, recordPath+t.restType+"/"+key, nil, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return "", err
	}
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	id := ""
	if err == nil {
		id = path.Base(strings.TrimRight(u.Path, "/"))
	}
	if !idPattern.MatchString(id) {
		return "", providers.Malformed(err, "netsuite: %s %s answered without a record Location (%q)", method, t.restType, clip(loc))
	}
	return id, nil
}
