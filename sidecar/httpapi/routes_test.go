package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// routeCase tells the generic tests how to call one route of the management API.
type routeCase struct {
	// path is a path that succeeds with status ok, and body its body ("" for none).
	path string
	body string
	ok   int
	// idPath formats the path for another id; nil when the route has none.
	idPath func(id string) string
	// mistyped is a request (body, or query when the route takes no body) with a value of the wrong
	// type in field.
	mistyped, field string
	// optionalBody routes accept an empty body.
	optionalBody bool
	// needsConsumers routes succeed only once sequin.create_consumer is installed.
	needsConsumers bool
}

func (c routeCase) takesBody() bool { return c.body != "" }

// routeCases covers every authenticated route; TestEveryRouteIsCovered keeps it complete.
func routeCases(t *testing.T, b *testBundle) map[string]routeCase {
	t.Helper()
	syncID := b.sync(t, "main", "acme")
	dropMe := b.sync(t, "drop-me", "acme_drop")
	freeCred := b.credential(t)
	dropCred := b.credential(t)
	forgeSync := b.forgeSync(t)
	mutation := b.sqlString(t, `SELECT sequin.mutate($1, 'item', 'create', '{"title": "t"}')::text`, forgeSync)
	consumer := "00000000-0000-0000-0000-00000000c0c0"
	if b.consumersInstalled(t) {
		consumer = b.sqlString(t, `SELECT sequin.create_consumer('fixture', 'http_pull')::text`)
	}
	under := func(prefix, suffix string) func(string) string {
		return func(id string) string { return prefix + id + suffix }
	}
	return map[string]routeCase{
		"GET /v1/providers": {path: "/v1/providers", ok: 200,
			mistyped: "?limit=all", field: "limit"},
		"GET /v1/credentials": {path: "/v1/credentials", ok: 200,
			mistyped: "?limit=ten", field: "limit"},
		"POST /v1/credentials": {path: "/v1/credentials", ok: 201, body: `{"provider": "acme", "properties": {"api_key": "k"}}`,
			mistyped: `{"provider": 5}`, field: "provider"},
		"GET /v1/credentials/{id}":    {path: "/v1/credentials/" + freeCred, ok: 200, idPath: under("/v1/credentials/", "")},
		"DELETE /v1/credentials/{id}": {path: "/v1/credentials/" + dropCred, ok: 204, idPath: under("/v1/credentials/", "")},
		"GET /v1/syncs": {path: "/v1/syncs", ok: 200,
			mistyped: "?limit=ten", field: "limit"},
		"POST /v1/syncs": {path: "/v1/syncs", ok: 201,
			body:     `{"provider": "acme", "name": "new", "collection_ids": ["widget"], "credential_id": "` + freeCred + `", "options": {"schema": "acme_new"}}`,
			mistyped: `{"collection_ids": "widget"}`, field: "collection_ids"},
		"GET /v1/syncs/{id}": {path: "/v1/syncs/" + syncID, ok: 200, idPath: under("/v1/syncs/", "")},
		"PATCH /v1/syncs/{id}": {path: "/v1/syncs/" + syncID, ok: 200, idPath: under("/v1/syncs/", ""),
			body: `{"name": "main"}`, mistyped: `{"name": 1}`, field: "name"},
		"DELETE /v1/syncs/{id}": {path: "/v1/syncs/" + dropMe, ok: 204, idPath: under("/v1/syncs/", ""),
			mistyped: "?drop_tables=perhaps", field: "drop_tables"},
		"POST /v1/syncs/{id}/pause":  {path: "/v1/syncs/" + syncID + "/pause", ok: 200, idPath: under("/v1/syncs/", "/pause")},
		"POST /v1/syncs/{id}/resume": {path: "/v1/syncs/" + syncID + "/resume", ok: 200, idPath: under("/v1/syncs/", "/resume")},
		"POST /v1/syncs/{id}/resync": {path: "/v1/syncs/" + syncID + "/resync", ok: 200, idPath: under("/v1/syncs/", "/resync"),
			body: `{"collection_id": "widget"}`, optionalBody: true, mistyped: `{"collection_id": 5}`, field: "collection_id"},
		"GET /v1/events": {path: "/v1/events", ok: 200,
			mistyped: "?after_seq=last", field: "after_seq"},
		"GET /v1/records": {path: "/v1/records?sync_id=" + syncID, ok: 200,
			mistyped: "?sync_id=main", field: "sync_id"},
		"GET /v1/http-consumers": {path: "/v1/http-consumers", ok: 200,
			mistyped: "?limit=-1", field: "limit"},
		"POST /v1/http-consumers": {path: "/v1/http-consumers", ok: 201, body: `{"name": "pull"}`, needsConsumers: true,
			mistyped: `{"ack_wait_ms": "1s"}`, field: "ack_wait_ms"},
		"GET /v1/http-consumers/{id}": {path: "/v1/http-consumers/" + consumer, ok: 200, idPath: under("/v1/http-consumers/", ""), needsConsumers: true},
		"POST /v1/mutations/run": {path: "/v1/mutations/run", ok: 202,
			body:     `{"kind": "create", "sync_id": "` + forgeSync + `", "collection_id": "item", "data": [{"title": "x"}], "timeout_ms": 0}`,
			mistyped: `{"data": {"title": "x"}}`, field: "data"},
		"GET /v1/mutations/{id}": {path: "/v1/mutations/" + mutation, ok: 200, idPath: under("/v1/mutations/", "")},
	}
}

var publicRoutes = []string{"GET /healthz", "GET /metrics", "GET /v1/openapi.json"}

func TestEveryRouteIsCovered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	want := append(keys(routeCases(t, b)), publicRoutes...)
	sort.Strings(want)
	require.Equal(t, want, b.server.Routes(), "a route without a case in routeCases is not tested")
}

func TestEveryRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	revoked := b.sqlString(t, `SELECT sequin.create_api_token('revoked')`)
	b.exec(t, `SELECT sequin.revoke_api_token('revoked')`)
	installed := b.consumersInstalled(t)
	cases := routeCases(t, b)
	oversized := `{"name": "` + strings.Repeat("a", httpapi.DefaultMaxBodyBytes) + `"}`

	// Failures first, then the successes; each DELETE has a fixture of its own.
	for _, pattern := range keys(cases) {
		c := cases[pattern]
		method, _, _ := strings.Cut(pattern, " ")
		t.Run(pattern, func(t *testing.T) {
			t.Run("no token", func(t *testing.T) {
				b.doAs(t, "", method, c.path, c.body).requireError(t, http.StatusUnauthorized, httpapi.CodeUnauthorized)
			})
			t.Run("revoked token", func(t *testing.T) {
				b.doAs(t, revoked, method, c.path, c.body).requireError(t, http.StatusUnauthorized, httpapi.CodeUnauthorized)
			})
			t.Run("unknown query parameter", func(t *testing.T) {
				sep := "?"
				if strings.Contains(c.path, "?") {
					sep = "&"
				}
				e := b.do(t, method, c.path+sep+"bogus=1", c.body).requireError(t, http.StatusBadRequest, httpapi.CodeUnknownParameter)
				require.Equal(t, "bogus", e["field"])
			})
			if c.mistyped != "" {
				t.Run("wrong type", func(t *testing.T) {
					var r *response
					if strings.HasPrefix(c.mistyped, "?") {
						r = b.do(t, method, strings.SplitN(c.path, "?", 2)[0]+c.mistyped, nil)
						e := r.requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
						require.Equal(t, c.field, e["field"])
						return
					}
					e := b.do(t, method, c.path, c.mistyped).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidType)
					require.Equal(t, c.field, e["field"])
					require.Contains(t, e["message"], c.field)
				})
			}
			if c.takesBody() {
				t.Run("malformed JSON", func(t *testing.T) {
					for _, body := range []string{`{"name": `, `{name: 1}`, `{} {}`, `{}x`} {
						b.do(t, method, c.path, body).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidJSON)
					}
					e := b.do(t, method, c.path, `[1, 2]`).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidType)
					require.Contains(t, e["message"], "must be a JSON object")
					if !c.optionalBody {
						e := b.do(t, method, c.path, "").requireError(t, http.StatusBadRequest, httpapi.CodeInvalidJSON)
						require.Contains(t, e["message"], "empty")
					}
				})
				t.Run("unknown field", func(t *testing.T) {
					e := b.do(t, method, c.path, `{"colour": "red"}`).requireError(t, http.StatusBadRequest, httpapi.CodeUnknownField)
					require.Equal(t, "colour", e["field"])
					require.Contains(t, e["hint"], "accepted fields: ")
				})
				t.Run("oversized body", func(t *testing.T) {
					e := b.do(t, method, c.path, oversized).requireError(t, http.StatusRequestEntityTooLarge, httpapi.CodeBodyTooLarge)
					require.Contains(t, e["message"], "1048576 bytes")
				})
			}
			if c.idPath != nil {
				t.Run("unknown id", func(t *testing.T) {
					for _, id := range []string{"6a1c1f9e-8f7e-4c4e-9a57-1d0f2b3c4d5e", "nope"} {
						e := b.do(t, method, c.idPath(id), c.body).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)
						require.Contains(t, e["message"], id)
					}
				})
			}
		})
	}
	for _, pattern := range keys(cases) {
		c := cases[pattern]
		method, _, _ := strings.Cut(pattern, " ")
		t.Run(pattern+"/success", func(t *testing.T) {
			if c.needsConsumers && !installed {
				t.Skip("sequin.create_consumer is not installed yet")
			}
			r := b.do(t, method, c.path, c.body)
			require.Equal(t, c.ok, r.status, "%s", r.raw)
		})
	}
}

func TestBodyLimitIsConfigurable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	small := &httpapi.Server{Pool: b.db.Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: 100}
	ts := httptest.NewServer(small.Handler())
	defer ts.Close()
	b.http = ts
	e := b.do(t, "POST", "/v1/credentials", `{"provider": "acme", "properties": {"api_key": "`+strings.Repeat("k", 100)+`"}}`).
		requireError(t, http.StatusRequestEntityTooLarge, httpapi.CodeBodyTooLarge)
	require.Equal(t, "the request body exceeds 100 bytes", e["message"])
	r := b.do(t, "POST", "/v1/credentials", `{"provider": "acme", "properties": {"api_key": "k"}}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	require.Equal(t, false, r.body["sealed"], "without Credentials the control loop seals it")
}

func TestUnknownRoutesAnswerInJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := b.do(t, "GET", "/v1/nothing", nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)
	require.Contains(t, e["hint"], "/v1/openapi.json")
	r := b.do(t, "PUT", "/v1/syncs", "{}")
	r.requireError(t, http.StatusMethodNotAllowed, httpapi.CodeMethodNotAllowed)
	require.Contains(t, r.header.Get("Allow"), "GET")
	require.Contains(t, r.header.Get("Allow"), "POST")
}
