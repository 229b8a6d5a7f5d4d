package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/testprovider"
	"github.com/sequinsync/sequin/sidecar/httpapi"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// forge is a provider whose one collection accepts every kind of mutation, so that mutations can be
// inserted; acme (providers/testprovider) accepts none.
type forge struct{}

func (forge) Spec() providers.Spec {
	return providers.Spec{
		Name: "forge", DisplayName: "Forge (test)", DefaultBaseURL: "http://127.0.0.1:1",
		CredentialKinds: []providers.CredentialKind{{Kind: "forge_key", Fields: []providers.CredentialField{
			{Name: "api_key", Type: "string", Required: true, Secret: true},
		}}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 10, IntervalMS: 1000},
	}
}

func (forge) Collections() []*providers.Collection {
	return []*providers.Collection{{
		ID: "forge:item", Name: "item", Deletes: providers.DeletesNone,
		Fields: []providers.Field{{Name: "title", Type: "text", Mutable: true}},
		Backfill: func(context.Context, *providers.Session, string) (*providers.Page, error) {
			return &providers.Page{Done: true}, nil
		},
		Mutate: func(context.Context, *providers.Session, *providers.Mutation) (*providers.Record, error) {
			return nil, nil
		},
		MutationKinds: []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete},
	}}
}

func (forge) Authenticate(_ context.Context, _ providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	return base, nil
}

func (forge) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return providers.ClassifyStatus(status, header, "", string(body))
}

type testBundle struct {
	db     *pgtest.DB
	server *httpapi.Server
	http   *httptest.Server
	creds  *sqlapi.Credentials
	// token is an active API token.
	token string
}

// setup starts the API on a real listener over a fresh database with the acme and forge providers
// published, and creates a token through SQL as an operator would.
func setup(t *testing.T) *testBundle {
	t.Helper()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	reg, err := providers.NewRegistry(testprovider.New(), forge{})
	require.NoError(t, err)
	require.NoError(t, sqlapi.PublishCatalog(ctx, db.Pool, reg))
	keys, err := secret.NewKeyring(secret.GenerateKey())
	require.NoError(t, err)
	creds := &sqlapi.Credentials{Pool: db.Pool, Keys: keys}
	srv := &httpapi.Server{
		Pool: db.Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(),
		Version: "test", Credentials: creds,
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	b := &testBundle{db: db, server: srv, http: ts, creds: creds}
	b.token = b.sqlString(t, `SELECT sequin.create_api_token('tests')`)
	return b
}

// sqlString runs a query returning one text value.
func (b *testBundle) sqlString(t *testing.T, sql string, args ...any) string {
	t.Helper()
	var s string
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&s), sql)
	return s
}

func (b *testBundle) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := b.db.Pool.Exec(context.Background(), sql, args...)
	require.NoError(t, err, sql)
}

// credential creates an acme credential through SQL.
func (b *testBundle) credential(t *testing.T) string {
	t.Helper()
	return b.sqlString(t, `SELECT sequin.create_credential('acme', '{"api_key": "ak_secret_123", "region": "eu"}')::text`)
}

// sync creates an acme sync of widget through SQL.
func (b *testBundle) sync(t *testing.T, name, schema string) string {
	t.Helper()
	return b.sqlString(t, `SELECT sequin.create_sync('acme', $1, ARRAY['widget'], $2, options => jsonb_build_object('schema', $3::text))::text`,
		name, b.credential(t), schema)
}

// forgeSync creates a sync of forge:item through SQL.
func (b *testBundle) forgeSync(t *testing.T) string {
	t.Helper()
	return b.sqlString(t, `SELECT sequin.create_sync('forge', 'forge', ARRAY['item'], sequin.create_credential('forge', '{"api_key": "fk"}'))::text`)
}

// response is an answer of the API.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// errorBody returns the {"error": {...}} object of a failed response.
func (r *response) errorBody(t *testing.T) map[string]any {
	t.Helper()
	e, ok := r.body["error"].(map[string]any)
	require.True(t, ok, "an error body, got %d %s", r.status, r.raw)
	return e
}

// requireError checks status and error code, and returns the error object.
func (r *response) requireError(t *testing.T, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.raw)
	e := r.errorBody(t)
	require.Equal(t, code, e["code"], "body: %s", r.raw)
	require.NotEmpty(t, e["message"])
	return e
}

func (r *response) data(t *testing.T) []any {
	t.Helper()
	d, ok := r.body["data"].([]any)
	require.True(t, ok, "a list body, got %s", r.raw)
	return d
}

// do sends a request with the bundle's token. body is sent as is when it is a string, else as JSON.
func (b *testBundle) do(t *testing.T, method, path string, body any) *response {
	t.Helper()
	return b.doAs(t, b.token, method, path, body)
}

// doAs sends a request with token ("" for none).
func (b *testBundle) doAs(t *testing.T, token, method, path string, body any) *response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		require.NoError(t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.http.URL+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.http.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out := &response{status: resp.StatusCode, header: resp.Header}
	out.raw, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(bytes.TrimSpace(out.raw)) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(out.raw, &out.body), "JSON body: %s", out.raw)
	}
	return out
}

// openAPI fetches the server's OpenAPI document.
func (b *testBundle) openAPI(t *testing.T) map[string]any {
	t.Helper()
	r := b.doAs(t, "", "GET", "/v1/openapi.json", nil)
	require.Equal(t, http.StatusOK, r.status)
	return r.body
}

// requireShape checks value against the named component schema of the OpenAPI document: every key
// is declared, every required key is present, nested objects and arrays likewise.
func requireShape(t *testing.T, doc map[string]any, schema string, value any) {
	t.Helper()
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	s, ok := schemas[schema].(map[string]any)
	require.True(t, ok, "schema %s", schema)
	checkShape(t, schemas, schema, s, value)
}

func checkShape(t *testing.T, schemas map[string]any, at string, s map[string]any, value any) {
	t.Helper()
	if r, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/components/schemas/")
		target, ok := schemas[name].(map[string]any)
		require.True(t, ok, "%s: dangling $ref %s", at, r)
		checkShape(t, schemas, at, target, value)
		return
	}
	if value == nil {
		require.Equal(t, true, s["nullable"], "%s is null but not nullable", at)
		return
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			checkShape(t, schemas, at, sub.(map[string]any), value)
		}
		return
	}
	switch s["type"] {
	case "object":
		obj, ok := value.(map[string]any)
		require.True(t, ok, "%s must be an object, got %v", at, value)
		properties, _ := s["properties"].(map[string]any)
		if properties == nil {
			return // free-form
		}
		for k, v := range obj {
			ps, ok := properties[k].(map[string]any)
			require.True(t, ok, "%s: undeclared key %q", at, k)
			checkShape(t, schemas, at+"."+k, ps, v)
		}
		if req, ok := s["required"].([]any); ok {
			for _, k := range req {
				_, present := obj[k.(string)]
				require.True(t, present, "%s: required key %q missing", at, k)
			}
		}
	case "array":
		arr, ok := value.([]any)
		require.True(t, ok, "%s must be an array, got %v", at, value)
		for i, v := range arr {
			checkShape(t, schemas, fmt.Sprintf("%s[%d]", at, i), s["items"].(map[string]any), v)
		}
	case "string":
		str, ok := value.(string)
		require.True(t, ok, "%s must be a string, got %v", at, value)
		if e, ok := s["enum"].([]any); ok {
			require.Contains(t, e, str, "%s", at)
		}
	case "integer", "number":
		_, ok := value.(float64)
		require.True(t, ok, "%s must be a number, got %v", at, value)
	case "boolean":
		_, ok := value.(bool)
		require.True(t, ok, "%s must be a boolean, got %v", at, value)
	}
}

// sqlError runs a statement that must fail with invalid_parameter_value and returns the error, to
// compare with what the HTTP API answers for the same mistake.
func (b *testBundle) sqlError(t *testing.T, sql string, args ...any) *pgconn.PgError {
	t.Helper()
	_, err := b.db.Pool.Exec(context.Background(), sql, args...)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, sql)
	require.Equal(t, "22023", pgErr.Code, pgErr.Message)
	return pgErr
}

// requireSQLError checks that r is the 422 carrying exactly the message and hint SQL users get.
func (r *response) requireSQLError(t *testing.T, want *pgconn.PgError) {
	t.Helper()
	e := r.requireError(t, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument)
	require.Equal(t, want.Message, e["message"])
	require.Equal(t, want.Hint, e["hint"])
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
