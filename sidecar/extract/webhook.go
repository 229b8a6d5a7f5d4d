package extract

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/sequinsync/sequin/providers"
)

// ErrNoWebhooks means the sync's provider does not send webhooks, or no signing secret is set.
var ErrNoWebhooks = errors.New("webhooks are not configured for this sync")

// VerifyWebhook checks a webhook delivered for a sync against its credential's webhook_secret and
// returns the objects it names that belong to the sync's collections.
func (e *Engine) VerifyWebhook(ctx context.Context, syncID string, header map[string][]string, body []byte) ([]providers.WebhookNotice, error) {
	s, err := e.loadSync(ctx, e.Pool, syncID)
	if err != nil {
		return nil, err
	}
	p, ok := e.Registry.Provider(s.Provider)
	if !ok {
		return nil, fmt.Errorf("provider %q is not known to this sidecar", s.Provider)
	}
	v, ok := p.(providers.WebhookVerifier)
	if !ok {
		return nil, ErrNoWebhooks
	}
	cred, err := e.Credentials.Load(ctx, e.Pool, s.CredentialID)
	if err != nil {
		return nil, err
	}
	secret := cred.String("webhook_secret")
	if secret == "" {
		return nil, ErrNoWebhooks
	}
	notices, err := v.VerifyWebhook(header, body, secret, time.Now())
	if err != nil {
		return nil, err
	}
	rows, err := e.Pool.Query(ctx, `SELECT collection_id FROM sequin.sync_collections WHERE sync_id = $1`, syncID)
	if err != nil {
		return nil, err
	}
	synced := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		synced[c] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []providers.WebhookNotice
	for _, n := range notices {
		if synced[n.CollectionID] && n.UpstreamID != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// EnqueueRefetch schedules re-fetches of the objects webhooks named, one job per collection.
func (e *Engine) EnqueueRefetch(ctx context.Context, syncID string, notices []providers.WebhookNotice) error {
	byColl := map[string][]string{}
	for _, n := range notices {
		byColl[n.CollectionID] = append(byColl[n.CollectionID], n.UpstreamID)
	}
	var params []river.InsertManyParams
	for coll, ids := range byColl {
		params = append(params, river.InsertManyParams{Args: RefetchArgs{SyncID: syncID, CollectionID: coll, UpstreamIDs: ids}})
	}
	if len(params) == 0 {
		return nil
	}
	_, err := e.client.InsertMany(ctx, params)
	return err
}
