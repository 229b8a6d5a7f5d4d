package netsuite

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// accountPlaceholder stands for the credential's account in the default base URL.
const accountPlaceholder = "{account}"

const (
	suiteqlPath = "/services/rest/query/v1/suiteql"
	recordPath  = "/services/rest/record/v1/"
	// maxPage is SuiteQL's largest page; the sync option page_size may ask for less.
	maxPage = 1000
	// timeFormat is the Oracle format sequin asks SuiteQL to render date-times in, and timeLayout its
	// Go equivalent.
	timeFormat = "YYYY-MM-DD HH24:MI:SS"
	timeLayout = "2006-01-02 15:04:05"
)

// apiBase returns the API root of a session: the sync's base_url option when set (the client's
// BaseURL then holds it), otherwise the account's SuiteTalk host.
func apiBase(s *providers.Session) (string, error) {
	base := strings.TrimRight(s.Client.BaseURL, "/")
	if base != "" && !strings.Contains(base, accountPlaceholder) {
		return base, nil
	}
	host, err := hostOf(s.Credential.String("account_id"))
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrUnauthorized, Message: err.Error(), Err: err}
	}
	if base == "" {
		base = "https://" + accountPlaceholder + ".suitetalk.api.netsuite.com"
	}
	return strings.Replace(base, accountPlaceholder, host, 1), nil
}

// pageSize is the session's SuiteQL page size.
func pageSize(s *providers.Session) int {
	n := maxPage
	switch v := s.Options["page_size"].(type) {
	case float64:
		n = int(v)
	case int:
		n = v
	case string:
		if i, err := strconv.Atoi(v); err == nil {
			n = i
		}
	}
	return max(1, min(n, maxPage))
}

// location is the time zone SuiteQL renders date-times in: the sync option time_zone (an IANA name),
// UTC by default.
func location(s *providers.Session) *time.Location {
	if tz := s.Option("time_zone"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.UTC
}

// do sends one request to path (relative to the API root).
func do(ctx context.Context, s *providers.Session, method, path string, q url.Values, header http.Header, body []byte) (*providers.Response, error) {
	base, err := apiBase(s)
	if err != nil {
		return nil, err
	}
	return s.Client.Do(ctx, &providers.Request{Method: method, Path: base + path, Query: q, Header: header, Body: body})
}

// resultPage is one page of SuiteQL results.
type resultPage struct {
	Items        []json.RawMessage `json:"items"`
	HasMore      bool              `json:"hasMore"`
	TotalResults *int64            `json:"totalResults"`
}

// suiteql runs a query and returns one page of rows.
func suiteql(ctx context.Context, s *providers.Session, query string, offset, limit int) (*resultPage, error) {
	body, err := json.Marshal(map[string]string{"q": query})
	if err != nil {
		return nil, err
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
	h := http.Header{"Content-Type": {"application/json"}, "Prefer": {"transient"}}
	resp, err := do(ctx, s, http.MethodPost, suiteqlPath, q, h, body)
	if err != nil {
		return nil, err
	}
	var p resultPage
	if err := resp.DecodeJSON(&p); err != nil {
		return nil, err
	}
	if p.Items == nil {
		return nil, providers.Malformed(nil, "netsuite: SuiteQL answer has no items (HTTP %d, %d bytes)", resp.Status, len(resp.Body))
	}
	if p.HasMore && len(p.Items) == 0 {
		return nil, providers.Malformed(nil, "netsuite: an empty SuiteQL page claims hasMore")
	}
	return &p, nil
}

// row is one record of a SuiteQL answer.
type row struct {
	ID           string `json:"id"`
	LastModified string `json:"last_modified_at"`
	raw          json.RawMessage
	modified     time.Time
}

// decodeRow reads a record row; it must have an id and sequin's last_modified_at.
func decodeRow(raw json.RawMessage, loc *time.Location) (row, error) {
	r := row{raw: raw}
	if err := json.Unmarshal(raw, &r); err != nil {
		return row{}, providers.Malformed(err, "netsuite: SuiteQL row: %v", err)
	}
	if r.ID == "" {
		return row{}, providers.Malformed(nil, "netsuite: SuiteQL row without id")
	}
	t, err := time.ParseInLocation(timeLayout, r.LastModified, loc)
	if err != nil {
		return row{}, providers.Malformed(err, "netsuite: row %s: last_modified_at %q: %v", r.ID, clip(r.LastModified), err)
	}
	r.modified = t.UTC()
	return r, nil
}
