package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// TestQuickstartOverHTTP walks the quickstart as a program would, over HTTP only: the one SQL
// statement is the operator creating the API token.
func TestQuickstartOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t) // creates the token: SELECT sequin.create_api_token('tests')
	doc := b.openAPI(t)

	// Discover what acme needs.
	r := b.do(t, "GET", "/v1/providers", nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "ProviderList", r.body)
	var acme map[string]any
	for _, p := range r.data(t) {
		if p.(map[string]any)["provider"] == "acme" {
			acme = p.(map[string]any)
		}
	}
	require.NotNil(t, acme)

	// A credential, sealed at once.
	r = b.do(t, "POST", "/v1/credentials", map[string]any{"provider": "acme", "properties": map[string]any{"api_key": "ak_quickstart"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	requireShape(t, doc, "Credential", r.body)
	require.Equal(t, true, r.body["sealed"])
	credID := r.body["id"].(string)

	// A sync of both collections.
	r = b.do(t, "POST", "/v1/syncs", map[string]any{
		"provider": "acme", "name": "quickstart", "collection_ids": []string{"widget", "gadget"}, "credential_id": credID,
		"options": map[string]any{"poll_interval_ms": 1000},
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	syncID := r.body["id"].(string)

	r = b.do(t, "GET", "/v1/syncs/"+syncID, nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "Sync", r.body)
	require.Len(t, r.body["collections"], 2)
	r = b.do(t, "GET", "/v1/syncs", nil)
	requireShape(t, doc, "SyncList", r.body)
	require.Len(t, r.data(t), 1)

	// acme's collections are empty upstream: no events, no records.
	r = b.do(t, "GET", "/v1/events?sync_id="+syncID, nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "EventList", r.body)
	require.Empty(t, r.data(t))
	r = b.do(t, "GET", "/v1/records?sync_id="+syncID+"&collection_id=widget", nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "RecordList", r.body)
	require.Empty(t, r.data(t))

	// A pull consumer of the sync's events.
	if b.consumersInstalled(t) {
		r = b.do(t, "POST", "/v1/http-consumers", map[string]any{"name": "quickstart", "sync_ids": []string{syncID}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		requireShape(t, doc, "Consumer", r.body)
		r = b.do(t, "GET", "/v1/http-consumers", nil)
		require.Len(t, r.data(t), 1)
	} else {
		t.Log("skipping the consumer step: sequin.create_consumer is not installed yet")
	}

	// acme has no mutable collections: the mutations trigger refuses the write, and says so.
	r = b.do(t, "POST", "/v1/mutations/run", map[string]any{
		"kind": "create", "sync_id": syncID, "collection_id": "widget", "data": []any{map[string]any{"name": "w"}},
	})
	e := r.requireError(t, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument)
	require.Equal(t, "sequin.mutations: kind: acme:widget does not support create", e["message"])
	require.Equal(t, "supported: none", e["hint"])
	requireShape(t, doc, "ErrorResponse", r.body)

	// Change, pause, resume, and clean up.
	r = b.do(t, "PATCH", "/v1/syncs/"+syncID, map[string]any{"rate_limit": map[string]any{"allowed_requests": 2, "interval": 1000}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, "paused", b.do(t, "POST", "/v1/syncs/"+syncID+"/pause", nil).body["status"])
	require.Equal(t, "active", b.do(t, "POST", "/v1/syncs/"+syncID+"/resume", nil).body["status"])
	require.Equal(t, http.StatusNoContent, b.do(t, "DELETE", "/v1/syncs/"+syncID+"?drop_tables=true", nil).status)
	require.Equal(t, http.StatusNoContent, b.do(t, "DELETE", "/v1/credentials/"+credID, nil).status)
	require.Empty(t, b.do(t, "GET", "/v1/credentials", nil).data(t))

	r = b.doAs(t, "", "GET", "/healthz", nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "Health", r.body)
}
