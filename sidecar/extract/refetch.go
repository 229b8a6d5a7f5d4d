package extract

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/sequinsync/sequin/providers"
)

type refetchWorker struct {
	river.WorkerDefaults[RefetchArgs]
	e *Engine
}

// Work fetches the named objects and merges them; an object the API no longer has is deleted.
func (w *refetchWorker) Work(ctx context.Context, job *river.Job[RefetchArgs]) error {
	e, a := w.e, job.Args
	s, err := e.loadSync(ctx, e.Pool, a.SyncID)
	if errors.Is(err, errSyncGone) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.Status != "active" {
		return nil
	}
	c, err := readCollection(ctx, e.Pool, a.SyncID, a.CollectionID)
	if errors.Is(err, errSyncGone) {
		return nil
	}
	if err != nil {
		return err
	}
	t, err := e.target(s, c)
	if err != nil || t.Collection.Get == nil {
		return nil
	}
	_, sess, err := e.session(ctx, s)
	if err != nil {
		return err
	}
	var recs []providers.Record
	for _, id := range a.UpstreamIDs {
		r, err := t.Collection.Get(ctx, sess, id)
		switch {
		case providers.IsNotFound(err):
			recs = append(recs, providers.Record{ID: id, Deleted: true, UpdatedAt: now()})
		case err != nil:
			return err
		default:
			recs = append(recs, *r)
		}
	}
	return pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		c, err := lockCollection(ctx, tx, s.ID, a.CollectionID)
		if err != nil {
			return err
		}
		if c.State == "pending" {
			return nil // the table does not exist yet; the backfill will bring these objects
		}
		st, err := Merge(ctx, tx, t, recs)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sequin.sync_collections SET records_count = records_count + $3 - $4,
			last_change_at = CASE WHEN $5 > 0 THEN now() ELSE last_change_at END, updated_at = now()
			WHERE sync_id = $1 AND collection_id = $2`, s.ID, a.CollectionID, st.Inserted, st.Deleted, st.Changed())
		return err
	})
}
