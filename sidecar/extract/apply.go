package extract

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/providers"
)

// ApplyTx merges records into a sync's collection inside tx, the way the sync itself would: under the
// collection's lock, with events, keeping the record count. Mutations use it to write their results
// back in the same transaction that records their outcome.
func (e *Engine) ApplyTx(ctx context.Context, tx pgx.Tx, syncID, collectionID string, records []providers.Record) (MergeStats, error) {
	s, err := e.loadSync(ctx, tx, syncID)
	if err != nil {
		return MergeStats{}, err
	}
	c, err := lockCollection(ctx, tx, syncID, collectionID)
	if err != nil {
		return MergeStats{}, err
	}
	t, err := e.target(ctx, s, c)
	if err != nil {
		return MergeStats{}, err
	}
	if c.State == "pending" {
		if err := EnsureTable(ctx, tx, t); err != nil {
			return MergeStats{}, err
		}
		e.tablesChanged()
	}
	st, err := Merge(ctx, tx, t, records)
	if err != nil {
		return st, err
	}
	if _, err := tx.Exec(ctx, `UPDATE sequin.sync_collections SET records_count = records_count + $3 - $4,
		last_change_at = CASE WHEN $5 > 0 THEN now() ELSE last_change_at END, updated_at = now()
		WHERE sync_id = $1 AND collection_id = $2`, syncID, collectionID, st.Inserted, st.Deleted, st.Changed()); err != nil {
		return st, fmt.Errorf("updating record count: %w", err)
	}
	return st, nil
}

// Session returns an authenticated, rate-limited session for a sync, and the named collection.
func (e *Engine) Session(ctx context.Context, syncID, collectionID string) (*providers.Session, *providers.Collection, error) {
	s, err := e.loadSync(ctx, e.Pool, syncID)
	if err != nil {
		return nil, nil, err
	}
	coll, _, err := e.collection(ctx, s, collectionID)
	if err != nil {
		return nil, nil, err
	}
	_, sess, err := e.session(ctx, s)
	return sess, coll, err
}

// ErrSyncGone reports that the sync was dropped.
var ErrSyncGone = errSyncGone
