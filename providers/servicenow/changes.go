package servicenow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// auditTable records deleted records of audited tables (the task tables and, where auditing is on,
// the others): tablename, documentkey (the deleted sys_id) and sys_created_on (when).
const auditTable = "sys_audit_delete"

// checkpoint starts both feeds at the instance's current second, read from the Date header of a
// minimal request: the same clock that stamps sys_updated_on.
func (t *tableType) checkpoint(ctx context.Context, s *providers.Session) (string, error) {
	q := url.Values{"sysparm_limit": {"1"}, "sysparm_fields": {"sys_id"}}
	resp, err := do(ctx, s, s.Client, http.MethodGet, tablePath(t.name, ""), q, nil)
	if err != nil {
		return "", err
	}
	at := formatTime(answeredAt(resp))
	c := &changeCursor{Updates: watermark{At: at}, Deletes: watermark{At: at}}
	return c.String(), nil
}

// answeredAt is the instance's time from the Date header, or the local clock a minute early (to allow
// for skew) when it has none.
func answeredAt(resp *providers.Response) time.Time {
	now := time.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(now).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return now.Add(-time.Minute).UTC()
}

// changes reports records updated since the cursor, in sys_updated_on order, and deletes from
// sys_audit_delete. Each feed asks for a page beyond what it already reported at its watermark
// second, so a second holding more changes than a page still makes progress.
func (t *tableType) changes(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	size := pageSize(s)

	limit := size + len(c.Updates.Seen)
	q := readQuery()
	q.Set("sysparm_query", "sys_updated_on>="+c.Updates.At+"^ORDERBYsys_updated_on^ORDERBYsys_id")
	q.Set("sysparm_limit", strconv.Itoa(limit))
	resp, err := do(ctx, s, s.Client, http.MethodGet, tablePath(t.name, ""), q, nil)
	if err != nil {
		return nil, err
	}
	rows, err := decodeRows(resp, "GET "+t.name)
	if err != nil {
		return nil, err
	}
	var recs []providers.Record
	for _, r := range rows {
		if r.UpdatedOn < c.Updates.At {
			return nil, providers.Malformed(nil, "servicenow: GET %s: record %s updated %s, before the queried %s", t.name, r.SysID, r.UpdatedOn, c.Updates.At)
		}
		if c.Updates.seen(r.UpdatedOn, r.SysID, r.ModCount) {
			continue
		}
		c.Updates.advance(r.UpdatedOn, r.SysID, r.ModCount)
		recs = append(recs, providers.Record{ID: r.SysID, UpdatedAt: r.updated, Data: r.raw})
	}
	more := len(rows) == limit

	dlimit := size + len(c.Deletes.Seen)
	dq := readQuery()
	dq.Set("sysparm_query", "tablename="+t.name+"^sys_created_on>="+c.Deletes.At+"^ORDERBYsys_created_on^ORDERBYsys_id")
	dq.Set("sysparm_fields", "sys_id,tablename,documentkey,sys_created_on")
	dq.Set("sysparm_limit", strconv.Itoa(dlimit))
	resp, err = do(ctx, s, s.Client, http.MethodGet, tablePath(auditTable, ""), dq, nil)
	if err != nil {
		return nil, err
	}
	audits, err := decodeRows(resp, "GET "+auditTable)
	if err != nil {
		return nil, err
	}
	nUpdates := len(recs)
	for _, a := range audits {
		var d struct {
			DocumentKey string `json:"documentkey"`
		}
		if err := json.Unmarshal(a.raw, &d); err != nil || d.DocumentKey == "" {
			return nil, providers.Malformed(err, "servicenow: GET %s: audit record %s names no deleted record", auditTable, a.SysID)
		}
		if c.Deletes.seen(a.CreatedOn, a.SysID, "") {
			continue
		}
		c.Deletes.advance(a.CreatedOn, a.SysID, "")
		recs = append(recs, providers.Record{ID: d.DocumentKey, UpdatedAt: a.updated, Deleted: true})
	}
	more = more || len(audits) == dlimit
	if nUpdates < len(recs) {
		// Oldest first; at the same second a delete follows the updates.
		slices.SortStableFunc(recs, func(a, b providers.Record) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	}
	return &providers.Changes{Records: recs, NextCursor: c.String(), More: more}, nil
}
