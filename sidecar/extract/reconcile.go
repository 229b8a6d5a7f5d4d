package extract

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Reconcile brings the job set in line with the tables: every active sync's pending collections get
// their tables and backfill jobs, backfilling ones keep a backfill job, live ones a poll job. Inserts
// are unique, so reconciling often is cheap and never doubles a chain.
func (e *Engine) Reconcile(ctx context.Context) error { return e.reconcile(ctx, "") }

// ReconcileSync reconciles one sync.
func (e *Engine) ReconcileSync(ctx context.Context, syncID string) error {
	return e.reconcile(ctx, syncID)
}

func (e *Engine) reconcile(ctx context.Context, syncID string) error {
	if e.client == nil {
		return fmt.Errorf("engine has no River client")
	}
	rows, err := e.Pool.Query(ctx, `SELECT s.id::text, sc.collection_id, sc.state, sc.generation
		FROM sequin.syncs s JOIN sequin.sync_collections sc ON sc.sync_id = s.id
		WHERE s.status = 'active' AND ($1 = '' OR s.id::text = $1)
		ORDER BY s.inserted_at, sc.collection_id`, syncID)
	if err != nil {
		return fmt.Errorf("listing collections: %w", err)
	}
	type item struct {
		sync, coll, state string
		gen               int
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
		var it item
		return it, r.Scan(&it.sync, &it.coll, &it.state, &it.gen)
	})
	if err != nil {
		return err
	}
	var inserts []river.InsertManyParams
	created := false
	for _, it := range items {
		switch it.state {
		case "pending":
			ok, err := e.startBackfill(ctx, it.sync, it.coll, it.gen)
			if err != nil {
				e.Logger.ErrorContext(ctx, "starting backfill failed", "sync_id", it.sync, "collection", it.coll, "error", err)
				// Shown on the collection and the sync's health; the next reconcile tries again.
				if s, lerr := e.loadSync(ctx, e.Pool, it.sync); lerr == nil {
					_ = e.failed(ctx, s, it.coll, 0, err)
				}
				continue
			}
			created = created || ok
		case "backfilling":
			inserts = append(inserts, river.InsertManyParams{Args: BackfillArgs{SyncID: it.sync, CollectionID: it.coll, Generation: it.gen}})
		case "live":
			inserts = append(inserts, river.InsertManyParams{Args: PollArgs{SyncID: it.sync, CollectionID: it.coll}})
		}
	}
	for len(inserts) > 0 {
		n := min(len(inserts), 1000)
		if _, err := e.client.InsertMany(ctx, inserts[:n]); err != nil {
			return fmt.Errorf("inserting jobs: %w", err)
		}
		inserts = inserts[n:]
	}
	if created {
		e.tablesChanged()
	}
	return nil
}

// tablesChanged asks for sequin.records to be rebuilt. Rebuilds are coalesced: a burst of new syncs
// costs one rebuild, not one per sync (the view unions every synced table).
func (e *Engine) tablesChanged() {
	e.viewOnce.Do(func() { e.viewDirty = make(chan struct{}, 1) })
	select {
	case e.viewDirty <- struct{}{}:
	default:
	}
}

// RunViewRebuilder rebuilds sequin.records (and whatever else tracks the set of synced tables) shortly
// after tables are created, until ctx ends.
func (e *Engine) RunViewRebuilder(ctx context.Context) error {
	e.viewOnce.Do(func() { e.viewDirty = make(chan struct{}, 1) })
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-e.viewDirty:
		}
		select { // let a burst settle
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := e.Pool.Exec(ctx, `SELECT sequin._rebuild_records_view()`); err != nil && ctx.Err() == nil {
			e.Logger.ErrorContext(ctx, "rebuilding sequin.records failed", "error", err)
		}
		for _, hook := range e.OnTablesChanged {
			if err := hook(ctx); err != nil && ctx.Err() == nil {
				e.Logger.ErrorContext(ctx, "table change hook failed", "error", err)
			}
		}
	}
}

// startBackfill creates the collection's table and moves it from pending to backfilling with its
// first job, in one transaction. It reports whether it did so.
func (e *Engine) startBackfill(ctx context.Context, syncID, collectionID string, gen int) (bool, error) {
	started := false
	err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		s, err := e.loadSync(ctx, tx, syncID)
		if err != nil {
			return err
		}
		c, err := lockCollection(ctx, tx, syncID, collectionID)
		if err != nil {
			return err
		}
		if c.State != "pending" || c.Generation != gen {
			return nil
		}
		t, err := e.target(ctx, s, c)
		if err != nil {
			return err
		}
		if err := EnsureTable(ctx, tx, t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sequin.sync_collections SET state = 'backfilling', backfill_started_at = now(),
			updated_at = now() WHERE sync_id = $1 AND collection_id = $2`, syncID, collectionID); err != nil {
			return err
		}
		if _, err := e.client.InsertTx(ctx, tx, BackfillArgs{SyncID: syncID, CollectionID: collectionID, Generation: gen}, nil); err != nil {
			return err
		}
		started = true
		return nil
	})
	return started, err
}

// WakeSyncsOfCredential makes snoozed jobs of the credential's syncs run now, so that a fixed
// credential takes effect at once rather than after the backoff.
func (e *Engine) WakeSyncsOfCredential(ctx context.Context, credentialID string) error {
	return e.wake(ctx, `SELECT j.id FROM sequin.river_job j JOIN sequin.syncs s ON j.args->>'sync_id' = s.id::text
		WHERE s.credential_id = $1 AND j.state IN ('scheduled', 'retryable') AND j.kind IN ('sequin.backfill', 'sequin.poll')`, credentialID)
}

// WakeSync makes a sync's snoozed jobs run now (after resume or resync).
func (e *Engine) WakeSync(ctx context.Context, syncID string) error {
	return e.wake(ctx, `SELECT j.id FROM sequin.river_job j
		WHERE j.args->>'sync_id' = $1 AND j.state IN ('scheduled', 'retryable') AND j.kind IN ('sequin.backfill', 'sequin.poll')`, syncID)
}

func (e *Engine) wake(ctx context.Context, query string, arg string) error {
	rows, err := e.Pool.Query(ctx, query, arg)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := e.client.JobRetry(ctx, id); err != nil {
			return fmt.Errorf("waking job %d: %w", id, err)
		}
	}
	return nil
}
