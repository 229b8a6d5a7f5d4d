package emulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// pageToken is what a page_info carries: the first request's filters and the edge of the page the
// client is on. Like Shopify's, it is base64 of JSON and must be sent back unchanged.
type pageToken struct {
	Filters   string `json:"query"`
	LastID    int64  `json:"last_id"`
	LastValue int64  `json:"last_value"`
	Direction string `json:"direction"`
}

// maxPageInfo bounds an accepted page_info.
const maxPageInfo = 4096

var errBadToken = errors.New("invalid page_info")

func encodeToken(t pageToken) string {
	return base64.RawURLEncoding.EncodeToString(encode(map[string]any{
		"query": t.Filters, "last_id": t.LastID, "last_value": t.LastValue, "direction": t.Direction,
	}))
}

func decodeToken(s string) (pageToken, error) {
	var t pageToken
	if s == "" || len(s) > maxPageInfo {
		return t, errBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, errBadToken
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || (t.Direction != "next" && t.Direction != "prev") {
		return t, errBadToken
	}
	if _, err := url.ParseQuery(t.Filters); err != nil {
		return t, errBadToken
	}
	return t, nil
}

// linkHeader renders the Link header of a list page: previous and next pages, each naming only
// page_info, limit and (when asked for) fields, as Shopify's do.
func linkHeader(r *http.Request, limit int, fields, prev, next string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + r.URL.Path
	link := func(token, rel string) string {
		q := "limit=" + strconv.Itoa(limit)
		if fields != "" {
			q += "&fields=" + url.QueryEscape(fields)
		}
		return "<" + base + "?" + q + "&page_info=" + token + ">; rel=\"" + rel + "\""
	}
	var parts []string
	if prev != "" {
		parts = append(parts, link(prev, "previous"))
	}
	if next != "" {
		parts = append(parts, link(next, "next"))
	}
	return strings.Join(parts, ", ")
}
