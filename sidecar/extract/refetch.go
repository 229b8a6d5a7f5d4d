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
	t, err := e.target(ctx, s, c)
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
		_, err := e.ApplyTx(ctx, tx, s.ID, a.CollectionID, recs)
		return err
	})
}
