package httpapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// applyMutations stands in for the sidecar's mutate worker until the test ends: it finishes pending
// mutations the way the worker records outcomes, failing those whose title is "fail".
func (b *testBundle) applyMutations(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			_, _ = b.db.Pool.Exec(ctx, `UPDATE sequin.mutations SET
				status = CASE WHEN data->>'title' = 'fail' THEN 'failed' ELSE 'succeeded' END,
				upstream_id = coalesce(upstream_id, 'it_' || left(id::text, 8)),
				result = CASE WHEN data->>'title' = 'fail' THEN NULL ELSE data END,
				error = CASE WHEN data->>'title' = 'fail' THEN 'forge refused the title' END,
				error_code = CASE WHEN data->>'title' = 'fail' THEN 'invalid_request' END,
				attempts = 1, updated_at = now(), completed_at = now()
				WHERE status = 'pending'`)
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func TestRunMutations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	doc := b.openAPI(t)
	syncID := b.forgeSync(t)
	b.applyMutations(t)

	r := b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "create", "sync_id": syncID, "collection_id": "item",
		"data": []any{map[string]any{"title": "one"}, map[string]any{"title": "fail"}},
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	requireShape(t, doc, "MutationRunResult", r.body)
	out := r.data(t)
	require.Len(t, out, 2)
	ok, failed := out[0].(map[string]any), out[1].(map[string]any)
	require.Equal(t, "succeeded", ok["status"], "in the order given")
	require.Equal(t, map[string]any{"title": "one"}, ok["result"])
	require.NotEmpty(t, ok["upstream_id"])
	require.Equal(t, "failed", failed["status"])
	require.Equal(t, "forge refused the title", failed["error"])
	require.Equal(t, "invalid_request", failed["error_code"])

	var jobs int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.river_job WHERE kind = 'sequin.mutate' AND args->>'mutation_id' = $1`, ok["id"]).Scan(&jobs))
	require.Equal(t, 1, jobs, "inserted through sequin.mutate, whose trigger enqueues the job")

	// Updates carry their upstream id in each item, or in upstream_ids.
	r = b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "update", "sync_id": syncID, "collection_id": "forge:item",
		"data": []any{map[string]any{"upstream_id": "it_1", "title": "renamed"}},
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	m := b.do(t, "GET", "/v1/mutations/"+r.data(t)[0].(map[string]any)["id"].(string), nil)
	require.Equal(t, http.StatusOK, m.status)
	requireShape(t, doc, "Mutation", m.body)
	require.Equal(t, "it_1", m.body["upstream_id"])
	require.Equal(t, map[string]any{"title": "renamed"}, m.body["data"], "upstream_id is not part of the data")
	require.Equal(t, "update", m.body["kind"])

	r = b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "delete", "sync_id": syncID, "collection_id": "item", "upstream_ids": []string{"it_1", "it_2"},
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, "it_2", r.data(t)[1].(map[string]any)["upstream_id"])
}

func TestRunMutationsTimesOutWith202(t *testing.T) {
	t.Parallel()
	b := setup(t)
	syncID := b.forgeSync(t)
	start := time.Now()
	r := b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "create", "sync_id": syncID, "collection_id": "item", "data": []any{map[string]any{"title": "t"}}, "timeout_ms": 200,
	})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.raw)
	require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	item := r.data(t)[0].(map[string]any)
	require.Equal(t, "pending", item["status"])
	m := b.do(t, "GET", "/v1/mutations/"+item["id"].(string), nil)
	require.Equal(t, "pending", m.body["status"], "committed, for the sidecar to apply")

	r = b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "create", "sync_id": syncID, "collection_id": "item", "data": []any{map[string]any{}}, "timeout_ms": 0,
	})
	require.Equal(t, http.StatusAccepted, r.status)
}

func TestRunMutationsRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	forgeSync := b.forgeSync(t)
	acmeSync := b.sync(t, "acme", "acme")

	// The trigger's validation, word for word.
	cases := []struct {
		name string
		body map[string]any
		sql  string
		args []any
	}{
		{"collection without mutations", map[string]any{"kind": "create", "sync_id": acmeSync, "collection_id": "widget", "data": []any{map[string]any{"name": "w"}}},
			`SELECT sequin.mutate($1, 'widget', 'create', '{"name": "w"}')`, []any{acmeSync}},
		{"unknown sync", map[string]any{"kind": "create", "sync_id": "00000000-0000-0000-0000-000000000000", "collection_id": "item", "data": []any{map[string]any{}}},
			`SELECT sequin.mutate('00000000-0000-0000-0000-000000000000', 'item', 'create')`, nil},
		{"collection not synced", map[string]any{"kind": "create", "sync_id": forgeSync, "collection_id": "widget", "data": []any{map[string]any{}}},
			`SELECT sequin.mutate($1, 'widget', 'create')`, []any{forgeSync}},
		{"bad kind", map[string]any{"kind": "upsert", "sync_id": forgeSync, "collection_id": "item", "data": []any{map[string]any{}}},
			`SELECT sequin.mutate($1, 'item', 'upsert')`, []any{forgeSync}},
		{"update without upstream id", map[string]any{"kind": "update", "sync_id": forgeSync, "collection_id": "item", "data": []any{map[string]any{"title": "x"}}},
			`SELECT sequin.mutate($1, 'item', 'update', '{"title": "x"}')`, []any{forgeSync}},
		{"create with upstream id", map[string]any{"kind": "create", "sync_id": forgeSync, "collection_id": "item", "upstream_ids": []string{"x"}},
			`SELECT sequin.mutate($1, 'item', 'create', upstream_id => 'x')`, []any{forgeSync}},
		{"data not an object", map[string]any{"kind": "create", "sync_id": forgeSync, "collection_id": "item", "data": []any{[]int{1}}},
			`SELECT sequin.mutate($1, 'item', 'create', '[1]')`, []any{forgeSync}},
		{"no sync", map[string]any{"kind": "create", "collection_id": "item", "data": []any{map[string]any{}}},
			`SELECT sequin.mutate(NULL, 'item', 'create')`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.do(t, "POST", "/v1/mutations/run", tc.body).requireSQLError(t, b.sqlError(t, tc.sql, tc.args...))
		})
	}
	e := b.do(t, "POST", "/v1/mutations/run", cases[0].body).errorBody(t)
	require.Equal(t, "supported: none", e["hint"])

	// One bad item refuses the whole run, and names the item.
	e = b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "update", "sync_id": forgeSync, "collection_id": "item",
		"data": []any{map[string]any{"upstream_id": "it_1"}, map[string]any{"title": "no id"}},
	}).requireError(t, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument)
	require.Equal(t, 1.0, e["item"])
	require.Contains(t, e["message"], "upstream_id is required for update")
	var n int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.mutations`).Scan(&n))
	require.Zero(t, n, "nothing inserted by refused runs")

	for name, body := range map[string]map[string]any{
		"timeout too long": {"kind": "create", "sync_id": forgeSync, "collection_id": "item", "data": []any{map[string]any{}}, "timeout_ms": 60001},
		"no items":         {"kind": "create", "sync_id": forgeSync, "collection_id": "item", "data": []any{}},
		"lengths differ":   {"kind": "update", "sync_id": forgeSync, "collection_id": "item", "data": []any{map[string]any{}, map[string]any{}}, "upstream_ids": []string{"a"}},
		"ids disagree":     {"kind": "update", "sync_id": forgeSync, "collection_id": "item", "data": []any{map[string]any{"upstream_id": "a"}}, "upstream_ids": []string{"b"}},
	} {
		t.Run(name, func(t *testing.T) {
			b.do(t, "POST", "/v1/mutations/run", body).requireError(t, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument)
		})
	}
	e = b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "update", "sync_id": forgeSync, "collection_id": "item", "data": []any{map[string]any{"upstream_id": 5}},
	}).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidType)
	require.Equal(t, "data[0].upstream_id", e["field"])
	e = b.do(t, "POST", "/v1/mutations/run", map[string]any{"sync_id": "s1"}).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidType)
	require.Equal(t, "sync_id", e["field"])
	e = b.do(t, "POST", "/v1/mutations/run", map[string]any{"timeout_ms": "soon"}).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidType)
	require.Equal(t, "timeout_ms", e["field"])

	b.do(t, "GET", "/v1/mutations/00000000-0000-0000-0000-000000000000", nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)
}
