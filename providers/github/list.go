package github

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/jsonscan"
)

// pageSize is the number of objects asked for per list request, GitHub's maximum.
const pageSize = 100

// page is one page of a list endpoint.
type page struct {
	items []json.RawMessage
	// next is the path and query (relative to the client's base URL) of the next page, "" on the last.
	next string
	// at is when GitHub answered, by its Date header.
	at time.Time
}

// fetchPage reads one page of a list endpoint at path (relative to the base URL, with its query). The
// answer is a JSON array, or an object holding one (GET /installation/repositories).
func fetchPage(ctx context.Context, s *providers.Session, path string) (*page, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusNotModified {
		return nil, providers.Malformed(nil, "github: GET %s: 304 Not Modified without a cached page", stripQuery(path))
	}
	p := &page{at: fetchedAt(resp)}
	body := bytes.TrimSpace(resp.Body)
	if len(body) > 0 && body[0] == '{' {
		var wrapped struct {
			Repositories []json.RawMessage `json:"repositories"`
		}
		if err := json.Unmarshal(body, &wrapped); err != nil || wrapped.Repositories == nil {
			return nil, providers.Malformed(err, "github: GET %s: answer is not a list (HTTP %d, %d bytes)", stripQuery(path), resp.Status, len(body))
		}
		p.items = wrapped.Repositories
	} else if err := json.Unmarshal(body, &p.items); err != nil {
		return nil, providers.Malformed(err, "github: GET %s: answer is not a JSON list (HTTP %d, %d bytes): %v", stripQuery(path), resp.Status, len(body), err)
	}
	for i, raw := range p.items {
		if len(raw) == 0 || raw[0] != '{' {
			return nil, providers.Malformed(nil, "github: GET %s: item %d of the list is not an object", stripQuery(path), i)
		}
	}
	next, err := nextLink(s.Client.BaseURL, resp.Header.Get("Link"))
	if err != nil {
		return nil, providers.Malformed(err, "github: GET %s: %v", stripQuery(path), err)
	}
	if next != "" && len(p.items) == 0 {
		return nil, providers.Malformed(nil, "github: GET %s: an empty page links to a next one", stripQuery(path))
	}
	p.next = next
	return p, nil
}

// nextLink returns the rel="next" target of a Link header, relative to base. A link to another host
// is refused: following it would send the credential there.
func nextLink(base, header string) (string, error) {
	target := ""
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if !strings.HasPrefix(part, "<") {
			continue
		}
		end := strings.Index(part, ">")
		if end < 0 {
			continue
		}
		for param := range strings.SplitSeq(part[end+1:], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(k, "rel") && hasToken(strings.Trim(v, `"`), "next") {
				target = part[1:end]
			}
		}
	}
	if target == "" {
		return "", nil
	}
	return relativeTo(base, target)
}

func hasToken(list, tok string) bool {
	for f := range strings.FieldsSeq(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// relativeTo turns an absolute API URL into a path relative to base.
func relativeTo(base, target string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("base URL %q: %w", base, err)
	}
	t, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("next page link %q: %w", clip(target), err)
	}
	if t.Host == "" {
		t = b.ResolveReference(t)
	}
	if !strings.EqualFold(t.Host, b.Host) {
		return "", fmt.Errorf("next page link %q points at another host than %s", clip(target), b.Host)
	}
	prefix := strings.TrimRight(b.Path, "/")
	if !strings.HasPrefix(t.Path, prefix+"/") {
		return "", fmt.Errorf("next page link %q is outside %s", clip(target), base)
	}
	rel := t.Path[len(prefix):]
	if t.RawQuery != "" {
		rel += "?" + t.RawQuery
	}
	return rel, nil
}

// fetchedAt is when GitHub answered, by its Date header (the clock that stamps updated_at), or the
// local clock a second early when the header is missing or implausible.
func fetchedAt(resp *providers.Response) time.Time {
	now := time.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(now).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return now.Add(-time.Second).Truncate(time.Second).UTC()
}

// getObject reads one object; Malformed when the answer is not a JSON object.
func getObject(ctx context.Context, s *providers.Session, path string) (json.RawMessage, time.Time, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return nil, time.Time{}, err
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 || body[0] != '{' || !jsonscan.Valid(body) {
		return nil, time.Time{}, providers.Malformed(nil, "github: GET %s: answer is not a JSON object (HTTP %d, %d bytes)", stripQuery(path), resp.Status, len(body))
	}
	return body, fetchedAt(resp), nil
}

// trimDetail removes the keys a single-object answer has beyond the list shape, so that a fetched
// copy of an object hashes the same as a listed one and re-fetches do not flip-flop its content.
func trimDetail(raw []byte, keys []string) (json.RawMessage, error) {
	if len(keys) == 0 {
		return raw, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	found := false
	for _, k := range keys {
		if _, ok := m[k]; ok {
			delete(m, k)
			found = true
		}
	}
	if !found {
		return raw, nil
	}
	return json.Marshal(m)
}

func stripQuery(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return path[:i]
	}
	return path
}

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
