package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// overlap is how far before the newest stamp seen each pass looks again. SystemModstamp is set
	// when a transaction writes, not when it commits, so a long transaction (triggers, flows, bulk
	// loads) can make a record visible after later-stamped ones were already read.
	overlap = 2 * time.Minute
	// maxChangePages bounds the query pages one Changes call reads; More says when there is more.
	maxChangePages = 5
)

// sobjectType is one object as a collection, described as data: its functions read everything else
// (the field list of queries) from the session's org, never from the process that built it.
type sobjectType struct {
	// api is the object's API name ("Account", "Invoice__c").
	api         string
	description string
	fields      []providers.Field
	// stamp is the field that changes with every write (SystemModstamp, else LastModifiedDate, else
	// CreatedDate for objects that are never updated); "" means changes cannot be followed.
	stamp string
	// queryAll says the object has IsDeleted, so changes use queryAll and deletes arrive with them.
	queryAll  bool
	deletes   providers.DeleteDetection
	mutations []providers.MutationKind
}

func (t *sobjectType) name() string { return collectionName(t.api) }
func (t *sobjectType) id() string   { return Name + ":" + t.name() }

// collection builds the providers.Collection.
func (t *sobjectType) collection() *providers.Collection {
	c := &providers.Collection{
		ID: t.id(), Name: t.name(), Description: t.description, Fields: t.fields, Deletes: t.deletes,
		Backfill: t.backfill, Get: t.get,
	}
	if t.stamp != "" {
		c.Checkpoint, c.Changes = t.checkpoint, t.changes
	}
	if len(t.mutations) > 0 {
		c.MutationKinds, c.Mutate = t.mutations, t.mutate
	}
	return c
}

// discovered turns an object's describe into a collection type.
func discovered(d *description) *sobjectType {
	t := &sobjectType{api: d.Name, fields: columns(d.Fields), deletes: providers.DeletesNone,
		description: fmt.Sprintf("Records of the %s object (%s), with columns from its describe.", d.Label, d.Name)}
	for _, f := range []string{"SystemModstamp", "LastModifiedDate", "CreatedDate"} {
		if df := d.field(f); df != nil && df.Type == "datetime" {
			t.stamp = f
			break
		}
	}
	if f := d.field("IsDeleted"); f != nil && f.Type == "boolean" {
		t.queryAll = true
	}
	switch {
	case t.queryAll && t.stamp != "":
		t.deletes = providers.DeletesInChanges
	case d.Deletable:
		t.deletes = providers.DeletesBySweep
	}
	if d.Createable {
		t.mutations = append(t.mutations, providers.MutationCreate)
	}
	if d.Updateable {
		t.mutations = append(t.mutations, providers.MutationUpdate)
	}
	if d.Deletable {
		t.mutations = append(t.mutations, providers.MutationDelete)
	}
	return t
}

// query runs a statement built from the object's current field list. A field list that no longer
// matches the org (a field deleted since the describe was cached) is read again once.
func (t *sobjectType) query(ctx context.Context, s *providers.Session, build func(fields string) string, all bool) (*queryPage, error) {
	for attempt := 0; ; attempt++ {
		d, err := describe(ctx, s, t.api, false)
		if err != nil {
			return nil, fmt.Errorf("salesforce: describing %s: %w", t.api, err)
		}
		p, err := runQuery(ctx, s, build(d.selectList()), all)
		if errorCode(err) == "INVALID_FIELD" && attempt == 0 {
			forgetDescribe(s, t.api)
			continue
		}
		return p, err
	}
}

// records decodes a page's records.
func (t *sobjectType) records(p *queryPage) ([]providers.Record, error) {
	out := make([]providers.Record, len(p.Records))
	for i, raw := range p.Records {
		rec, err := decodeRecord(raw, t.stamp, p.at)
		if err != nil {
			return nil, err
		}
		out[i] = rec
	}
	return out, nil
}

// backfill reads one page of every live record in Id order. It follows nextRecordsUrl; when that has
// expired (Salesforce keeps a query cursor 15 minutes), it queries again from the last Id reported.
func (t *sobjectType) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	bc, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	var p *queryPage
	if bc.Next != "" {
		p, err = queryMore(ctx, s, bc.Next)
		if err != nil && !isLocatorError(err) {
			return nil, err
		}
	}
	if p == nil {
		// With queryAll and IsDeleted = false, archived activities (tasks older than a year) are
		// included, as they are in the change feed.
		var conds []string
		if t.queryAll {
			conds = append(conds, "IsDeleted = false")
		}
		if bc.After != "" {
			conds = append(conds, "Id > "+soqlString(bc.After))
		}
		p, err = t.query(ctx, s, func(fields string) string {
			where := ""
			if len(conds) > 0 {
				where = " WHERE " + strings.Join(conds, " AND ")
			}
			return "SELECT " + fields + " FROM " + t.api + where + " ORDER BY Id ASC"
		}, t.queryAll)
		if err != nil {
			return nil, err
		}
	}
	recs, err := t.records(p)
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Records: recs, Done: p.NextRecordsURL == "", Total: -1}
	if cur == "" {
		page.Total = *p.TotalSize
	}
	if !page.Done {
		if len(recs) == 0 {
			return nil, providers.Malformed(nil, "salesforce: an empty query page of %s is not the last", t.api)
		}
		page.NextCursor = backfillCursor{Next: p.NextRecordsURL, After: recs[len(recs)-1].ID}.String()
	}
	return page, nil
}

// get reads one record with the same fields as queries.
func (t *sobjectType) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if !validID(id) {
		return nil, notFound(fmt.Sprintf("%s has no record %q", t.api, clip(id)))
	}
	d, err := describe(ctx, s, t.api, false)
	if err != nil {
		return nil, fmt.Errorf("salesforce: describing %s: %w", t.api, err)
	}
	resp, err := do(ctx, s, request{method: http.MethodGet, path: t.recordPath(id), query: url.Values{"fields": {compact(d.selectList())}}})
	if err != nil {
		return nil, err
	}
	rec, err := decodeRecord(resp.Body, t.stamp, answeredAt(resp))
	if err != nil {
		return nil, err
	}
	if rec.Deleted {
		return nil, notFound(fmt.Sprintf("%s %s is deleted", t.api, id))
	}
	return &rec, nil
}

// recordPath is the sObject path of one record.
func (t *sobjectType) recordPath(id string) string {
	return dataPath + "/sobjects/" + t.api + "/" + url.PathEscape(id)
}

// compact removes the spaces of a select list, for the fields parameter.
func compact(list string) string {
	b := make([]byte, 0, len(list))
	for i := 0; i < len(list); i++ {
		if list[i] != ' ' {
			b = append(b, list[i])
		}
	}
	return string(b)
}

// checkpoint returns a change cursor at the current time on Salesforce's clock (the Date of a cheap
// answer: the list of the API's resources).
func (t *sobjectType) checkpoint(ctx context.Context, s *providers.Session) (string, error) {
	resp, err := do(ctx, s, request{method: http.MethodGet, path: dataPath + "/"})
	if err != nil {
		return "", fmt.Errorf("salesforce: checkpoint of %s: %w", t.id(), err)
	}
	c := &changeCursor{Since: answeredAt(resp).UnixMilli()}
	return c.String(), nil
}

// changes reports the records whose stamp is at or after the cursor's, oldest first; with queryAll,
// deleted records (IsDeleted = true, their SystemModstamp the time of the delete) come in the same
// feed and are reported as deletes.
func (t *sobjectType) changes(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseChangeCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	var out []providers.Record
	for range maxChangePages {
		var p *queryPage
		if c.Next != "" {
			p, err = queryMore(ctx, s, c.Next)
			if isLocatorError(err) {
				c.Next, p, err = "", nil, nil // start the pass again from the overlap; seen versions are skipped
			}
			if err != nil {
				return nil, fmt.Errorf("salesforce: changes of %s: %w", t.id(), err)
			}
		}
		if p == nil {
			bound := time.UnixMilli(c.Since).Add(-overlap).Truncate(time.Second)
			p, err = t.query(ctx, s, func(fields string) string {
				return "SELECT " + fields + " FROM " + t.api + " WHERE " + t.stamp + " >= " + soqlDateTime(bound) +
					" ORDER BY " + t.stamp + " ASC, Id ASC"
			}, t.queryAll)
			if err != nil {
				return nil, fmt.Errorf("salesforce: changes of %s: %w", t.id(), err)
			}
		}
		recs, err := t.records(p)
		if err != nil {
			return nil, err
		}
		for i, rec := range recs {
			at := rec.UpdatedAt.UnixMilli()
			h := versionHash(rec.ID, p.Records[i])
			c.Since = max(c.Since, at)
			if c.has(h) {
				continue
			}
			c.remember(at, h)
			out = append(out, rec)
		}
		c.Next = p.NextRecordsURL
		c.prune(overlap.Milliseconds())
		if c.Next == "" {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b providers.Record) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	return &providers.Changes{Records: out, NextCursor: c.String(), More: c.Next != ""}, nil
}
