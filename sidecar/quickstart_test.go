package sidecar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// httpClient calls a sidecar's HTTP API with a token.
type httpClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *httpClient) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	out := map[string]any{}
	if len(raw) > 0 {
		require.NoError(c.t, json.Unmarshal(raw, &out), "%s %s: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

func list(m map[string]any) []any {
	l, _ := m["data"].([]any)
	return l
}

// TestQuickstartOverHTTPAgainstStripe does the whole quickstart as a program would, over HTTP only,
// against a real sidecar and the Stripe emulator: credential, sync, records, events, a pull consumer
// (next and ack), and a mutation whose result comes back through the stream. The one SQL statement
// is the operator creating the API token.
func TestQuickstartOverHTTPAgainstStripe(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 25, RandSeed: 21})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	// Slot names are per server and the tests share one: this sidecar streams from its own.
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "127.0.0.1:0", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), StreamSlot: "slot_" + strings.TrimPrefix(db.Name, "sequin_test_")})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	ctx := context.Background()
	c := &httpClient{t: t, base: "http://" + sc.Addr}
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_api_token('quickstart')`).Scan(&c.token))

	status, body := c.do("POST", "/v1/credentials", map[string]any{"provider": "stripe", "properties": map[string]any{"secret": goodKey}})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	credID := body["id"].(string)

	status, body = c.do("POST", "/v1/syncs", map[string]any{"provider": "stripe", "name": "qs", "collection_ids": []string{"customer"},
		"credential_id": credID, "options": map[string]any{"base_url": url, "poll_interval_ms": 300}})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	syncID := body["id"].(string)
	require.Eventually(t, func() bool {
		_, s := c.do("GET", "/v1/syncs/"+syncID, nil)
		cols, _ := s["collections"].([]any)
		return len(cols) == 1 && cols[0].(map[string]any)["state"] == "live"
	}, 30*time.Second, 50*time.Millisecond, "the sync goes live")

	require.Eventually(t, func() bool { // sequin.records takes in new tables a moment after they are made
		_, body = c.do("GET", "/v1/records?sync_id="+syncID+"&collection_id=customer&limit=100", nil)
		return len(list(body)) == 25
	}, 10*time.Second, 20*time.Millisecond)
	_, body = c.do("GET", "/v1/events?sync_id="+syncID+"&limit=100", nil)
	require.Len(t, list(body), 25)

	status, body = c.do("POST", "/v1/http-consumers", map[string]any{"name": "qs", "sync_ids": []string{syncID}, "ack_wait_ms": 30000})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	consumer := body["id"].(string)
	pull := func(want int) []any {
		var got []any
		require.Eventually(t, func() bool {
			st, b := c.do("POST", "/v1/http-consumers/"+consumer+"/next", map[string]any{"batch_size": 100})
			require.Equal(t, http.StatusOK, st, "%v", b)
			got = append(got, list(b)...)
			return len(got) >= want
		}, 20*time.Second, 50*time.Millisecond)
		require.Len(t, got, want)
		var tokens []string
		for _, m := range got {
			tokens = append(tokens, m.(map[string]any)["ack_token"].(string))
		}
		st, b := c.do("POST", "/v1/http-consumers/"+consumer+"/ack", map[string]any{"ack_tokens": tokens})
		require.Equal(t, http.StatusOK, st, "%v", b)
		return got
	}
	got := pull(25) // start_at 'all': the backfill's events
	require.Equal(t, "inserted", got[0].(map[string]any)["record"].(map[string]any)["event"])

	status, body = c.do("POST", "/v1/mutations/run", map[string]any{"kind": "create", "sync_id": syncID, "collection_id": "customer",
		"data": []any{map[string]any{"email": "quick@example.com", "metadata": map[string]any{"from": "http"}}}})
	require.Equal(t, http.StatusOK, status, "%v", body)
	outcome := list(body)[0].(map[string]any)
	require.Equal(t, "succeeded", outcome["status"], "%v", outcome)
	newID := outcome["upstream_id"].(string)
	require.Equal(t, 26, emu.Count("customer"))

	got = pull(1) // the mutation's result, through the stream
	rec := got[0].(map[string]any)["record"].(map[string]any)
	require.Equal(t, newID, rec["upstream_id"])
	require.Equal(t, "inserted", rec["event"])

	_, body = c.do("GET", "/v1/mutations/"+outcome["id"].(string), nil)
	require.Equal(t, "succeeded", body["status"])
	st, _ := c.do("POST", "/v1/http-consumers/"+consumer+"/next", map[string]any{"batch_size": 10})
	require.Equal(t, http.StatusOK, st)
}
