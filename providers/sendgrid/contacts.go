package sendgrid

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// exportCursor resumes a contacts backfill: the export job and the next of its files to read.
// Polls counts status checks, so the cursor moves while the export is still being prepared.
type exportCursor struct {
	Export string `json:"export"`
	File   int    `json:"file"`
	Polls  int    `json:"polls,omitempty"`
}

// downloads fetches export files. They live behind presigned storage URLs that carry their own
// signature and refuse an extra Authorization header, so they are not sent through the API client.
var downloads = &http.Client{Timeout: 10 * time.Minute}

func contactCollection() *providers.Collection {
	return &providers.Collection{
		ID: Name + ":contact", Name: "contact", Description: "Marketing contacts, backfilled through contact export jobs (one page per export file) and followed through search on updated_at.",
		Fields: []providers.Field{
			{Name: "email", Type: "text"}, {Name: "first_name", Type: "text"}, {Name: "last_name", Type: "text"},
			{Name: "phone_number", Type: "text"}, {Name: "city", Type: "text"}, {Name: "country", Type: "text"},
			{Name: "postal_code", Type: "text"}, {Name: "list_ids", Type: "text[]"}, {Name: "segment_ids", Type: "text[]"},
			{Name: "custom_fields", Type: "jsonb"}, {Name: "created_at", Type: "timestamptz"}, {Name: "updated_at", Type: "timestamptz"},
		},
		Deletes:    providers.DeletesBySweep,
		Backfill:   backfillContacts,
		Checkpoint: checkpointContacts,
		Changes:    contactChanges,
		Get: func(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
			return getObject(ctx, s, "/v3/marketing/contacts/"+url.PathEscape(id))
		},
	}
}

// backfillContacts starts a JSON contact export (GET /v3/marketing/contacts only samples 50 contacts
// and search answers at most 50), waits for it through the cursor, and reads one export file per page.
func backfillContacts(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
	var c exportCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.Export == "" || c.File < 0 {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid contact backfill cursor %q", clip(cursor))}
		}
	} else {
		resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPost, Path: "/v3/marketing/contacts/exports",
			Body: []byte(`{"file_type":"json"}`), Header: http.Header{"Content-Type": {"application/json"}}})
		if err != nil {
			return nil, err
		}
		var started struct {
			ID string `json:"id"`
		}
		if err := resp.DecodeJSON(&started); err != nil {
			return nil, err
		}
		if started.ID == "" {
			return nil, providers.Malformed(nil, "starting a contact export: no id in the answer")
		}
		c.Export = started.ID
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: "/v3/marketing/contacts/exports/" + url.PathEscape(c.Export)})
	if err != nil {
		return nil, err
	}
	var status struct {
		Status  string   `json:"status"`
		URLs    []string `json:"urls"`
		Message string   `json:"message"`
	}
	if err := resp.DecodeJSON(&status); err != nil {
		return nil, err
	}
	switch status.Status {
	case "pending":
		c.Polls++
		b, _ := json.Marshal(c)
		return &providers.Page{NextCursor: string(b), Total: -1}, nil
	case "ready":
	case "failure":
		return nil, &providers.Error{Kind: providers.ErrRetryable, Message: "the contact export failed: " + status.Message}
	default:
		return nil, providers.Malformed(nil, "contact export %s: unknown status %q", c.Export, status.Status)
	}
	page := &providers.Page{Total: -1, Done: c.File+1 >= len(status.URLs)}
	if c.File < len(status.URLs) {
		if page.Records, err = readExportFile(ctx, status.URLs[c.File]); err != nil {
			return nil, err
		}
	}
	c.File++
	c.Polls = 0
	b, _ := json.Marshal(c)
	page.NextCursor = string(b)
	return page, nil
}

// readExportFile downloads one gzipped JSON-lines export file.
func readExportFile(ctx context.Context, fileURL string) ([]providers.Record, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fileURL, nil)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "export file URL: " + err.Error(), Err: err}
	}
	resp, err := downloads.Do(req)
	if err != nil {
		var ne net.Error
		if ctx.Err() == nil && errors.As(err, &ne) {
			return nil, &providers.Error{Kind: providers.ErrRetryable, Message: "downloading a contact export file failed", Err: err}
		}
		return nil, fmt.Errorf("downloading a contact export file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		kind := providers.ErrInvalidRequest
		if resp.StatusCode >= 500 {
			kind = providers.ErrRetryable
		}
		return nil, &providers.Error{Kind: kind, Status: resp.StatusCode, Message: "downloading a contact export file: " + resp.Status}
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		return nil, providers.Malformed(err, "contact export file is not gzip: %v", err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	var out []providers.Record
	now := time.Now()
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		rec, err := toRecord(append(json.RawMessage(nil), line...), now)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, providers.Malformed(err, "reading a contact export file: %v", err)
	}
	return out, nil
}
