package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

const createConsumerSignature = "sequin.create_consumer(text,text,jsonb,uuid[],text[],text,integer,integer)"

func (b *testBundle) consumersInstalled(t *testing.T) bool {
	t.Helper()
	var ok bool
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT to_regprocedure($1) IS NOT NULL`, createConsumerSignature).Scan(&ok))
	return ok
}

func TestHTTPConsumers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if !b.consumersInstalled(t) {
		t.Skip(createConsumerSignature + " is not installed by sql/*.sql yet; POST /v1/http-consumers answers 501 until it is")
	}
	runConsumers(t, b)
}

func runConsumers(t *testing.T, b *testBundle) {
	doc := b.openAPI(t)
	syncID := b.sync(t, "main", "acme")

	r := b.do(t, "POST", "/v1/http-consumers", map[string]any{"name": "all-events"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	requireShape(t, doc, "Consumer", r.body)
	require.Equal(t, "http_pull", r.body["kind"])
	require.Equal(t, "all", r.body["start_at"])
	require.Equal(t, 60000.0, r.body["ack_wait_ms"])
	require.Equal(t, -1.0, r.body["max_deliver"])
	first := r.body["id"].(string)

	r = b.do(t, "POST", "/v1/http-consumers", map[string]any{
		"name": "widgets", "sync_ids": []string{syncID}, "collection_ids": []string{"acme:widget"},
		"start_at": "new", "ack_wait_ms": 1000, "max_deliver": 3,
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	require.Equal(t, []any{syncID}, r.body["sync_ids"])
	require.Equal(t, []any{"acme:widget"}, r.body["collection_ids"])
	require.Equal(t, "new", r.body["start_at"])
	require.Equal(t, 1000.0, r.body["ack_wait_ms"])
	require.Equal(t, 3.0, r.body["max_deliver"])

	r = b.do(t, "GET", "/v1/http-consumers?limit=1", nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "ConsumerList", r.body)
	require.Equal(t, first, r.data(t)[0].(map[string]any)["id"])
	r = b.do(t, "GET", "/v1/http-consumers?limit=1&cursor="+r.body["next_cursor"].(string), nil)
	require.Equal(t, "widgets", r.data(t)[0].(map[string]any)["name"])
	require.Nil(t, r.body["next_cursor"])

	r = b.do(t, "GET", "/v1/http-consumers/"+first, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "all-events", r.body["name"])

	// Refusals of sequin.create_consumer reach the client with its words.
	_, err := b.db.Pool.Exec(context.Background(), `SELECT sequin.create_consumer('bad', 'http_pull', '{}', NULL, NULL, 'sometimes', 60000, -1)`)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "start_at 'sometimes' is refused: %v", err)
	r = b.do(t, "POST", "/v1/http-consumers", map[string]any{"name": "bad", "start_at": "sometimes"})
	if pgErr.Code == "22023" {
		r.requireSQLError(t, pgErr)
	} else {
		require.GreaterOrEqual(t, r.status, 400, "%s", r.raw)
	}
	dup := b.do(t, "POST", "/v1/http-consumers", map[string]any{"name": "widgets"})
	require.Contains(t, []int{http.StatusConflict, http.StatusUnprocessableEntity}, dup.status, "%s", dup.raw)

	e := b.do(t, "POST", "/v1/http-consumers", map[string]any{"name": "x", "sync_ids": []string{"s1"}}).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidType)
	require.Equal(t, "sync_ids", e["field"])
	b.do(t, "GET", "/v1/http-consumers/00000000-0000-0000-0000-000000000000", nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)
}

func TestHTTPConsumersWithoutTheSQLFunction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if b.consumersInstalled(t) {
		t.Skip(createConsumerSignature + " is installed; TestHTTPConsumers covers the endpoints")
	}
	e := b.do(t, "POST", "/v1/http-consumers", map[string]any{"name": "c"}).requireError(t, http.StatusNotImplemented, httpapi.CodeNotImplemented)
	require.Contains(t, e["message"], "sequin.create_consumer")
	r := b.do(t, "GET", "/v1/http-consumers", nil)
	require.Equal(t, http.StatusOK, r.status, "the table exists either way")
	require.Empty(t, r.data(t))
}
