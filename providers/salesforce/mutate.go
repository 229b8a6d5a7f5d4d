package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Mutations go through the composite resource, which runs a write and the read of its result in one
// request (counted as one call against the daily allocation), all or none.
//
// Salesforce takes no idempotency key. Creates are made idempotent in one of two ways:
//   - With the sync option external_id_field naming an External ID field (unique, text) that the
//     object has, a create is an upsert keyed by the mutation's idempotency key: run again, after a
//     lost answer or by the engine, it finds the record it made and only updates it with the same
//     values.
//   - Otherwise a create is sent once per attempt (the client's own retries would resend it), and
//     before another attempt the provider looks for the record the lost attempt may have made:
//     one created by the API user since shortly before the first attempt with every filterable value
//     of the create. One match is taken as that record; none means the attempt was not applied. This
//     covers retries within one run only: a run of the same mutation in a later process cannot tell
//     its record from an identical one created on purpose, so it creates.
//
// Updates (PATCH) and deletes are idempotent by nature: a delete of a record already deleted
// succeeds.
const (
	// maxCreateAttempts bounds the sends of one create without an external id.
	maxCreateAttempts = 4
	// createSkew is how far before the first attempt the search for its record looks, for clock skew.
	createSkew = 2 * time.Minute
)

// compositeResult is one subrequest's answer.
type compositeResult struct {
	Body           json.RawMessage `json:"body"`
	HTTPStatusCode int             `json:"httpStatusCode"`
	ReferenceID    string          `json:"referenceId"`
}

// subrequest is one request of a composite call.
type subrequest struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	ReferenceID string `json:"referenceId"`
	Body        any    `json:"body,omitempty"`
}

// composite sends subrequests in one call and returns their answers by reference id.
func composite(ctx context.Context, s *providers.Session, client *providers.Client, allOrNone bool, subs ...subrequest) (map[string]compositeResult, error) {
	resp, err := do(ctx, s, request{method: http.MethodPost, path: dataPath + "/composite", client: client,
		body: map[string]any{"allOrNone": allOrNone, "compositeRequest": subs}})
	if err != nil {
		return nil, err
	}
	var out struct {
		CompositeResponse []compositeResult `json:"compositeResponse"`
	}
	if err := resp.DecodeJSON(&out); err != nil {
		return nil, err
	}
	byRef := make(map[string]compositeResult, len(out.CompositeResponse))
	for _, r := range out.CompositeResponse {
		byRef[r.ReferenceID] = r
	}
	for _, sub := range subs {
		if _, ok := byRef[sub.ReferenceID]; !ok {
			return nil, providers.Malformed(nil, "salesforce: the composite answer has no result for %s", sub.ReferenceID)
		}
	}
	return byRef, nil
}

// failure classifies a failed subrequest. With allOrNone, the subrequests rolled back because
// another failed say PROCESSING_HALTED; the one that failed is reported.
func failure(results map[string]compositeResult, refs ...string) error {
	var halted error
	for _, ref := range refs {
		r := results[ref]
		if r.HTTPStatusCode < 400 {
			continue
		}
		e := classify(r.HTTPStatusCode, nil, r.Body, time.Now())
		if e.Code != "PROCESSING_HALTED" {
			return e
		}
		if halted == nil {
			halted = e
		}
	}
	return halted
}

// mutate applies a create, update or delete.
func (t *sobjectType) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	if m == nil {
		return nil, invalid("no mutation")
	}
	if !slices.Contains(t.mutations, m.Kind) {
		return nil, invalid("%s does not accept %q mutations", t.id(), m.Kind)
	}
	if m.Kind != providers.MutationCreate && !validID(m.UpstreamID) {
		return nil, notFound(fmt.Sprintf("%s has no record %q", t.api, clip(m.UpstreamID)))
	}
	d, err := describe(ctx, s, t.api, false)
	if err != nil {
		return nil, fmt.Errorf("salesforce: describing %s: %w", t.api, err)
	}
	data, err := writable(m.Data)
	if err != nil {
		return nil, err
	}
	switch m.Kind {
	case providers.MutationCreate:
		return t.create(ctx, s, d, m, data)
	case providers.MutationUpdate:
		return t.update(ctx, s, d, m.UpstreamID, data)
	default:
		return t.remove(ctx, s, d, m.UpstreamID)
	}
}

// writable checks mutation data: field API names to values; Id and attributes cannot be written.
func writable(data map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(data))
	for k, v := range data {
		switch {
		case k == "attributes":
			continue
		case strings.EqualFold(k, "Id"):
			return nil, invalid("the Id of a record cannot be written")
		case !apiName(k):
			return nil, invalid("%q is not a field API name", clip(k))
		}
		out[k] = v
	}
	return out, nil
}

// readBack is the subrequest reading a record after a write, with the fields of queries; id may be a
// reference to an earlier subrequest's result ("@{create.id}"), which must stay unescaped.
func (t *sobjectType) readBack(d *description, id string) subrequest {
	path := dataPath + "/sobjects/" + t.api + "/" + id
	if !strings.HasPrefix(id, "@{") {
		path = t.recordPath(id)
	}
	return subrequest{Method: http.MethodGet, ReferenceID: "record", URL: path + "?fields=" + url.QueryEscape(compact(d.selectList()))}
}

// recordOf decodes the read-back of a composite call.
func (t *sobjectType) recordOf(results map[string]compositeResult) (*providers.Record, error) {
	rec, err := decodeRecord(results["record"].Body, t.stamp, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// externalIDField returns the sync's external id field when this object has it as an External ID.
func externalIDField(s *providers.Session, d *description) string {
	name, _ := s.Options[optionExternalID].(string)
	if f := d.field(name); name != "" && f != nil && f.ExternalID {
		return f.Name
	}
	return ""
}

// create makes a record (see the comment at the top for idempotency).
func (t *sobjectType) create(ctx context.Context, s *providers.Session, d *description, m *providers.Mutation, data map[string]any) (*providers.Record, error) {
	if ext := externalIDField(s, d); ext != "" && m.ID != "" {
		delete(data, ext)
		results, err := composite(ctx, s, nil, true,
			subrequest{Method: http.MethodPatch, ReferenceID: "upsert", Body: data,
				URL: dataPath + "/sobjects/" + t.api + "/" + ext + "/" + url.PathEscape(m.IdempotencyKey())},
			t.readBack(d, "@{upsert.id}"))
		if err != nil {
			return nil, fmt.Errorf("salesforce: create of %s: %w", t.id(), err)
		}
		if err := failure(results, "upsert", "record"); err != nil {
			return nil, fmt.Errorf("salesforce: create of %s: %w", t.id(), err)
		}
		return t.recordOf(results)
	}
	once := *s.Client
	once.MaxAttempts = 1
	since := time.Now().Add(-createSkew)
	for attempt := 1; ; attempt++ {
		results, err := composite(ctx, s, &once, true,
			subrequest{Method: http.MethodPost, ReferenceID: "create", Body: data, URL: dataPath + "/sobjects/" + t.api},
			t.readBack(d, "@{create.id}"))
		if err == nil {
			if err := failure(results, "create", "record"); err != nil {
				return nil, fmt.Errorf("salesforce: create of %s: %w", t.id(), err)
			}
			return t.recordOf(results)
		}
		if !providers.IsRetryable(err) || providers.IsRateLimited(err) || attempt == maxCreateAttempts {
			return nil, fmt.Errorf("salesforce: create of %s: %w", t.id(), err)
		}
		rec, ferr := t.findCreated(ctx, s, d, data, since)
		if ferr != nil {
			return nil, fmt.Errorf("salesforce: create of %s (and looking for it after the failure: %v): %w", t.id(), ferr, err)
		}
		if rec != nil {
			return rec, nil
		}
		if err := pause(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// findCreated looks for the record an attempt of a create may have made; nil when there is none.
func (t *sobjectType) findCreated(ctx context.Context, s *providers.Session, d *description, data map[string]any, since time.Time) (*providers.Record, error) {
	conds := []string{"CreatedDate >= " + soqlDateTime(since.Truncate(time.Second))}
	if tr := transportOf(s); tr != nil {
		if _, user := tr.current(); user != "" {
			conds = append(conds, "CreatedById = "+soqlString(user))
		}
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	matched := 0
	for _, k := range keys {
		f := d.field(k)
		if f == nil || !f.Filterable {
			continue
		}
		if lit, ok := soqlLiteral(f.Type, data[k]); ok {
			conds = append(conds, f.Name+" = "+lit)
			matched++
		}
	}
	if matched == 0 {
		return nil, fmt.Errorf("none of the values of the create can be searched for")
	}
	p, err := runQuery(ctx, s, "SELECT Id FROM "+t.api+" WHERE "+strings.Join(conds, " AND ")+" ORDER BY CreatedDate DESC LIMIT 2", false)
	if err != nil {
		return nil, err
	}
	switch len(p.Records) {
	case 0:
		return nil, nil
	case 1:
		var h head
		if err := json.Unmarshal(p.Records[0], &h); err != nil || !validID(h.ID) {
			return nil, providers.Malformed(err, "salesforce: a search result without an Id")
		}
		return t.get(ctx, s, h.ID)
	}
	return nil, fmt.Errorf("more than one record matches; not guessing which one the lost attempt made")
}

// pause waits before another attempt: up to 250ms, 500ms, 1s, with jitter.
func pause(ctx context.Context, attempt int) error {
	ceiling := 250 * time.Millisecond << (attempt - 1)
	timer := time.NewTimer(ceiling/2 + rand.N(ceiling/2+1))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// update writes the fields of data (null clears a field) and reads the record back.
func (t *sobjectType) update(ctx context.Context, s *providers.Session, d *description, id string, data map[string]any) (*providers.Record, error) {
	if len(data) == 0 {
		return t.get(ctx, s, id)
	}
	results, err := composite(ctx, s, nil, true,
		subrequest{Method: http.MethodPatch, ReferenceID: "update", Body: data, URL: t.recordPath(id)},
		t.readBack(d, id))
	if err != nil {
		return nil, fmt.Errorf("salesforce: update of %s %s: %w", t.id(), id, err)
	}
	if err := failure(results, "update", "record"); err != nil {
		return nil, fmt.Errorf("salesforce: update of %s %s: %w", t.id(), id, err)
	}
	return t.recordOf(results)
}

// remove reads a record's last copy and deletes it in one call. A record already gone (a delete run
// again after a lost answer) is reported as deleted too.
func (t *sobjectType) remove(ctx context.Context, s *providers.Session, d *description, id string) (*providers.Record, error) {
	read := t.readBack(d, id)
	results, err := composite(ctx, s, nil, false, read,
		subrequest{Method: http.MethodDelete, ReferenceID: "delete", URL: t.recordPath(id)})
	if err != nil {
		return nil, fmt.Errorf("salesforce: delete of %s %s: %w", t.id(), id, err)
	}
	gone := &providers.Record{ID: id, UpdatedAt: time.Now().UTC(), Deleted: true}
	if err := failure(results, "delete"); err != nil {
		if providers.IsNotFound(err) {
			return gone, nil
		}
		return nil, fmt.Errorf("salesforce: delete of %s %s: %w", t.id(), id, err)
	}
	if results["record"].HTTPStatusCode == http.StatusOK {
		if last, err := decodeRecord(results["record"].Body, t.stamp, gone.UpdatedAt); err == nil {
			gone.ID, gone.Data = last.ID, last.Data
			gone.UpdatedAt = maxTime(gone.UpdatedAt, last.UpdatedAt)
		}
	}
	return gone, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
