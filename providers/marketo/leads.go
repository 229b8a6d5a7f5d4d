package marketo

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// leadFields are the lead fields synced (bulk extract, reads and change feeds ask for the same ones).
var leadFields = []string{"id", "email", "firstName", "lastName", "company", "title", "phone", "leadSource", "createdAt", "updatedAt"}

const (
	// exportWindow is the longest createdAt range one bulk extract job may cover.
	exportWindow = 31 * 24 * time.Hour
	// defaultChunk is how many bytes of an export file one backfill page reads (Range requests).
	defaultChunk = 4 << 20
)

// marketoEpoch is where a leads backfill starts unless the sync's "backfill_since" option says
// otherwise: no Marketo instance has leads created before it.
var marketoEpoch = time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)

func leadCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":lead", Name: "lead", Description: "Leads (people), backfilled with bulk extract jobs by createdAt windows.",
		Fields: []providers.Field{
			{Name: "email", Type: "text", Mutable: true}, {Name: "first_name", Type: "text", Path: "firstName", Mutable: true},
			{Name: "last_name", Type: "text", Path: "lastName", Mutable: true}, {Name: "company", Type: "text", Mutable: true},
			{Name: "title", Type: "text", Mutable: true}, {Name: "phone", Type: "text", Mutable: true},
			{Name: "lead_source", Type: "text", Path: "leadSource", Mutable: true},
			{Name: "created_at", Type: "timestamptz", Path: "createdAt"}, {Name: "updated_at", Type: "timestamptz", Path: "updatedAt"},
		},
		Deletes:       providers.DeletesInChanges,
		Backfill:      backfillLeads,
		Checkpoint:    checkpointLeads,
		Changes:       leadChanges,
		Get:           getLead,
		Mutate:        mutateLead,
		MutationKinds: []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete},
	}
}

// exportCursor resumes a leads backfill: the createdAt window [Since, Since+31 days) capped at Until
// (when the backfill began), its bulk extract job, and the byte offset and header of its CSV file.
type exportCursor struct {
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
	Job    string    `json:"job,omitempty"`
	Offset int64     `json:"offset,omitempty"`
	Header []string  `json:"header,omitempty"`
	Polls  int       `json:"polls,omitempty"`
}

func (c *exportCursor) windowEnd() time.Time {
	if end := c.Since.Add(exportWindow); end.Before(c.Until) {
		return end
	}
	return c.Until
}

// backfillLeads moves one step through the bulk extract of the current window: create and enqueue
// its job, wait for it, then read the file a chunk at a time.
func backfillLeads(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
	var c exportCursor
	if cursor == "" {
		c = exportCursor{Since: timeOption(s, "backfill_since", marketoEpoch), Until: time.Now().UTC().Truncate(time.Second)}
	} else if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.Until.IsZero() {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid lead backfill cursor %q", clip(cursor))}
	}
	page := &providers.Page{Total: -1}
	if !c.Since.Before(c.Until) {
		page.Done = true
		return page, nil
	}
	if c.Job == "" {
		env, err := call(ctx, s, http.MethodPost, "/bulk/v1/leads/export/create.json", nil, map[string]any{
			"fields": leadFields, "format": "CSV",
			"filter": map[string]any{"createdAt": map[string]string{"startAt": c.Since.Format(time.RFC3339), "endAt": c.windowEnd().Format(time.RFC3339)}},
		})
		if err != nil {
			return nil, err
		}
		if c.Job, err = exportID(env); err != nil {
			return nil, err
		}
		if _, err := call(ctx, s, http.MethodPost, "/bulk/v1/leads/export/"+url.PathEscape(c.Job)+"/enqueue.json", nil, nil); err != nil {
			return nil, err
		}
	}
	if c.Offset == 0 && c.Header == nil {
		env, err := call(ctx, s, http.MethodGet, "/bulk/v1/leads/export/"+url.PathEscape(c.Job)+"/status.json", nil, nil)
		if err != nil {
			return nil, err
		}
		var st []struct {
			Status string `json:"status"`
		}
		if b, _ := json.Marshal(env.Result); json.Unmarshal(b, &st) != nil || len(st) == 0 {
			return nil, providers.Malformed(nil, "bulk extract %s: no status", c.Job)
		}
		switch st[0].Status {
		case "Completed":
		case "Created", "Queued", "Processing":
			c.Polls++
			return page, encode(page, c)
		default:
			return nil, &providers.Error{Kind: providers.ErrRetryable, Message: fmt.Sprintf("bulk extract %s ended %s", c.Job, st[0].Status)}
		}
	}
	recs, consumed, atEnd, header, err := readChunk(ctx, s, c.Job, c.Offset, c.Header, int64(intOption(s, "bulk_chunk_bytes", defaultChunk, 1024, 64<<20)))
	if err != nil {
		return nil, err
	}
	page.Records = recs
	c.Offset, c.Header, c.Polls = c.Offset+consumed, header, 0
	if atEnd {
		c = exportCursor{Since: c.windowEnd(), Until: c.Until}
		page.Done = !c.Since.Before(c.Until)
	}
	return page, encode(page, c)
}

func encode(p *providers.Page, c exportCursor) error {
	b, err := json.Marshal(c)
	p.NextCursor = string(b)
	return err
}

func exportID(env *envelope) (string, error) {
	var r []struct {
		ExportID string `json:"exportId"`
	}
	if b, _ := json.Marshal(env.Result); json.Unmarshal(b, &r) != nil || len(r) == 0 || r[0].ExportID == "" {
		return "", providers.Malformed(nil, "creating a bulk extract: no exportId")
	}
	return r[0].ExportID, nil
}

// readChunk reads bytes [offset, offset+size) of a job's CSV file and returns the complete rows in
// it as records, how many bytes those rows took, whether the file ended, and the header row.
func readChunk(ctx context.Context, s *providers.Session, job string, offset int64, header []string, size int64) ([]providers.Record, int64, bool, []string, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: apiBase(s) + "/bulk/v1/leads/export/" + url.PathEscape(job) + "/file.json",
		Header: http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", offset, offset+size-1)}, "Accept": {"text/csv"}}})
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Status == http.StatusRequestedRangeNotSatisfiable {
		return nil, 0, true, header, nil // the previous chunk ended exactly at the end of the file
	}
	if err != nil {
		return nil, 0, false, nil, err
	}
	data := resp.Body
	if resp.Status == http.StatusOK && offset > 0 { // the server ignored the range
		data = data[min(offset, int64(len(data))):]
	}
	if int64(len(data)) > size {
		data = data[:size]
	}
	atEnd := int64(len(data)) < size
	if total := rangeTotal(resp.Header.Get("Content-Range")); total >= 0 {
		atEnd = offset+int64(len(data)) >= total
	}
	end := len(data)
	if !atEnd {
		end = lastRowEnd(data)
		if end == 0 {
			return nil, 0, false, nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("a lead row of bulk extract %s is longer than bulk_chunk_bytes (%d)", job, size)}
		}
	}
	r := csv.NewReader(bytes.NewReader(data[:end]))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, 0, false, nil, providers.Malformed(err, "bulk extract %s: reading CSV at byte %d: %v", job, offset, err)
	}
	if header == nil {
		if len(rows) == 0 {
			return nil, int64(end), atEnd, nil, nil
		}
		header, rows = rows[0], rows[1:]
	}
	recs := make([]providers.Record, 0, len(rows))
	for _, row := range rows {
		rec, err := rowRecord(header, row)
		if err != nil {
			return nil, 0, false, nil, err
		}
		recs = append(recs, rec)
	}
	return recs, int64(end), atEnd, header, nil
}

// lastRowEnd returns the length of data up to the last newline outside a quoted field.
func lastRowEnd(data []byte) int {
	inQuote, last := false, 0
	for i, b := range data {
		switch {
		case b == '"':
			inQuote = !inQuote
		case b == '\n' && !inQuote:
			last = i + 1
		}
	}
	return last
}

// rangeTotal reads the total size from "bytes 0-99/1234", or -1.
func rangeTotal(v string) int64 {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return -1
	}
	n, err := strconv.ParseInt(v[i+1:], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// rowRecord turns a CSV row into the lead as the REST API shows it: an empty value is null and id
// is a number.
func rowRecord(header, row []string) (providers.Record, error) {
	if len(row) != len(header) {
		return providers.Record{}, providers.Malformed(nil, "a bulk extract row has %d values for %d columns", len(row), len(header))
	}
	m := make(map[string]any, len(header))
	for i, h := range header {
		switch {
		case row[i] == "":
			m[h] = nil
		case h == "id":
			n, err := strconv.ParseInt(row[i], 10, 64)
			if err != nil {
				return providers.Record{}, providers.Malformed(err, "a bulk extract row with id %q", row[i])
			}
			m[h] = n
		default:
			m[h] = row[i]
		}
	}
	raw, _ := json.Marshal(m)
	return toRecord(raw, "updatedAt", "")
}

func getLead(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return nil, &providers.Error{Kind: providers.ErrNotFound, Message: fmt.Sprintf("lead %q: lead ids are numbers", clip(id))}
	}
	env, err := call(ctx, s, http.MethodGet, "/rest/v1/lead/"+id+".json", url.Values{"fields": {strings.Join(leadFields, ",")}}, nil)
	if err != nil {
		return nil, err
	}
	if len(env.Result) == 0 {
		return nil, &providers.Error{Kind: providers.ErrNotFound, Message: "lead " + id + " does not exist"}
	}
	rec, err := toRecord(env.Result[0], "updatedAt", "")
	return &rec, err
}

// leadCursor follows the lead-change and deleted-lead activity feeds, each by its paging token.
type leadCursor struct {
	Changes string `json:"lc"`
	Deletes string `json:"dl"`
}

func checkpointLeads(ctx context.Context, s *providers.Session) (string, error) {
	tok, err := pagingToken(ctx, s, time.Now())
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(leadCursor{Changes: tok, Deletes: tok})
	return string(b), nil
}

// leadChanges reads a page of lead changes (New Lead and Change Data Value activities), fetches the
// leads they name, then a page of deleted-lead activities.
func leadChanges(ctx context.Context, s *providers.Session, cursor string) (*providers.Changes, error) {
	var c leadCursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.Changes == "" || c.Deletes == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid lead change cursor %q", clip(cursor))}
	}
	size := strconv.Itoa(intOption(s, "page_size", 300, 1, 300))
	env, err := call(ctx, s, http.MethodGet, "/rest/v1/activities/leadchanges.json", url.Values{"nextPageToken": {c.Changes},
		"fields": {strings.Join(leadFields[1:], ",")}, "batchSize": {size}}, nil)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, raw := range env.Result {
		var a struct {
			LeadID json.Number `json:"leadId"`
		}
		if err := json.Unmarshal(raw, &a); err != nil || a.LeadID == "" {
			return nil, providers.Malformed(err, "a lead change without leadId: %s", clip(string(raw)))
		}
		if id := a.LeadID.String(); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	out := &providers.Changes{More: env.MoreResult}
	next := leadCursor{Changes: env.NextPageToken, Deletes: c.Deletes}
	if next.Changes == "" {
		return nil, providers.Malformed(nil, "lead changes answered without nextPageToken")
	}
	if len(ids) > 0 {
		env, err := call(ctx, s, http.MethodGet, "/rest/v1/leads.json", url.Values{"filterType": {"id"},
			"filterValues": {strings.Join(ids, ",")}, "fields": {strings.Join(leadFields, ",")}}, nil)
		if err != nil {
			return nil, err
		}
		for _, raw := range env.Result {
			rec, err := toRecord(raw, "updatedAt", "")
			if err != nil {
				return nil, err
			}
			out.Records = append(out.Records, rec)
		}
	}
	del, err := call(ctx, s, http.MethodGet, "/rest/v1/activities/deletedleads.json", url.Values{"nextPageToken": {c.Deletes}, "batchSize": {size}}, nil)
	if err != nil {
		return nil, err
	}
	for _, raw := range del.Result {
		var a struct {
			LeadID json.Number `json:"leadId"`
			Date   string      `json:"activityDate"`
		}
		if err := json.Unmarshal(raw, &a); err != nil || a.LeadID == "" {
			return nil, providers.Malformed(err, "a deleted-lead activity without leadId: %s", clip(string(raw)))
		}
		at, err := time.Parse(time.RFC3339, a.Date)
		if err != nil {
			return nil, providers.Malformed(err, "a deleted-lead activity dated %q", a.Date)
		}
		out.Records = append(out.Records, providers.Record{ID: a.LeadID.String(), UpdatedAt: at, Deleted: true})
	}
	if del.NextPageToken != "" {
		next.Deletes = del.NextPageToken
	}
	out.More = out.More || del.MoreResult
	b, _ := json.Marshal(next)
	out.NextCursor = string(b)
	return out, nil
}

// mutateLead writes a lead. Creates are createOrUpdate syncs looked up by email, Marketo's natural
// key: a create sent again updates the lead the first one made instead of making another. Updates
// are updateOnly by id; deletes use the delete endpoint, and deleting a missing lead succeeds.
func mutateLead(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	var input map[string]any
	action, lookup := "", ""
	switch m.Kind {
	case providers.MutationCreate:
		if email, _ := m.Data["email"].(string); email == "" {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "creating a lead needs an email"}
		}
		input, action, lookup = m.Data, "createOrUpdate", "email"
	case providers.MutationUpdate, providers.MutationDelete:
		n, err := strconv.ParseInt(m.UpstreamID, 10, 64)
		if err != nil {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("lead id %q is not a number", clip(m.UpstreamID))}
		}
		if m.Kind == providers.MutationDelete {
			env, err := call(ctx, s, http.MethodPost, "/rest/v1/leads/delete.json", nil, map[string]any{"input": []any{map[string]any{"id": n}}})
			if err != nil {
				return nil, err
			}
			if _, err := syncResult(env, true); err != nil {
				return nil, err
			}
			return &providers.Record{ID: m.UpstreamID, UpdatedAt: time.Now(), Deleted: true}, nil
		}
		input = map[string]any{"id": n}
		for k, v := range m.Data {
			if k != "id" {
				input[k] = v
			}
		}
		action, lookup = "updateOnly", "id"
	default:
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("unsupported mutation kind %q", m.Kind)}
	}
	env, err := call(ctx, s, http.MethodPost, "/rest/v1/leads.json", nil, map[string]any{"action": action, "lookupField": lookup, "input": []any{input}})
	if err != nil {
		return nil, err
	}
	id, err := syncResult(env, false)
	if err != nil {
		return nil, err
	}
	return getLead(ctx, s, id)
}

// syncResult reads the one per-record result of a lead sync or delete: its id, or the reason it was
// skipped (1004, lead not found, is not found; with missingOK it is success).
func syncResult(env *envelope, missingOK bool) (string, error) {
	var r []struct {
		ID      json.Number `json:"id"`
		Status  string      `json:"status"`
		Reasons []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"reasons"`
	}
	if b, _ := json.Marshal(env.Result); json.Unmarshal(b, &r) != nil || len(r) == 0 {
		return "", providers.Malformed(nil, "a lead sync answered no result")
	}
	if r[0].Status != "skipped" {
		return r[0].ID.String(), nil
	}
	code, msg := "", "skipped"
	if len(r[0].Reasons) > 0 {
		code, msg = r[0].Reasons[0].Code, r[0].Reasons[0].Message
	}
	switch {
	case code == "1004" && missingOK:
		return r[0].ID.String(), nil
	case code == "1004":
		return "", &providers.Error{Kind: providers.ErrNotFound, Code: code, Message: msg}
	}
	return "", &providers.Error{Kind: providers.ErrInvalidRequest, Code: code, Message: msg}
}
