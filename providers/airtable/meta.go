package airtable

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/sequinsync/sequin/providers"
)

// tablesPerPage is how many tables one backfill page of airtable:table holds; the schema API answers
// with every table at once, so a base with more tables is read again for each further page.
const tablesPerPage = 100

// maxBasePages bounds the pages Get reads looking for one base.
const maxBasePages = 50

// baseCollection is airtable:base, the bases the credential can reach (GET /v0/meta/bases). Airtable
// has no change feed of bases: the engine re-lists them and sweeps deleted ones.
func (p *Provider) baseCollection() *providers.Collection {
	return &providers.Collection{
		ID:          Name + ":" + baseCollectionName,
		Name:        baseCollectionName,
		Description: "Bases the credential can reach, with its permission level in each.",
		Fields: []providers.Field{
			{Name: "name", Type: "text"},
			{Name: "permission_level", Type: "text", Path: "permissionLevel"},
		},
		Deletes: providers.DeletesBySweep,
		Backfill: func(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
			c, err := parseBackfillCursor(cur)
			if err != nil {
				return nil, cursorError(err)
			}
			recs, next, err := listBases(ctx, s, c.Offset)
			if err != nil {
				return nil, err
			}
			page := &providers.Page{Records: recs, Total: -1, Done: next == ""}
			if next != "" {
				page.NextCursor = backfillCursor{Offset: next}.String()
			}
			return page, nil
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			if !baseIDPattern.MatchString(id) {
				return nil, notFound(id, "not a base id")
			}
			offset := ""
			for range maxBasePages {
				recs, next, err := listBases(ctx, s, offset)
				if err != nil {
					return nil, err
				}
				for _, r := range recs {
					if r.ID == id {
						return &r, nil
					}
				}
				if next == "" {
					break
				}
				offset = next
			}
			return nil, notFound(id, "no such base, or the credential cannot reach it")
		},
	}
}

// listBases reads one page of bases from offset ("" for the first).
func listBases(ctx context.Context, s *providers.Session, offset string) ([]providers.Record, string, error) {
	q := url.Values{}
	if offset != "" {
		q.Set("offset", offset)
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: "/v0/meta/bases", Query: q})
	if err != nil {
		return nil, "", err
	}
	var out struct {
		Bases  []json.RawMessage `json:"bases"`
		Offset string            `json:"offset"`
	}
	if err := resp.DecodeJSON(&out); err != nil {
		return nil, "", err
	}
	if out.Bases == nil {
		return nil, "", providers.Malformed(nil, "airtable: GET /v0/meta/bases: no bases list (%d bytes)", len(resp.Body))
	}
	at := fetchedAt(resp)
	recs := make([]providers.Record, 0, len(out.Bases))
	for i, raw := range out.Bases {
		var b struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &b); err != nil || !baseIDPattern.MatchString(b.ID) {
			return nil, "", providers.Malformed(err, "airtable: GET /v0/meta/bases: base %d has no id", i)
		}
		recs = append(recs, providers.Record{ID: b.ID, UpdatedAt: at, Data: raw})
	}
	if len(out.Offset) > maxOffset || (out.Offset != "" && out.Offset == offset) {
		return nil, "", providers.Malformed(nil, "airtable: GET /v0/meta/bases: the offset does not move on")
	}
	return recs, out.Offset, nil
}

// tableCollection is airtable:table, the tables of the base in options.base_id with their fields and
// views (GET /v0/meta/bases/{baseId}/tables).
func (p *Provider) tableCollection() *providers.Collection {
	return &providers.Collection{
		ID:          Name + ":" + tableCollectionName,
		Name:        tableCollectionName,
		Description: "Tables of the base in options.base_id, with their fields and views.",
		Fields: []providers.Field{
			{Name: "name", Type: "text"},
			{Name: "description", Type: "text"},
			{Name: "primary_field_id", Type: "text", Path: "primaryFieldId"},
			{Name: "fields", Type: "jsonb"},
			{Name: "views", Type: "jsonb"},
		},
		Deletes: providers.DeletesBySweep,
		Backfill: func(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
			c, err := parseBackfillCursor(cur)
			if err != nil {
				return nil, cursorError(err)
			}
			recs, err := tableRecords(ctx, s)
			if err != nil {
				return nil, err
			}
			end := min(c.Index+tablesPerPage, len(recs))
			page := &providers.Page{Records: recs[min(c.Index, end):end], Total: int64(len(recs)), Done: end >= len(recs)}
			if !page.Done {
				page.NextCursor = backfillCursor{Index: end}.String()
			}
			return page, nil
		},
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			if !tableIDPattern.MatchString(id) {
				return nil, notFound(id, "not a table id")
			}
			recs, err := tableRecords(ctx, s)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				if r.ID == id {
					return &r, nil
				}
			}
			return nil, notFound(id, "no such table in the base")
		},
	}
}

// tableRecords reads the base's tables as records.
func tableRecords(ctx context.Context, s *providers.Session) ([]providers.Record, error) {
	base, err := baseOf(s)
	if err != nil {
		return nil, err
	}
	raws, tables, at, err := fetchSchema(ctx, s, base)
	if err != nil {
		return nil, err
	}
	recs := make([]providers.Record, len(raws))
	for i, raw := range raws {
		recs[i] = providers.Record{ID: tables[i].ID, UpdatedAt: at, Data: raw}
	}
	return recs, nil
}

// notFound is the error of an id that names nothing this sync could hold.
func notFound(id, why string) error {
	return &providers.Error{Kind: providers.ErrNotFound, Message: "airtable: " + clip(id) + ": " + why}
}
