package netsuite

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// checkpoint starts both feeds at NetSuite's current second, asked of SuiteQL itself so that it is
// rendered in the same time zone as the records' dates.
func checkpoint(ctx context.Context, s *providers.Session) (string, error) {
	p, err := suiteql(ctx, s, fmt.Sprintf("SELECT TO_CHAR(CURRENT_TIMESTAMP, '%s') AS now FROM dual", timeFormat), 0, 1)
	if err != nil {
		return "", err
	}
	var now struct {
		Now string `json:"now"`
	}
	if len(p.Items) != 1 || json.Unmarshal(p.Items[0], &now) != nil {
		return "", providers.Malformed(nil, "netsuite: the current time query answered %d rows", len(p.Items))
	}
	if _, err := time.Parse(timeLayout, now.Now); err != nil {
		return "", providers.Malformed(err, "netsuite: current time %q: %v", clip(now.Now), err)
	}
	c := &changeCursor{Updates: watermark{At: now.Now}, Deletes: watermark{At: now.Now}}
	return c.String(), nil
}

// since is the SuiteQL condition "column >= at".
func since(column, at string) string {
	return fmt.Sprintf("%s >= TO_TIMESTAMP('%s', '%s')", column, at, timeFormat)
}

// changes reports records modified since the cursor, in lastmodifieddate order, and deletes from
// DeletedRecord.
func (t *recordType) changes(ctx context.Context, s *providers.Session, cur string) (*providers.Changes, error) {
	c, err := parseCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	loc := location(s)
	var recs []providers.Record
	more := false

	query := t.selectQuery("lastmodifieddate, id", since("lastmodifieddate", c.Updates.At))
	err = feed(ctx, s, query, &c.Updates, &more, func(raw json.RawMessage) (string, string, error) {
		r, err := decodeRow(raw, loc)
		if err != nil {
			return "", "", err
		}
		if r.LastModified < c.Updates.At {
			return "", "", providers.Malformed(nil, "netsuite: row %s modified %s, before the queried %s", r.ID, r.LastModified, c.Updates.At)
		}
		version := contentHash(raw)
		if c.Updates.seen(r.LastModified, r.ID, version) {
			return "", "", nil
		}
		c.Updates.advance(r.LastModified, r.ID, version)
		recs = append(recs, providers.Record{ID: r.ID, UpdatedAt: r.modified, Data: r.raw})
		return r.ID, r.LastModified, nil
	})
	if err != nil {
		return nil, err
	}
	nUpdates := len(recs)

	dquery := fmt.Sprintf("SELECT recordid, recordtypeid, TO_CHAR(deleteddate, '%s') AS deleted_at FROM deletedrecord WHERE recordtypeid = '%s' AND %s ORDER BY deleteddate, recordid",
		timeFormat, t.deletedType, since("deleteddate", c.Deletes.At))
	err = feed(ctx, s, dquery, &c.Deletes, &more, func(raw json.RawMessage) (string, string, error) {
		var d struct {
			RecordID  string `json:"recordid"`
			DeletedAt string `json:"deleted_at"`
		}
		if err := json.Unmarshal(raw, &d); err != nil || d.RecordID == "" {
			return "", "", providers.Malformed(err, "netsuite: DeletedRecord row without recordid")
		}
		at, err := time.ParseInLocation(timeLayout, d.DeletedAt, loc)
		if err != nil {
			return "", "", providers.Malformed(err, "netsuite: DeletedRecord %s: deleted_at %q: %v", d.RecordID, clip(d.DeletedAt), err)
		}
		if c.Deletes.seen(d.DeletedAt, d.RecordID, "") {
			return "", "", nil
		}
		c.Deletes.advance(d.DeletedAt, d.RecordID, "")
		recs = append(recs, providers.Record{ID: d.RecordID, UpdatedAt: at.UTC(), Deleted: true})
		return d.RecordID, d.DeletedAt, nil
	})
	if err != nil {
		return nil, err
	}
	if nUpdates < len(recs) {
		// Oldest first; at the same second a delete follows the updates.
		slices.SortStableFunc(recs, func(a, b providers.Record) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	}
	return &providers.Changes{Records: recs, NextCursor: c.String(), More: more}, nil
}

// feed reads one page of a change query for watermark w, calling visit per row (visit returns an
// empty id for a row already reported). The page asks for as many rows as the watermark already
// holds beyond a page, so that a second holding more changes than a page still makes progress; past
// SuiteQL's page limit it moves on by offset.
func feed(ctx context.Context, s *providers.Session, query string, w *watermark, more *bool, visit func(json.RawMessage) (string, string, error)) error {
	size := pageSize(s)
	limit := min(size+len(w.Seen), maxPage)
	for offset := 0; ; offset += limit {
		p, err := suiteql(ctx, s, query, offset, limit)
		if err != nil {
			return err
		}
		progressed := false
		for _, raw := range p.Items {
			id, _, err := visit(raw)
			if err != nil {
				return err
			}
			progressed = progressed || id != ""
		}
		if !p.HasMore {
			return nil
		}
		if progressed {
			*more = true
			return nil
		}
	}
}
