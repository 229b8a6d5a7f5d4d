package airtable

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Mutations create, update (PATCH, which leaves other fields alone) and delete records. Data holds the
// record's fields, as {"fields": {...}} (what the engine makes of column names) or as field names at
// the top level; "typecast": true lets Airtable convert values and add select options.
//
// Airtable has no idempotency key. A create is therefore never retried blindly:
//   - with options.mutation_marker_field naming a text field of the table, a create writes the
//     mutation's idempotency key into it and first looks for a record holding that key, so a create
//     run again (in any process) finds the record it made;
//   - without it, a create whose answer is lost looks for a record created since the mutation started
//     with the same field values and adopts it, and a create run again in the same process finds its
//     record in a log of mutation ids. A create re-run by another process after its first run made
//     the record without recording it can then create a second one; so can a retried create whose
//     values Airtable stores differently from how they were sent (typecast, date formats).

// createAttempts bounds the tries of a create whose failures may have been applied.
const createAttempts = 4

// findSlack is how long before a create started a record found by content may have been created: it
// covers the difference between our clock and Airtable's.
const findSlack = 2 * time.Minute

// mutate applies m to a table's records.
func (p *Provider) mutate(ctx context.Context, s *providers.Session, table string, m *providers.Mutation) (*providers.Record, error) {
	if m == nil {
		return nil, invalid("no mutation")
	}
	base, err := baseOf(s)
	if err != nil {
		return nil, err
	}
	fields, typecast, err := fieldsOf(m.Data)
	if err != nil {
		return nil, err
	}
	path := recordsPath(base, table)
	switch m.Kind {
	case providers.MutationCreate:
		return p.create(ctx, s, base, table, m, fields, typecast)
	case providers.MutationUpdate:
		if !validRecordID(m.UpstreamID) {
			return nil, notFound(m.UpstreamID, "not a record id")
		}
		body, err := writeBody(fields, typecast)
		if err != nil {
			return nil, err
		}
		resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPatch, Path: path + "/" + m.UpstreamID, Header: jsonHeader(), Body: body})
		if err != nil {
			return nil, fmt.Errorf("airtable: update of %s: %w", m.UpstreamID, err)
		}
		return written(resp, "PATCH "+path)
	case providers.MutationDelete:
		if !validRecordID(m.UpstreamID) {
			return nil, notFound(m.UpstreamID, "not a record id")
		}
		resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodDelete, Path: path + "/" + m.UpstreamID})
		switch {
		case providers.IsNotFound(err):
			// Already gone: a delete run again after a crash succeeds.
			return &providers.Record{ID: m.UpstreamID, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
		case err != nil:
			return nil, fmt.Errorf("airtable: delete of %s: %w", m.UpstreamID, err)
		}
		var out struct {
			ID      string `json:"id"`
			Deleted bool   `json:"deleted"`
		}
		if err := resp.DecodeJSON(&out); err != nil {
			return nil, err
		}
		if !out.Deleted || out.ID != m.UpstreamID {
			return nil, providers.Malformed(nil, "airtable: DELETE %s/%s did not say the record was deleted", path, m.UpstreamID)
		}
		return &providers.Record{ID: m.UpstreamID, UpdatedAt: fetchedAt(resp), Deleted: true}, nil
	}
	return nil, invalid("unknown mutation kind %q", m.Kind)
}

// fieldsOf reads a mutation's data: the "fields" object and any other keys as field names.
func fieldsOf(data map[string]any) (map[string]any, bool, error) {
	fields := map[string]any{}
	typecast := false
	for k, v := range data {
		switch k {
		case "fields":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false, invalid("data.fields must be an object of field names and values")
			}
			for name, fv := range m {
				fields[name] = fv
			}
		case "typecast":
			b, ok := v.(bool)
			if !ok {
				return nil, false, invalid("data.typecast must be a boolean")
			}
			typecast = b
		default:
			fields[k] = v
		}
	}
	return fields, typecast, nil
}

func writeBody(fields map[string]any, typecast bool) ([]byte, error) {
	body := map[string]any{"fields": fields}
	if typecast {
		body["typecast"] = true
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, invalid("encoding the record: %v", err)
	}
	return b, nil
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// written turns the answer of a write into a record.
func written(resp *providers.Response, where string) (*providers.Record, error) {
	h, err := decodeRecord(resp.Body, where)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: h.ID, UpdatedAt: fetchedAt(resp), Data: json.RawMessage(resp.Body)}, nil
}

// create makes a record once (see above).
func (p *Provider) create(ctx context.Context, s *providers.Session, base, table string, m *providers.Mutation, fields map[string]any, typecast bool) (*providers.Record, error) {
	if id, ok := p.created.lookup(m.ID); ok {
		rec, err := getRecord(ctx, s, table, id)
		if providers.IsNotFound(err) {
			return &providers.Record{ID: id, UpdatedAt: time.Now().UTC(), Deleted: true}, nil
		}
		return rec, err
	}
	marker := strings.TrimSpace(s.Option(OptionMarkerField))
	key := m.IdempotencyKey()
	find := func(ctx context.Context, since time.Time) (*providers.Record, error) {
		return findByContent(ctx, s, base, table, fields, since)
	}
	if marker != "" {
		fields[marker] = key
		find = func(ctx context.Context, _ time.Time) (*providers.Record, error) {
			return findByMarker(ctx, s, base, table, marker, key)
		}
		rec, err := find(ctx, time.Time{})
		if err != nil {
			return nil, fmt.Errorf("airtable: looking for the record of mutation %s: %w", m.ID, err)
		}
		if rec != nil {
			p.created.remember(m.ID, rec.ID)
			return rec, nil
		}
	}
	body, err := writeBody(fields, typecast)
	if err != nil {
		return nil, err
	}
	path := recordsPath(base, table)
	start := time.Now()
	once := *s.Client
	once.MaxAttempts = 1
	var lastErr error
	for range createAttempts {
		resp, err := once.Do(ctx, &providers.Request{Method: http.MethodPost, Path: path, Header: jsonHeader(), Body: body})
		if err == nil {
			rec, err := written(resp, "POST "+path)
			if err == nil {
				p.created.remember(m.ID, rec.ID)
			}
			return rec, err
		}
		if !providers.IsRetryable(err) || providers.IsRateLimited(err) {
			// Refused or rate limited: not applied.
			return nil, fmt.Errorf("airtable: create in %s: %w", table, err)
		}
		lastErr = err
		rec, ferr := find(ctx, start.Add(-findSlack))
		if ferr != nil {
			if !providers.IsRetryable(ferr) {
				return nil, fmt.Errorf("airtable: looking for the record a failed create may have made: %w", ferr)
			}
			continue
		}
		if rec != nil {
			p.created.remember(m.ID, rec.ID)
			return rec, nil
		}
	}
	return nil, fmt.Errorf("airtable: create in %s: %w", table, lastErr)
}

// formulaString quotes a value for a formula.
func formulaString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// findByMarker looks for the record whose marker field holds key.
func findByMarker(ctx context.Context, s *providers.Session, base, table, marker, key string) (*providers.Record, error) {
	q := url.Values{"pageSize": {"1"}, "filterByFormula": {"{" + marker + "} = " + formulaString(key)}}
	pg, err := listRecords(ctx, s, base, table, q)
	if err != nil {
		return nil, err
	}
	if len(pg.records) == 0 {
		return nil, nil
	}
	return &pg.records[0], nil
}

// maxFindPages bounds the pages of recent records a content lookup reads.
const maxFindPages = 5

// findByContent returns the newest record created since since whose fields hold the values sent.
func findByContent(ctx context.Context, s *providers.Session, base, table string, fields map[string]any, since time.Time) (*providers.Record, error) {
	want, err := normalize(fields)
	if err != nil {
		return nil, err
	}
	q := url.Values{"pageSize": {strconv.Itoa(pageSize)},
		"filterByFormula": {"IS_AFTER(CREATED_TIME(), DATETIME_PARSE('" + since.UTC().Format("2006-01-02T15:04:05.000Z") + "'))"}}
	var found *providers.Record
	for range maxFindPages {
		pg, err := listRecords(ctx, s, base, table, q)
		if err != nil {
			return nil, err
		}
		for i := range pg.records {
			var rec struct {
				Fields map[string]any `json:"fields"`
			}
			if json.Unmarshal(pg.records[i].Data, &rec) == nil && holds(rec.Fields, want) {
				found = &pg.records[i]
			}
		}
		if pg.offset == "" {
			break
		}
		q.Set("offset", pg.offset)
	}
	return found, nil
}

// normalize makes values comparable with decoded JSON.
func normalize(fields map[string]any) (map[string]any, error) {
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, invalid("encoding the record: %v", err)
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}

// holds reports whether a record's fields hold every sent value; an empty value (null, "", false, [])
// matches an absent field, as Airtable leaves empty cells out.
func holds(got, want map[string]any) bool {
	for k, w := range want {
		g, ok := got[k]
		if empty(w) {
			if ok && !empty(g) {
				return false
			}
			continue
		}
		if !ok || !reflect.DeepEqual(g, w) {
			return false
		}
	}
	return true
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case []any:
		return len(x) == 0
	}
	return false
}

// createdLog remembers which record each create mutation made, for a day.
type createdLog struct {
	mu   sync.Mutex
	byID map[string]createdEntry
}

type createdEntry struct {
	recordID string
	at       time.Time
}

const (
	createdLogTTL  = 24 * time.Hour
	createdLogSize = 10_000
)

func newCreatedLog() *createdLog { return &createdLog{byID: map[string]createdEntry{}} }

func (l *createdLog) lookup(mutationID string) (string, bool) {
	if mutationID == "" {
		return "", false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.byID[mutationID]
	if !ok || time.Since(e.at) > createdLogTTL {
		return "", false
	}
	return e.recordID, true
}

func (l *createdLog) remember(mutationID, recordID string) {
	if mutationID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.byID) >= createdLogSize {
		for id, e := range l.byID {
			if time.Since(e.at) > createdLogTTL || len(l.byID) >= createdLogSize {
				delete(l.byID, id)
			}
		}
	}
	l.byID[mutationID] = createdEntry{recordID: recordID, at: time.Now()}
}
