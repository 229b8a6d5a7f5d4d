package servicenow

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

// instancePlaceholder stands for the credential's instance in the default base URL.
const instancePlaceholder = "https://{instance}"

// timeLayout is how the Table API renders date-times with sysparm_display_value=false: UTC, to the
// second.
const timeLayout = "2006-01-02 15:04:05"

// defaultPageSize is the sysparm_limit of backfill and change pages; the sync option page_size
// overrides it (ServiceNow advises against pages above 10,000 records).
const defaultPageSize = 1000

// normalizeInstance turns what a person may paste as the instance ("acme", "acme.service-now.com",
// "https://acme.service-now.com/nav_to.do") into its https origin. Plain http is refused so that
// credentials never travel in the clear.
func normalizeInstance(v string) (string, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return "", fmt.Errorf("servicenow: the credential needs instance_url")
	}
	if strings.HasPrefix(strings.ToLower(s), "http://") {
		return "", fmt.Errorf("servicenow: instance_url %q must use https", clip(v))
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(u.Host, "{}") {
		return "", fmt.Errorf("servicenow: instance_url %q is not an instance URL such as https://acme.service-now.com", clip(v))
	}
	host := strings.ToLower(u.Host)
	if !strings.Contains(host, ".") {
		host += ".service-now.com"
	}
	return "https://" + host, nil
}

// apiBase returns the instance root of a session: the sync's base_url option when set (the client's
// BaseURL then holds it), otherwise the credential's instance.
func apiBase(s *providers.Session) (string, error) {
	base := strings.TrimRight(s.Client.BaseURL, "/")
	if base != "" && !strings.Contains(base, instancePlaceholder) {
		return base, nil
	}
	inst, err := normalizeInstance(s.Credential.String("instance_url"))
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrUnauthorized, Message: err.Error(), Err: err}
	}
	return inst, nil
}

// pageSize is the session's page size.
func pageSize(s *providers.Session) int {
	switch v := s.Options["page_size"].(type) {
	case float64:
		if v >= 1 {
			return min(int(v), 10000)
		}
	case int:
		if v >= 1 {
			return min(v, 10000)
		}
	case string:
		if n, err := strconv.Atoi(v); err == nil && n >= 1 {
			return min(n, 10000)
		}
	}
	return defaultPageSize
}

// tablePath is the Table API path of a table or one of its records.
func tablePath(table, id string) string {
	p := "/api/now/table/" + table
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}

// readQuery is the query every read carries: raw values (UTC date-times, sys_ids rather than display
// values), and references as plain sys_ids rather than {"link", "value"} objects.
func readQuery() url.Values {
	return url.Values{"sysparm_display_value": {"false"}, "sysparm_exclude_reference_link": {"true"}}
}

// do sends one request to path (relative to the instance root) through c.
func do(ctx context.Context, s *providers.Session, c *providers.Client, method, path string, q url.Values, body []byte) (*providers.Response, error) {
	base, err := apiBase(s)
	if err != nil {
		return nil, err
	}
	req := &providers.Request{Method: method, Path: base + path, Query: q, Body: body}
	if body != nil {
		req.Header = http.Header{"Content-Type": {"application/json"}}
	}
	return c.Do(ctx, req)
}

// head holds the system fields read from every record.
type head struct {
	SysID     string `json:"sys_id"`
	UpdatedOn string `json:"sys_updated_on"`
	CreatedOn string `json:"sys_created_on"`
	ModCount  string `json:"sys_mod_count"`
}

// row is one record of an answer: its head and the whole object.
type row struct {
	head
	raw     json.RawMessage
	updated time.Time
}

// decodeRows reads {"result": [...]} and each record's head; a record without sys_id or with an
// unreadable sys_updated_on is malformed.
func decodeRows(resp *providers.Response, what string) ([]row, error) {
	var env struct {
		Result *[]json.RawMessage `json:"result"`
	}
	if err := resp.DecodeJSON(&env); err != nil {
		return nil, err
	}
	if env.Result == nil {
		return nil, providers.Malformed(nil, "servicenow: %s: answer has no result list (HTTP %d, %d bytes)", what, resp.Status, len(resp.Body))
	}
	rows := make([]row, len(*env.Result))
	for i, raw := range *env.Result {
		r, err := decodeRow(raw, what)
		if err != nil {
			return nil, err
		}
		rows[i] = r
	}
	return rows, nil
}

// decodeRow reads one record.
func decodeRow(raw json.RawMessage, what string) (row, error) {
	r := row{raw: raw}
	if err := json.Unmarshal(raw, &r.head); err != nil {
		return row{}, providers.Malformed(err, "servicenow: %s: record: %v", what, err)
	}
	if r.SysID == "" {
		return row{}, providers.Malformed(nil, "servicenow: %s: record without sys_id", what)
	}
	t, err := parseTime(firstNonEmpty(r.UpdatedOn, r.CreatedOn))
	if err != nil {
		return row{}, providers.Malformed(err, "servicenow: %s: record %s: %v", what, r.SysID, err)
	}
	r.updated = t
	return r, nil
}

// parseTime reads a ServiceNow date-time (UTC).
func parseTime(v string) (time.Time, error) {
	t, err := time.ParseInLocation(timeLayout, v, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("date-time %q: %w", clip(v), err)
	}
	return t, nil
}

// formatTime renders a date-time for an encoded query.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
