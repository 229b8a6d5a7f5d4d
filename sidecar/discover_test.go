package sidecar_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// metaAccount is an upstream whose objects are defined by the account: GET /meta/{name} describes an
// object's fields, GET /data/{name}?offset= pages through its records.
type metaAccount struct {
	mu      sync.Mutex
	fields  map[string][]providers.Field
	records map[string][]map[string]any
}

func (a *metaAccount) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.PathValue("meta") != "":
		f, ok := a.fields[r.PathValue("meta")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message": "no such object"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(f)
	default:
		recs := a.records[r.PathValue("data")]
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		end := min(off+2, len(recs))
		_ = json.NewEncoder(w).Encode(map[string]any{"records": recs[off:end], "more": end < len(recs)})
	}
}

// metaProvider ("meta") declares no collection of its own and discovers them in the account.
type metaProvider struct{}

func (metaProvider) Spec() providers.Spec {
	return providers.Spec{Name: "meta", DisplayName: "Meta (test)", DefaultBaseURL: "http://127.0.0.1:1",
		CredentialKinds:    []providers.CredentialKind{{Kind: "meta_key", Fields: []providers.CredentialField{{Name: "api_key", Type: "string", Required: true, Secret: true}}}},
		DefaultRateLimit:   providers.RateLimit{AllowedRequests: 1000, IntervalMS: 1000},
		DynamicCollections: "any object of the account by its name, e.g. meta:invoice__c"}
}

func (metaProvider) Collections() []*providers.Collection { return nil }

func (metaProvider) Authenticate(_ context.Context, _ providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	return base, nil
}

func (metaProvider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return providers.ClassifyStatus(status, header, "", string(body))
}

func (metaProvider) DiscoverCollection(ctx context.Context, s *providers.Session, name string) (*providers.Collection, error) {
	var fields []providers.Field
	if _, err := s.Client.GetJSON(ctx, "/meta/"+name, nil, nil, &fields); err != nil {
		return nil, err
	}
	return &providers.Collection{ID: "meta:" + name, Name: name, Fields: fields, Deletes: providers.DeletesBySweep,
		MutationKinds: []providers.MutationKind{providers.MutationCreate},
		Mutate: func(context.Context, *providers.Session, *providers.Mutation) (*providers.Record, error) {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "read only"}
		},
		Backfill: func(ctx context.Context, s *providers.Session, cursor string) (*providers.Page, error) {
			var page struct {
				Records []map[string]any `json:"records"`
				More    bool             `json:"more"`
			}
			off, _ := strconv.Atoi(cursor)
			if _, err := s.Client.GetJSON(ctx, fmt.Sprintf("/data/%s", name), map[string][]string{"offset": {strconv.Itoa(off)}}, nil, &page); err != nil {
				return nil, err
			}
			p := &providers.Page{Done: !page.More, NextCursor: strconv.Itoa(off + len(page.Records)), Total: -1}
			for _, r := range page.Records {
				data, _ := json.Marshal(r)
				p.Records = append(p.Records, providers.Record{ID: r["id"].(string), UpdatedAt: time.Now(), Data: data})
			}
			return p, nil
		}}, nil
}

// TestDiscoveredCollectionsAreSynced: a provider that finds its collections in the account syncs a
// name it was never compiled with, into a table typed from the account's metadata, and a field added
// upstream later becomes a column.
func TestDiscoveredCollectionsAreSynced(t *testing.T) {
	t.Parallel()
	acct := &metaAccount{
		fields: map[string][]providers.Field{"invoice__c": {{Name: "amount", Type: "numeric", Path: "Amount"}}},
		records: map[string][]map[string]any{"invoice__c": {
			{"id": "a1", "Amount": 10.5}, {"id": "a2", "Amount": 20}, {"id": "a3", "Amount": 7, "Region": "EU"},
		}},
	}
	mux := http.NewServeMux()
	mux.Handle("GET /meta/{meta}", acct)
	mux.Handle("GET /data/{data}", acct)
	up := httptest.NewServer(mux)
	t.Cleanup(up.Close)
	reg, err := providers.NewRegistry(metaProvider{})
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: db.URL, Listen: "-", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DiscoveryTTL: 300 * time.Millisecond,
	})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	ctx := context.Background()

	var cred string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_credential('meta', '{"api_key": "k"}')::text`).Scan(&cred))
	_, err = db.Pool.Exec(ctx, `SELECT sequin.create_sync('meta', 'm', ARRAY['Invoice'], $1::uuid)`, cred)
	require.ErrorContains(t, err, "collection_ids")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Contains(t, pgErr.Hint, "any object of the account", "the hint says which names a discovering provider takes")

	var syncID string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('meta', 'm', ARRAY['invoice__c', 'nothing_here'], $1::uuid,
		options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 200))::text`, cred, up.URL).Scan(&syncID))
	require.Eventually(t, func() bool {
		var n int
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM meta.invoice__c`).Scan(&n)
		return n == 3
	}, 15*time.Second, 20*time.Millisecond, "the discovered collection is backfilled: %v", func() any {
		var n int
		err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM meta.invoice__c`).Scan(&n)
		return fmt.Sprint(n, err)
	}())
	var total float64
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sum(amount)::float8 FROM meta.invoice__c`).Scan(&total))
	require.Equal(t, 37.5, total, "typed from the account's metadata")

	// A name the account lacks is an error on that collection, not a crash of the sync.
	require.Eventually(t, func() bool {
		var msg *string
		_ = db.Pool.QueryRow(ctx, `SELECT last_error FROM sequin.sync_collections WHERE sync_id = $1 AND collection_id = 'meta:nothing_here'`, syncID).Scan(&msg)
		return msg != nil && *msg != ""
	}, 15*time.Second, 20*time.Millisecond)
	var health, healthMsg string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT health, health_message FROM sequin.syncs WHERE id = $1`, syncID).Scan(&health, &healthMsg))
	require.Equal(t, "customer_intervention", health)
	require.Contains(t, healthMsg, "the account has no collection meta:nothing_here")
	var credHealth string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT health FROM sequin.credentials_view WHERE id = $1`, cred).Scan(&credHealth))
	require.Equal(t, "healthy", credHealth, "the credential is not to blame")

	// A field added upstream becomes a column at the next discovery, and polling fills it.
	acct.mu.Lock()
	acct.fields["invoice__c"] = append(acct.fields["invoice__c"], providers.Field{Name: "region", Type: "text", Path: "Region"})
	acct.mu.Unlock()
	require.Eventually(t, func() bool {
		var region *string
		_ = db.Pool.QueryRow(ctx, `SELECT region FROM meta.invoice__c WHERE id = 'a3'`).Scan(&region)
		return region != nil && *region == "EU"
	}, 15*time.Second, 50*time.Millisecond, "the new field is a column, filled by the next poll")

	// Mutations of discovered collections are validated by the worker, which knows the collection.
	var mutation, status, msg string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.mutate($1::uuid, 'invoice__c', 'create', '{"amount": 1}')::text`, syncID).Scan(&mutation))
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT status, error FROM sequin.await_mutation($1::uuid, 10000)`, mutation).Scan(&status, &msg))
	require.Equal(t, "failed", status)
	require.Contains(t, msg, "read only")
}
