package airtable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// pageSize is the number of records asked for per list request, Airtable's maximum.
const pageSize = 100

var webhookIDPattern = regexp.MustCompile(`^ach[A-Za-z0-9]{14}$`)

// DiscoverCollection builds the collection of a table of the base in options.base_id from the
// schema API: its records, with a typed column per field.
func (p *Provider) DiscoverCollection(ctx context.Context, s *providers.Session, name string) (*providers.Collection, error) {
	if !providers.ValidCollectionName(name) || name == baseCollectionName || name == tableCollectionName {
		return nil, notFound(name, "not the collection name of a table")
	}
	base, err := baseOf(s)
	if err != nil {
		return nil, err
	}
	webhook := strings.TrimSpace(s.Option(OptionWebhookID))
	if webhook != "" && !webhookIDPattern.MatchString(webhook) {
		return nil, invalid("options.webhook_id %q is not a webhook id (ach and 14 letters or digits)", clip(webhook))
	}
	_, tables, _, err := fetchSchema(ctx, s, base)
	if err != nil {
		return nil, err
	}
	names := tableNames(tables)
	for _, t := range tables {
		if names[t.ID] == name {
			return p.recordCollection(t, name, webhook != ""), nil
		}
	}
	return nil, notFound(name, "the base "+base+" has no table of that name")
}

// recordCollection is the collection of a table's records. Its functions read the base from the
// session on each call; only the table's id (stable across renames) is kept.
func (p *Provider) recordCollection(t tableSchema, name string, webhook bool) *providers.Collection {
	tableID := t.ID
	deletes := providers.DeletesBySweep
	if webhook {
		deletes = providers.DeletesInChanges
	}
	return &providers.Collection{
		ID:          Name + ":" + name,
		Name:        name,
		Description: fmt.Sprintf("Records of the table %q (%s).", t.Name, t.ID),
		Fields:      columns(t),
		Deletes:     deletes,
		Backfill: func(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
			return backfillRecords(ctx, s, tableID, cur)
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getRecord(ctx, s, tableID, id)
		},
		Checkpoint: func(ctx context.Context, s *providers.Session) (string, error) {
			return checkpoint(ctx, s)
		},
		Changes: func(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
			return changes(ctx, s, tableID, cur)
		},
		MutationKinds: []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete},
		Mutate: func(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
			return p.mutate(ctx, s, tableID, m)
		},
	}
}

// recordsPath is the path of a table's records.
func recordsPath(base, table string) string {
	return "/v0/" + url.PathEscape(base) + "/" + url.PathEscape(table)
}

// recordHead holds what is read of any record.
type recordHead struct {
	ID          string          `json:"id"`
	CreatedTime string          `json:"createdTime"`
	Fields      json.RawMessage `json:"fields"`
}

// decodeRecord checks a record's shape: an id and a fields object.
func decodeRecord(raw json.RawMessage, where string) (*recordHead, error) {
	var h recordHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, providers.Malformed(err, "airtable: %s: %v", where, err)
	}
	if !validRecordID(h.ID) || len(h.Fields) == 0 || h.Fields[0] != '{' {
		return nil, providers.Malformed(nil, "airtable: %s: a record without an id or fields", where)
	}
	return &h, nil
}

// recordPage is one page of a record listing.
type recordPage struct {
	records []providers.Record
	offset  string
	at      time.Time
}

// listRecords reads one page of a table's records with the query q.
func listRecords(ctx context.Context, s *providers.Session, base, table string, q url.Values) (*recordPage, error) {
	path := recordsPath(base, table)
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return nil, err
	}
	var out struct {
		Records []json.RawMessage `json:"records"`
		Offset  string            `json:"offset"`
	}
	if err := resp.DecodeJSON(&out); err != nil {
		return nil, err
	}
	if out.Records == nil {
		return nil, providers.Malformed(nil, "airtable: GET %s: no records list (%d bytes)", path, len(resp.Body))
	}
	if len(out.Offset) > maxOffset || (out.Offset != "" && out.Offset == q.Get("offset")) {
		return nil, providers.Malformed(nil, "airtable: GET %s: the offset does not move on", path)
	}
	pg := &recordPage{offset: out.Offset, at: fetchedAt(resp), records: make([]providers.Record, 0, len(out.Records))}
	for _, raw := range out.Records {
		h, err := decodeRecord(raw, "GET "+path)
		if err != nil {
			return nil, err
		}
		pg.records = append(pg.records, providers.Record{ID: h.ID, UpdatedAt: pg.at, Data: raw})
	}
	return pg, nil
}

// iteratorGone reports whether a listing's offset expired: Airtable asks to start the listing again.
func iteratorGone(err error) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && pe.Code == errIteratorGone
}

// backfillRecords lists a table's records a page at a time. Each record's version time is when
// Airtable answered: records carry no modification time of their own unless the table has a
// last-modified field, and one clock for every copy keeps newer copies newer. An offset Airtable no
// longer honours restarts the listing; the records read again are unchanged for the engine.
func backfillRecords(ctx context.Context, s *providers.Session, table, cur string) (*providers.Page, error) {
	c, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	base, err := baseOf(s)
	if err != nil {
		return nil, err
	}
	q := url.Values{"pageSize": {strconv.Itoa(pageSize)}}
	if c.Offset != "" {
		q.Set("offset", c.Offset)
	}
	pg, err := listRecords(ctx, s, base, table, q)
	if iteratorGone(err) && c.Offset != "" {
		q.Del("offset")
		pg, err = listRecords(ctx, s, base, table, q)
	}
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Records: pg.records, Total: -1, Done: pg.offset == ""}
	if !page.Done {
		page.NextCursor = backfillCursor{Offset: pg.offset}.String()
	}
	return page, nil
}

// getRecord reads one record: GET /v0/{baseId}/{tableId}/{recordId}.
func getRecord(ctx context.Context, s *providers.Session, table, id string) (*providers.Record, error) {
	if !validRecordID(id) {
		return nil, notFound(id, "not a record id")
	}
	base, err := baseOf(s)
	if err != nil {
		return nil, err
	}
	path := recordsPath(base, table) + "/" + id
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return nil, err
	}
	h, err := decodeRecord(resp.Body, "GET "+path)
	if err != nil {
		return nil, err
	}
	if h.ID != id {
		return nil, providers.Malformed(nil, "airtable: GET %s answered record %s", path, h.ID)
	}
	return &providers.Record{ID: id, UpdatedAt: fetchedAt(resp), Data: json.RawMessage(resp.Body)}, nil
}
