package consume_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

type pullClient struct {
	url, token string
}

// post sends a JSON body (a string is sent as it is) and decodes the answer.
func (c *pullClient) post(t *testing.T, path string, body any) (int, map[string]any) {
	t.Helper()
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		raw = string(b)
	}
	req, err := http.NewRequest(http.MethodPost, c.url+path, bytes.NewBufferString(raw))
	require.NoError(t, err)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(data, &out), string(data))
	return resp.StatusCode, out
}

// The pull API mirrors sequin.next/ack/nack behind the management API's token check.
func TestPullAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.insert(t, event{"a", 1}, event{"a", 2}, event{"b", 1})
	id := e.consumer(t, "pull", "http_pull")
	e.consumer(t, "hook", "webhook", `'{"url": "http://127.0.0.1:1/"}'`)

	c := pullServer(t, e, nil) // the outbox only, as sequin.next
	status, body := (&pullClient{url: c.url}).post(t, "/v1/http-consumers/"+id+"/next", `{}`)
	require.Equal(t, http.StatusUnauthorized, status, "behind the token check: %v", body)

	status, body = c.post(t, "/v1/http-consumers/"+id+"/next", map[string]any{"batch_size": 10})
	require.Equal(t, http.StatusOK, status, body)
	data := body["data"].([]any)
	require.Len(t, data, 2, "a v1 and b v1; a v2 waits for a v1's ack")
	first := data[0].(map[string]any)
	require.NotEmpty(t, first["ack_token"])
	record := first["record"].(map[string]any)
	require.Equal(t, "a", record["upstream_id"])
	require.Equal(t, "acme:widget", record["collection_id"])

	// By name as well as by id; an empty body takes the default batch size.
	status, body = c.post(t, "/v1/http-consumers/pull/next", "")
	require.Equal(t, http.StatusOK, status, body)
	require.Empty(t, body["data"])

	status, body = c.post(t, "/v1/http-consumers/"+id+"/ack", map[string]any{"ack_tokens": []any{first["ack_token"]}})
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, float64(1), body["acked"])
	second := data[1].(map[string]any)
	status, body = c.post(t, "/v1/http-consumers/"+id+"/nack", map[string]any{"ack_tokens": []any{second["ack_token"]}})
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, float64(1), body["nacked"])
	status, body = c.post(t, "/v1/http-consumers/"+id+"/next", map[string]any{"batch_size": 10})
	require.Equal(t, http.StatusOK, status, body)
	require.Len(t, body["data"], 2, "a v2 and b v1 again")

	// Errors in the management API's shape.
	for _, tc := range []struct {
		path   string
		body   any
		status int
		code   string
	}{
		{"/v1/http-consumers/nobody/next", `{}`, http.StatusNotFound, httpapi.CodeNotFound},
		{"/v1/http-consumers/hook/next", `{}`, http.StatusNotFound, httpapi.CodeNotFound},
		{"/v1/http-consumers/pull/next", `{"batch_size": 0}`, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument},
		{"/v1/http-consumers/pull/next", `{"batch_size": "ten"}`, http.StatusBadRequest, httpapi.CodeInvalidType},
		{"/v1/http-consumers/pull/next", `{"size": 1}`, http.StatusBadRequest, httpapi.CodeUnknownField},
		{"/v1/http-consumers/pull/next", `{"batch_size": 1`, http.StatusBadRequest, httpapi.CodeInvalidJSON},
		{"/v1/http-consumers/pull/next", `{} {}`, http.StatusBadRequest, httpapi.CodeInvalidJSON},
		{"/v1/http-consumers/pull/ack", `{}`, http.StatusBadRequest, httpapi.CodeInvalidType},
		{"/v1/http-consumers/pull/ack", `{"ack_tokens": ["forged"]}`, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument},
	} {
		status, body := c.post(t, tc.path, tc.body)
		require.Equal(t, tc.status, status, "%s %v: %v", tc.path, tc.body, body)
		e := body["error"].(map[string]any)
		require.Equal(t, tc.code, e["code"], "%s %v", tc.path, tc.body)
		require.NotEmpty(t, e["message"])
	}
}
