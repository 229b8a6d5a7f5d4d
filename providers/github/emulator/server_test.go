package emulator

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const token = "ghp_emulatorTestToken000000000000000000"

func start(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.Tokens = []string{token}
	s := New(cfg)
	base, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s, base
}

func get(t *testing.T, url string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestCloseWithIdleConnections(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 2, Tokens: []string{token}})
	base, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	// A connection dialed and never used, and one kept alive after a request.
	raw, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer raw.Close()
	resp := get(t, base+"/orgs/acme")
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
}

func TestLinkPagination(t *testing.T) {
	t.Parallel()
	s, base := start(t, Config{Seed: 45})
	var repo string
	for _, k := range s.Keys("issues") {
		repo = strings.Join(strings.SplitN(k, "/", 3)[:2], "/")
		break
	}
	url := base + "/repos/" + repo + "/issues?state=all&per_page=10"
	seen := map[float64]bool{}
	for pages := 0; url != ""; pages++ {
		require.Less(t, pages, 100)
		resp := get(t, url)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var items []map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&items))
		for _, it := range items {
			n := it["number"].(float64)
			require.False(t, seen[n], "issue %v listed twice", n)
			seen[n] = true
		}
		url = ""
		for part := range strings.SplitSeq(resp.Header.Get("Link"), ",") {
			if strings.Contains(part, `rel="next"`) {
				url = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
			}
		}
	}
	want := 0
	for _, k := range s.Keys("issues") {
		want += map[bool]int{true: 1}[strings.HasPrefix(k, repo+"/")]
	}
	for _, k := range s.Keys("pull_requests") {
		want += map[bool]int{true: 1}[strings.HasPrefix(k, repo+"/")]
	}
	require.Len(t, seen, want, "the issues listing holds issues and pull requests")
}

func TestConditionalGetIsFree(t *testing.T) {
	t.Parallel()
	_, base := start(t, Config{Seed: 3})
	first := get(t, base+"/orgs/acme/members")
	etag := first.Header.Get("ETag")
	require.NotEmpty(t, etag)
	used := first.Header.Get("X-RateLimit-Used")
	again := get(t, base+"/orgs/acme/members", "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, again.StatusCode)
	require.Equal(t, used, again.Header.Get("X-RateLimit-Used"))
}

func TestPrimaryLimit(t *testing.T) {
	t.Parallel()
	_, base := start(t, Config{Seed: 1, RateLimit: 1})
	require.Equal(t, http.StatusOK, get(t, base+"/orgs/acme").StatusCode)
	resp := get(t, base+"/orgs/acme/repos")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
	require.NotEmpty(t, resp.Header.Get("X-RateLimit-Reset"))
	body, _ := io.ReadAll(resp.Body)
	require.Contains(t, string(body), "API rate limit exceeded")
	require.Equal(t, http.StatusOK, get(t, base+"/rate_limit").StatusCode, "GET /rate_limit is not limited")
}
