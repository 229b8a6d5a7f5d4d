package shopify

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

// pageSize is the number of objects asked for per list request, Shopify's maximum.
const pageSize = 250

// shopPlaceholder stands for the credential's shop in the default base URL.
const shopPlaceholder = "{shop}"

// shopDomain matches a shop's myshopify domain, the only host that serves the Admin API.
var shopDomain = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}\.myshopify\.com$`)

// normalizeShop turns what a person may paste as the shop ("acme", "acme.myshopify.com",
// "https://acme.myshopify.com/admin") into its domain, rejecting anything else so that a credential
// cannot point requests (and its token) at another host.
func normalizeShop(v string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if s != "" && !strings.Contains(s, ".") {
		s += ".myshopify.com"
	}
	if !shopDomain.MatchString(s) {
		return "", fmt.Errorf("shopify: shop %q is not a myshopify.com domain (e.g. acme.myshopify.com)", clip(v))
	}
	return s, nil
}

// apiBase returns the API root of a session: the sync's base_url option when set (the client's
// BaseURL then holds it), otherwise the default with the credential's shop filled in.
func apiBase(s *providers.Session) (string, error) {
	base := strings.TrimRight(s.Client.BaseURL, "/")
	if !strings.Contains(base, shopPlaceholder) {
		if base == "" {
			return "", errors.New("shopify: no base URL")
		}
		return base, nil
	}
	shop, err := normalizeShop(s.Credential.String("shop"))
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrUnauthorized, Message: err.Error(), Err: err}
	}
	return strings.Replace(base, shopPlaceholder, shop, 1), nil
}

// do sends one request to path (relative to the API root) through the session's client.
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

// get sends a GET with the session's client.
func get(ctx context.Context, s *providers.Session, path string, q url.Values) (*providers.Response, error) {
	return do(ctx, s, s.Client, http.MethodGet, path, q, nil)
}

// listPage is one page of a list endpoint.
type listPage struct {
	// items are the raw objects under the list's key.
	items []json.RawMessage
	// next is the page_info of the next page, "" on the last page.
	next string
	// at is when Shopify answered.
	at time.Time
}

// fetchList gets one page of a list endpoint: the first page with q, or the page named by pageInfo.
// With page_info Shopify accepts only limit and fields besides it: every filter of the first
// request travels inside the token.
func fetchList(ctx context.Context, s *providers.Session, path, key string, q url.Values, pageInfo, fields string) (*listPage, error) {
	if pageInfo != "" {
		q = url.Values{"page_info": {pageInfo}, "limit": {strconv.Itoa(pageSize)}}
		if fields != "" {
			q.Set("fields", fields)
		}
	}
	resp, err := get(ctx, s, path, q)
	if err != nil {
		return nil, err
	}
	items, err := decodeList(resp, key)
	if err != nil {
		return nil, fmt.Errorf("shopify: GET %s: %w", path, err)
	}
	next, err := nextPageInfo(resp.Header.Values("Link"))
	if err != nil {
		return nil, providers.Malformed(err, "shopify: GET %s: %v", path, err)
	}
	if next != "" && len(items) == 0 {
		return nil, providers.Malformed(nil, "shopify: GET %s: an empty page links to a next page", path)
	}
	return &listPage{items: items, next: next, at: answeredAt(resp)}, nil
}

// decodeList reads {"<key>": [...]}.
func decodeList(resp *providers.Response, key string) ([]json.RawMessage, error) {
	var body map[string]json.RawMessage
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, err
	}
	raw, ok := body[key]
	if !ok {
		return nil, providers.Malformed(nil, "answer has no %q list (HTTP %d, %d bytes)", key, resp.Status, len(resp.Body))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, providers.Malformed(err, "%q is not a list: %v", key, err)
	}
	return items, nil
}

// decodeSingle reads {"<key>": {...}}.
func decodeSingle(resp *providers.Response, key string) (json.RawMessage, error) {
	var body map[string]json.RawMessage
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, err
	}
	raw, ok := body[key]
	if !ok || len(raw) == 0 || raw[0] != '{' {
		return nil, providers.Malformed(nil, "answer has no %q object (HTTP %d, %d bytes)", key, resp.Status, len(resp.Body))
	}
	return raw, nil
}

// count reads GET <path>/count.json.
func count(ctx context.Context, s *providers.Session, path string, q url.Values) (int64, error) {
	resp, err := get(ctx, s, path, q)
	if err != nil {
		return 0, err
	}
	var c struct {
		Count *int64 `json:"count"`
	}
	if err := resp.DecodeJSON(&c); err != nil {
		return 0, err
	}
	if c.Count == nil || *c.Count < 0 {
		return 0, providers.Malformed(nil, "shopify: GET %s: answer has no count", path)
	}
	return *c.Count, nil
}

// head is what the provider reads of every object.
type head struct {
	ID        json.Number `json:"id"`
	UpdatedAt string      `json:"updated_at"`
	CreatedAt string      `json:"created_at"`
}

// decodeHead reads an object's id (a positive integer) and version time.
func decodeHead(raw json.RawMessage) (id string, updated time.Time, err error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", time.Time{}, providers.Malformed(err, "shopify: decoding an object: %v", err)
	}
	id = h.ID.String()
	if !validID(id) {
		return "", time.Time{}, providers.Malformed(nil, "shopify: object without an integer id: %s", clip(string(raw)))
	}
	updated, err = parseTime(h.UpdatedAt, h.CreatedAt)
	if err != nil {
		return "", time.Time{}, providers.Malformed(err, "shopify: object %s: %v", id, err)
	}
	return id, updated, nil
}

// parseTime reads the first non-empty of Shopify's ISO 8601 timestamps ("2024-07-01T09:30:00-04:00").
func parseTime(vs ...string) (time.Time, error) {
	for _, v := range vs {
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp %q: %w", clip(v), err)
		}
		return t.UTC(), nil
	}
	return time.Time{}, errors.New("no updated_at or created_at")
}

// validID reports whether id is a Shopify id: a positive decimal integer.
func validID(id string) bool {
	if id == "" || len(id) > 19 || id[0] == '0' {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	_, err := strconv.ParseInt(id, 10, 64)
	return err == nil
}

// notFound is the error for an id that cannot name an object.
func notFound(collection, id string) error {
	return &providers.Error{Kind: providers.ErrNotFound, Status: http.StatusNotFound,
		Message: fmt.Sprintf("shopify: %s has no object %q", collection, clip(id))}
}

// answeredAt is when Shopify answered, from the Date header, or the local clock a second early.
func answeredAt(resp *providers.Response) time.Time {
	now := time.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(now).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return now.Add(-time.Second).Truncate(time.Second).UTC()
}

// isoTime renders a unix time for Shopify's date filters.
func isoTime(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
