package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestListProviders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "GET", "/v1/providers", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	requireShape(t, b.openAPI(t), "ProviderList", r.body)
	ps := r.data(t)
	require.Len(t, ps, 2)
	acme := ps[0].(map[string]any)
	require.Equal(t, "acme", acme["provider"])
	kinds := acme["credential_kinds"].([]any)
	require.Equal(t, "acme_key", kinds[0].(map[string]any)["kind"])
	require.Contains(t, kinds[0].(map[string]any)["fields"], map[string]any{"name": "api_key", "type": "string", "required": true, "secret": true})
	cols := acme["collections"].([]any)
	require.Equal(t, "acme:widget", cols[0].(map[string]any)["id"])
	require.Equal(t, []any{}, cols[0].(map[string]any)["mutation_kinds"])
	require.Contains(t, cols[0].(map[string]any)["fields"], map[string]any{"name": "price", "type": "numeric"})
	require.Equal(t, []any{"create", "update", "delete"}, ps[1].(map[string]any)["collections"].([]any)[0].(map[string]any)["mutation_kinds"])
	require.Nil(t, r.body["next_cursor"])

	r = b.do(t, "GET", "/v1/providers?limit=1", nil)
	require.Equal(t, "acme", r.data(t)[0].(map[string]any)["provider"])
	require.Equal(t, true, r.body["has_more"])
	r = b.do(t, "GET", "/v1/providers?limit=1&cursor="+r.body["next_cursor"].(string), nil)
	require.Equal(t, "forge", r.data(t)[0].(map[string]any)["provider"])
	require.Nil(t, r.body["next_cursor"])
}
