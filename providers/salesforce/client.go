package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// dataPath is the root of the versioned REST API on an instance.
const dataPath = "/services/data/v" + APIVersion

// root returns the scheme and host requests of a session go to: the sync's base_url when it set one
// (the client's BaseURL then holds it), otherwise the org's instance URL as last learned from a token
// answer, or as the credential has it.
func root(s *providers.Session) (string, error) {
	base := strings.TrimRight(s.Client.BaseURL, "/")
	if base != "" && !strings.Contains(base, instancePlaceholder) {
		return strings.TrimSuffix(base, dataPath), nil
	}
	if t := transportOf(s); t != nil {
		instance, _ := t.current()
		return instance, nil
	}
	instance, err := normalizeURL(s.Credential.String("instance_url"))
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrUnauthorized, Message: "salesforce: instance_url: " + err.Error(), Err: err}
	}
	return instance, nil
}

// request is one call to the REST API, path relative to the instance ("/services/data/v60.0/...").
type request struct {
	method string
	path   string
	query  url.Values
	header http.Header
	body   any
	// client, when set, replaces the session's client (to send a create only once).
	client *providers.Client
}

// do sends a request and returns the answer.
func do(ctx context.Context, s *providers.Session, r request) (*providers.Response, error) {
	base, err := root(s)
	if err != nil {
		return nil, err
	}
	req := &providers.Request{Method: r.method, Path: base + r.path, Query: r.query, Header: r.header}
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, invalid("encoding the request: %v", err)
		}
		req.Body = b
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Set("Content-Type", "application/json")
	}
	c := s.Client
	if r.client != nil {
		c = r.client
	}
	return c.Do(ctx, req)
}

// getJSON sends a GET and decodes the answer into out.
func getJSON(ctx context.Context, s *providers.Session, path string, q url.Values, header http.Header, out any) (*providers.Response, error) {
	resp, err := do(ctx, s, request{method: http.MethodGet, path: path, query: q, header: header})
	if err != nil {
		return nil, err
	}
	return resp, resp.DecodeJSON(out)
}

// queryPage is one page of a SOQL query.
type queryPage struct {
	TotalSize      *int64            `json:"totalSize"`
	Done           *bool             `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
	at             time.Time
}

// Query options a sync may set.
const (
	// optionBatchSize asks for this many records per query page (200-2000, default 2000).
	optionBatchSize = "query_batch_size"
	// optionExternalID names an external id field used for idempotent creates (see mutate.go).
	optionExternalID = "external_id_field"
)

// queryHeader asks for the sync's batch size.
func queryHeader(s *providers.Session) http.Header {
	n := 0
	switch v := s.Options[optionBatchSize].(type) {
	case float64:
		n = int(v)
	case int:
		n = v
	case string:
		n, _ = strconv.Atoi(v)
	}
	if n <= 0 {
		return nil
	}
	n = min(max(n, 200), 2000)
	return http.Header{"Sforce-Query-Options": {"batchSize=" + strconv.Itoa(n)}}
}

// runQuery runs a SOQL statement through /query, or /queryAll to include deleted records.
func runQuery(ctx context.Context, s *providers.Session, soql string, all bool) (*queryPage, error) {
	path := dataPath + "/query"
	if all {
		path = dataPath + "/queryAll"
	}
	return fetchPage(ctx, s, path, url.Values{"q": {soql}})
}

// queryMore fetches the page a nextRecordsUrl names. Only the path is used, on the session's own
// host, so an answer cannot send the token elsewhere.
func queryMore(ctx context.Context, s *providers.Session, next string) (*queryPage, error) {
	if !validNextURL(next) {
		return nil, invalid("unusable nextRecordsUrl %q", clip(next))
	}
	return fetchPage(ctx, s, next, nil)
}

// validNextURL accepts the paths Salesforce gives as nextRecordsUrl.
func validNextURL(p string) bool {
	if !strings.HasPrefix(p, "/services/data/v") || len(p) > 512 || strings.Contains(p, "..") {
		return false
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/.-_", c)) {
			return false
		}
	}
	return true
}

func fetchPage(ctx context.Context, s *providers.Session, path string, q url.Values) (*queryPage, error) {
	var p queryPage
	resp, err := getJSON(ctx, s, path, q, queryHeader(s), &p)
	if err != nil {
		return nil, err
	}
	if p.Done == nil || p.TotalSize == nil || p.Records == nil {
		return nil, providers.Malformed(nil, "salesforce: GET %s: the answer is not a query result (HTTP %d, %d bytes)", path, resp.Status, len(resp.Body))
	}
	if !*p.Done && !validNextURL(p.NextRecordsURL) {
		return nil, providers.Malformed(nil, "salesforce: GET %s: a page that is not the last has no usable nextRecordsUrl", path)
	}
	if *p.Done {
		p.NextRecordsURL = ""
	}
	p.at = answeredAt(resp)
	return &p, nil
}

// answeredAt is when Salesforce answered, from the Date header, or the local clock a second early.
func answeredAt(resp *providers.Response) time.Time {
	now := time.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(now).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return now.Add(-time.Second).Truncate(time.Second).UTC()
}

// head is what is read of every record.
type head struct {
	Attributes *struct {
		Type string `json:"type"`
	} `json:"attributes"`
	ID        string `json:"Id"`
	IsDeleted bool   `json:"IsDeleted"`
}

// decodeRecord reads a record's id, whether it is deleted, and its version time from the stamp
// field (at when the object has none).
func decodeRecord(raw json.RawMessage, stamp string, at time.Time) (providers.Record, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return providers.Record{}, providers.Malformed(err, "salesforce: decoding a record: %v", err)
	}
	if !validID(h.ID) {
		return providers.Record{}, providers.Malformed(nil, "salesforce: a record without a valid Id: %s", clip(string(raw)))
	}
	rec := providers.Record{ID: h.ID, UpdatedAt: at, Data: raw, Deleted: h.IsDeleted}
	if stamp != "" {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		var v string
		if err := json.Unmarshal(m[stamp], &v); err != nil || v == "" {
			return providers.Record{}, providers.Malformed(err, "salesforce: record %s has no %s", h.ID, stamp)
		}
		t, err := parseTime(v)
		if err != nil {
			return providers.Record{}, providers.Malformed(err, "salesforce: record %s: %v", h.ID, err)
		}
		rec.UpdatedAt = t
	}
	return rec, nil
}

// timeLayout is how the API renders datetimes ("2024-07-01T12:00:00.000+0000").
const timeLayout = "2006-01-02T15:04:05.000-0700"

// parseTime reads a datetime as the API renders it, or in RFC 3339.
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(timeLayout, v); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: %w", clip(v), err)
	}
	return t.UTC(), nil
}

// validID reports whether s is a Salesforce id: 15 or 18 letters and digits.
func validID(s string) bool {
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// invalid is an invalid-request error raised before anything is sent.
func invalid(format string, args ...any) *providers.Error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: "salesforce: " + fmt.Sprintf(format, args...)}
}

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
