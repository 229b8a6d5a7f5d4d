package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/console"
	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// pageServer serves the console's page without a database: the page and its assets need none.
func pageServer(t *testing.T) *httptest.Server {
	t.Helper()
	api := &httpapi.Server{}
	(&console.Console{}).Register(api)
	ts := httptest.NewServer(api.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func fetch(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

var (
	htmlRef  = regexp.MustCompile(`(?:src|href)="([a-z][a-z0-9_-]*\.(?:js|css))"`)
	jsImport = regexp.MustCompile(`from '\./([a-z0-9_-]+\.js)'`)
)

// TestEveryReferencedAssetIsServed walks the page's references and the modules' imports, so a
// renamed or missing file breaks the test rather than the console.
func TestEveryReferencedAssetIsServed(t *testing.T) {
	t.Parallel()
	ts := pageServer(t)

	resp, _ := fetch(t, ts.URL+"/console")
	require.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	require.Equal(t, "/console/", resp.Header.Get("Location"))

	resp, page := fetch(t, ts.URL+"/console/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Contains(t, page, `id="login-form"`)

	queue := []string{}
	for _, m := range htmlRef.FindAllStringSubmatch(page, -1) {
		queue = append(queue, m[1])
	}
	require.Contains(t, queue, "app.js")
	require.Contains(t, queue, "console.css")
	seen := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		resp, body := fetch(t, ts.URL+"/console/"+name)
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
		require.NotEmpty(t, body, name)
		if strings.HasSuffix(name, ".js") {
			require.Contains(t, resp.Header.Get("Content-Type"), "javascript", name)
			// Values from the API reach the page as text only.
			require.NotContains(t, body, "innerHTML", name)
			require.NotContains(t, body, "insertAdjacentHTML", name)
			for _, m := range jsImport.FindAllStringSubmatch(body, -1) {
				queue = append(queue, m[1])
			}
		} else {
			require.Contains(t, resp.Header.Get("Content-Type"), "text/css", name)
		}
	}
	for _, module := range []string{"api.js", "dom.js", "syncs.js", "create.js", "records.js", "events.js", "consumers.js", "mutations.js"} {
		require.True(t, seen[module], "%s is reachable from the page", module)
	}
}

func TestAssetsRevalidateWithETag(t *testing.T) {
	t.Parallel()
	ts := pageServer(t)
	resp, _ := fetch(t, ts.URL+"/console/app.js")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	resp, body := fetch(t, ts.URL+"/console/app.js", "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, body)
	other, _ := fetch(t, ts.URL+"/console/api.js")
	require.NotEqual(t, etag, other.Header.Get("ETag"), "each file has its own validator")
}

func TestUnknownPageAndDataWithoutToken(t *testing.T) {
	t.Parallel()
	ts := pageServer(t)
	for _, path := range []string{"/console/nope.js", "/console/assets/app.js", "/console/index.html/x"} {
		resp, body := fetch(t, ts.URL+path)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		require.Contains(t, body, `"not_found"`, path)
	}
	for _, path := range []string{"/console/api/mutations", "/console/api/consumers", "/console/api/events/last",
		"/console/api/record", "/console/api/rate-limits", "/console/api/consumers/00000000-0000-0000-0000-000000000000/dead-letters"} {
		resp, body := fetch(t, ts.URL+path)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
		require.Contains(t, body, `"unauthorized"`, path)
	}
}
