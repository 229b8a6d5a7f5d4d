package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

func TestListRecords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := b.openAPI(t)
	id := b.sync(t, "main", "acme")
	b.exec(t, `SELECT sequin.add_collections($1, ARRAY['gadget'])`, id)
	// Tables as the engine creates them.
	b.exec(t, `CREATE SCHEMA acme;
		CREATE TABLE acme.widget (id text primary key, _data jsonb, _sync_id uuid, _upstream_updated_at timestamptz, _synced_at timestamptz);
		CREATE TABLE acme.gadget (id text primary key, _data jsonb, _sync_id uuid, _upstream_updated_at timestamptz, _synced_at timestamptz);
		SELECT sequin._rebuild_records_view()`)
	b.exec(t, `INSERT INTO acme.widget SELECT 'w' || i, jsonb_build_object('id', 'w' || i), $1, now(), now() FROM generate_series(1, 5) i`, id)
	b.exec(t, `INSERT INTO acme.gadget SELECT 'g' || i, jsonb_build_object('id', 'g' || i), $1, now(), now() FROM generate_series(1, 2) i`, id)

	r := b.do(t, "GET", "/v1/records?sync_id="+id, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	requireShape(t, doc, "RecordList", r.body)
	require.Len(t, r.data(t), 7)
	rec := r.data(t)[0].(map[string]any)
	require.Equal(t, "acme:gadget", rec["collection_id"], "ordered by collection, then upstream id")
	require.Equal(t, "g1", rec["upstream_id"])
	require.Equal(t, map[string]any{"id": "g1"}, rec["data"])
	require.Nil(t, r.body["next_cursor"])

	var ids []string
	path := "/v1/records?limit=3&sync_id=" + id
	for {
		r := b.do(t, "GET", path, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		for _, x := range r.data(t) {
			ids = append(ids, x.(map[string]any)["upstream_id"].(string))
		}
		if r.body["next_cursor"] == nil {
			break
		}
		path = "/v1/records?limit=3&sync_id=" + id + "&cursor=" + r.body["next_cursor"].(string)
	}
	require.Equal(t, []string{"g1", "g2", "w1", "w2", "w3", "w4", "w5"}, ids)

	r = b.do(t, "GET", "/v1/records?sync_id="+id+"&collection_id=widget&after=w3", nil)
	require.Len(t, r.data(t), 2)
	require.Equal(t, "w4", r.data(t)[0].(map[string]any)["upstream_id"])
	r = b.do(t, "GET", "/v1/records?sync_id="+id+"&collection_id=acme:gadget", nil)
	require.Len(t, r.data(t), 2)

	e := b.do(t, "GET", "/v1/records", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	require.Equal(t, "sync_id", e["field"])
	b.do(t, "GET", "/v1/records?sync_id=x", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	b.do(t, "GET", "/v1/records?sync_id="+id+"&after=w3", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	b.do(t, "GET", "/v1/records?sync_id="+id+"&cursor=x", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	b.do(t, "GET", "/v1/records?sync_id=00000000-0000-0000-0000-000000000000", nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)
}
