package github

import (
	"bytes"
	"container/list"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// etagCacheBytes bounds the memory the ETag cache holds across every sync of the process.
const etagCacheBytes = 32 << 20

// maxCachedBody is the largest page kept; a bigger one is simply not revalidated.
const maxCachedBody = 2 << 20

// RevalidatedHeader marks a response rebuilt from the cache after GitHub answered 304 Not Modified.
const RevalidatedHeader = "X-Sequin-Revalidated"

// etagEntry is a page GitHub answered with an ETag.
type etagEntry struct {
	key         string
	etag        string
	body        []byte
	link        string
	contentType string
}

// etagCache remembers the last page read at each URL, per credential, least recently used first out.
type etagCache struct {
	mu    sync.Mutex
	limit int
	size  int
	order *list.List // of *etagEntry, most recent at the front
	byKey map[string]*list.Element
}

func newETagCache(limit int) *etagCache {
	return &etagCache{limit: limit, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *etagCache) get(key string) *etagEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.byKey[key]
	if el == nil {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*etagEntry)
}

func (c *etagCache) put(e *etagEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.byKey[e.key]; el != nil {
		c.size -= len(el.Value.(*etagEntry).body)
		c.order.Remove(el)
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.size += len(e.body)
	for c.size > c.limit && c.order.Len() > 0 {
		last := c.order.Back()
		old := last.Value.(*etagEntry)
		c.order.Remove(last)
		delete(c.byKey, old.key)
		c.size -= len(old.body)
	}
}

// etagTransport makes every GET conditional on the ETag of the page last read at the same URL with
// the same credential. GitHub answers 304 Not Modified without spending rate limit when nothing
// changed; the transport then hands the remembered page on as a 200, so callers see the same answer
// either way and a page re-listed to sweep deletes still names every object.
type etagTransport struct {
	base  http.RoundTripper
	cache *etagCache
	scope string
}

// RoundTrip sends r, conditionally when a page is remembered for its URL.
func (t *etagTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet || r.Header.Get("If-None-Match") != "" {
		return t.base.RoundTrip(r)
	}
	key := t.scope + " " + r.URL.String()
	cached := t.cache.get(key)
	if cached != nil {
		r = r.Clone(r.Context())
		r.Header.Set("If-None-Match", cached.etag)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		_ = resp.Body.Close()
		resp.StatusCode = http.StatusOK
		resp.Status = "200 OK"
		resp.Header = resp.Header.Clone()
		resp.Header.Set(RevalidatedHeader, "true")
		resp.Header.Set("Content-Type", cached.contentType)
		resp.Header.Set("Content-Length", strconv.Itoa(len(cached.body)))
		if cached.link != "" {
			resp.Header.Set("Link", cached.link)
		} else {
			resp.Header.Del("Link")
		}
		resp.ContentLength = int64(len(cached.body))
		resp.Body = io.NopCloser(bytes.NewReader(cached.body))
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "":
		head, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedBody+1))
		if err != nil {
			_ = resp.Body.Close()
			return nil, err
		}
		if len(head) > maxCachedBody {
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
			return resp, nil
		}
		_ = resp.Body.Close()
		t.cache.put(&etagEntry{key: key, etag: resp.Header.Get("ETag"), body: head,
			link: resp.Header.Get("Link"), contentType: resp.Header.Get("Content-Type")})
		resp.Body = io.NopCloser(bytes.NewReader(head))
	}
	return resp, nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}
