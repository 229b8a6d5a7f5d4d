package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testKey = "sk_test_emulator_key_1234"

// fixedNow is the clock of tests that need stable timestamps.
var fixedNow = time.Date(2024, 9, 1, 12, 0, 0, 0, time.UTC)

// apiClient talks to a started emulator over real HTTP.
type apiClient struct {
	t       *testing.T
	base    string
	key     string
	account string
	hc      *http.Client
}

func startServer(t *testing.T, cfg Config) (*Server, *apiClient) {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{testKey}
	}
	s := New(cfg)
	base, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.Equal(t, base, s.URL())
	return s, &apiClient{t: t, base: base, key: testKey, hc: &http.Client{Timeout: 10 * time.Second}}
}

type apiResult struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r apiResult) errField(name string) string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e[name].(string)
	return s
}

func (r apiResult) data() []map[string]any {
	list, _ := r.body["data"].([]any)
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = e.(map[string]any)
	}
	return out
}

func (c *apiClient) do(method, path string, form url.Values, header map[string]string) apiResult {
	c.t.Helper()
	var body io.Reader
	target := c.base + path
	if form != nil && method == http.MethodGet {
		if strings.Contains(path, "?") {
			target += "&" + form.Encode()
		} else {
			target += "?" + form.Encode()
		}
	} else if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.account != "" {
		req.Header.Set("Stripe-Account", c.account)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	res := apiResult{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &res.body)
	return res
}

func (c *apiClient) get(path string, q url.Values) apiResult {
	c.t.Helper()
	return c.do(http.MethodGet, path, q, nil)
}

func (c *apiClient) post(path string, form url.Values) apiResult {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return c.do(http.MethodPost, path, form, nil)
}

func (c *apiClient) del(path string) apiResult {
	c.t.Helper()
	return c.do(http.MethodDelete, path, nil, nil)
}

// mustOK fails the test unless the result is a 200.
func mustOK(t *testing.T, r apiResult) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.raw)
	return r.body
}

// walk pages through a list with starting_after and returns every id, newest first.
func (c *apiClient) walk(path string, q url.Values, limit int) []string {
	c.t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(c.t, pages, 100000)
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("limit", itoa(int64(limit)))
		if cursor != "" {
			v.Set("starting_after", cursor)
		}
		res := c.get(path, v)
		body := mustOK(c.t, res)
		page := res.data()
		require.LessOrEqual(c.t, len(page), limit)
		for _, o := range page {
			ids = append(ids, o["id"].(string))
		}
		if body["has_more"] != true {
			return ids
		}
		require.NotEmpty(c.t, page, "has_more with an empty page")
		cursor = page[len(page)-1]["id"].(string)
	}
}

func ids(objs []map[string]any) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o["id"].(string)
	}
	return out
}

func num(v any) int64 {
	n, _ := toInt64(v)
	return n
}
