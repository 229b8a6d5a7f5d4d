package extract

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sqlapi"
)

// ErrNoWebhooks means the sync's provider does not send webhooks, or no signing secret is set.
var ErrNoWebhooks = errors.New("webhooks are not configured for this sync")

// VerifyWebhook checks a webhook delivered for a sync against its credential's webhook_secret and
// returns the objects it names that belong to the sync's collections, and the collections it asks to
// poll now (notices without an UpstreamID; one without a collection either stands for all of them).
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
		switch {
		case n.CollectionID == "" && n.UpstreamID == "":
			for c := range synced {
				out = append(out, providers.WebhookNotice{CollectionID: c})
			}
		case synced[n.CollectionID]:
			out = append(out, n)
		}
	}
	return out, nil
}

// EnqueueRefetch schedules re-fetches of the objects webhooks named, one job per collection, and polls
// of the collections they asked to poll now (PollNow).
func (e *Engine) EnqueueRefetch(ctx context.Context, syncID string, notices []providers.WebhookNotice) error {
	byColl := map[string][]string{}
	var poll []string
	for _, n := range notices {
		if n.UpstreamID == "" {
			poll = append(poll, n.CollectionID)
			continue
		}
		byColl[n.CollectionID] = append(byColl[n.CollectionID], n.UpstreamID)
	}
	if len(poll) > 0 {
		if err := e.PollNow(ctx, syncID, poll); err != nil {
			return err
		}
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

// PollNow asks for the given collections of a sync to be polled at once rather than at their next
// interval: a poll job waiting for its time runs now, and one running polls again when it is done.
func (e *Engine) PollNow(ctx context.Context, syncID string, collectionIDs []string) error {
	var running int
	err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sequin.sync_collections SET poll_requested_at = now()
			WHERE sync_id = $1 AND collection_id = ANY($2) AND state = 'live'`, syncID, collectionIDs); err != nil {
			return fmt.Errorf("requesting polls: %w", err)
		}
		var err error
		running, err = e.wakePolls(ctx, tx, syncID, collectionIDs)
		return err
	})
	// A job shown running may have finished its poll before the request and be about to snooze:
	// River records a job's end shortly after its work returns. Wake it once it is scheduled.
	for try := 0; err == nil && running > 0 && try < wakeTries; try++ {
		select {
		case <-time.After(wakeEvery):
		case <-ctx.Done():
			return ctx.Err()
		}
		running, err = e.wakePolls(ctx, e.Pool, syncID, collectionIDs)
	}
	return err
}

// wakeTries × wakeEvery bounds how long PollNow waits for a running poll job to be scheduled: far
// longer than River takes to record a job's end.
const (
	wakeTries = 20
	wakeEvery = 50 * time.Millisecond
)

// wakePolls makes the scheduled poll jobs of the collections available now, and returns how many
// others are running.
func (e *Engine) wakePolls(ctx context.Context, q sqlapi.Querier, syncID string, collectionIDs []string) (int, error) {
	var running int
	err := q.QueryRow(ctx, `WITH woken AS (
			UPDATE sequin.river_job SET state = 'available', scheduled_at = now()
			 WHERE kind = $1 AND state = 'scheduled' AND args->>'sync_id' = $2 AND args->>'collection_id' = ANY($3)
			RETURNING id)
		SELECT count(*) FROM sequin.river_job
		 WHERE kind = $1 AND state = 'running' AND args->>'sync_id' = $2 AND args->>'collection_id' = ANY($3)`,
		PollArgs{}.Kind(), syncID, collectionIDs).Scan(&running)
	if err != nil {
		return 0, fmt.Errorf("waking poll jobs: %w", err)
	}
	return running, nil
}
