package extract

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/sequinsync/sequin/providers"
)

var errStale = errors.New("collection state moved on under this job")

type backfillWorker struct {
	river.WorkerDefaults[BackfillArgs]
	e *Engine
}

// Timeout leaves room for one slice plus a slow last page; jobs older than the rescue horizon are
// taken to belong to a dead sidecar.
func (w *backfillWorker) Timeout(*river.Job[BackfillArgs]) time.Duration {
	return w.e.sliceTime() + 30*time.Second
}

func (w *backfillWorker) Work(ctx context.Context, job *river.Job[BackfillArgs]) error {
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
	if c.Generation != a.Generation || c.State != "backfilling" {
		return nil
	}
	t, err := e.target(ctx, s, c)
	if err != nil {
		return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error()})
	}
	_, sess, err := e.session(ctx, s)
	if err != nil {
		return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
	}
	coll := t.Collection
	if c.BackfillPages == 0 && c.BackfillCursor == nil && coll.Checkpoint != nil {
		// Changes made while the backfill runs are picked up from here once it is done.
		cp, err := coll.Checkpoint(ctx, sess)
		if err != nil {
			return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
		}
		if _, err := e.Pool.Exec(ctx, `UPDATE sequin.sync_collections SET poll_cursor = $4, updated_at = now()
			WHERE sync_id = $1 AND collection_id = $2 AND generation = $3`, s.ID, a.CollectionID, a.Generation, cp); err != nil {
			return err
		}
	}
	cursor := deref(c.BackfillCursor)
	deadline := time.Now().Add(e.sliceTime())
	// Pages are fetched ahead while earlier ones are merged, so upstream latency and the database's
	// work overlap. When the database is the slower of the two, or this backfill waits for its turn to
	// write (Engine.BackfillWrites), the pages waiting are merged together (up to mergeRecords
	// records), which spreads each transaction's fixed cost over more records.
	// Pages fetched ahead when the job stops are dropped; their cursors are not committed.
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetchedPage, fetchAhead)
	go func() {
		defer close(pages)
		cur := cursor
		for {
			p, err := coll.Backfill(fctx, sess, cur)
			select {
			case pages <- fetchedPage{p, err}:
			case <-fctx.Done():
				return
			}
			if err != nil || p.Done || p.NextCursor == "" || !time.Now().Before(deadline) {
				return
			}
			cur = p.NextCursor
		}
	}()
	for {
		f, ok := <-pages
		if !ok {
			return river.JobSnooze(0) // the slice is over; the cursor is committed
		}
		if f.err != nil {
			return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, f.err)
		}
		end, err := e.startBackfillWrite(ctx)
		if err != nil {
			return err
		}
		page, merged, failed := takeReady(f.page, pages)
		done, err := e.commitPage(ctx, s, t, a.Generation, cursor, page, merged)
		end()
		if errors.Is(err, errStale) || errors.Is(err, errSyncGone) {
			return nil
		}
		if err != nil {
			return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
		}
		if done {
			e.Logger.InfoContext(ctx, "backfill complete", "sync_id", s.ID, "collection", a.CollectionID)
			return nil
		}
		if failed != nil {
			return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, failed)
		}
		cursor = page.NextCursor
	}
}

// Fetching ahead: at most fetchAhead pages wait, and pages that are waiting are merged together up to
// mergeRecords records. Larger values made the ingest benchmark a little faster but doubled the
// sidecar's peak memory through a million-record backfill (57 MB → 131 MB at 8 and 1,000; 102–108 MB here).
const (
	fetchAhead   = 4
	mergeRecords = 500
)

// takeReady appends to first the pages already waiting in pages, up to mergeRecords records, and
// returns them as one page (the last one's cursor, total and end), how many pages it holds, and the
// error of a fetch that failed after them.
func takeReady(first *providers.Page, pages <-chan fetchedPage) (*providers.Page, int, error) {
	page, n := first, 1
	for !page.Done && page.NextCursor != "" && len(page.Records) < mergeRecords {
		var f fetchedPage
		var ok bool
		select {
		case f, ok = <-pages:
		default:
		}
		if !ok {
			break
		}
		if f.err != nil {
			return page, n, f.err
		}
		if n == 1 {
			page = &providers.Page{Records: append([]providers.Record(nil), first.Records...)}
		}
		page.Records = append(page.Records, f.page.Records...)
		page.NextCursor, page.Done, page.Total = f.page.NextCursor, f.page.Done, f.page.Total
		n++
	}
	return page, n, nil
}

// fetchedPage is a backfill page fetched ahead, or why it could not be.
type fetchedPage struct {
	page *providers.Page
	err  error
}

// commitPage merges a page (pages pages fetched in a row) and moves the cursor in one transaction. It
// reports whether the backfill is complete.
func (e *Engine) commitPage(ctx context.Context, s *syncRow, t Target, gen int, cursor string, page *providers.Page, pages int) (bool, error) {
	done := page.Done || page.NextCursor == ""
	err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		c, err := lockCollection(ctx, tx, s.ID, t.Collection.ID)
		if err != nil {
			return err
		}
		if c.Generation != gen || c.State != "backfilling" || deref(c.BackfillCursor) != cursor {
			return errStale
		}
		st, err := Merge(ctx, tx, t, page.Records)
		if err != nil {
			return err
		}
		if gen > 1 && len(page.Records) > 0 {
			ids := make([]string, len(page.Records))
			for i, r := range page.Records {
				ids[i] = r.ID
			}
			if _, err := tx.Exec(ctx, `INSERT INTO sequin.backfill_seen (sync_id, collection_id, generation, id)
				SELECT $1, $2, $3, unnest($4::text[]) ON CONFLICT DO NOTHING`, s.ID, t.Collection.ID, gen, ids); err != nil {
				return fmt.Errorf("recording seen ids: %w", err)
			}
		}
		if done && gen > 1 {
			gone, err := e.sweepUnseen(ctx, tx, t, gen)
			if err != nil {
				return err
			}
			st.Deleted += gone
		}
		var total *int64
		if page.Total >= 0 {
			total = &page.Total
		}
		next := &page.NextCursor
		state := "backfilling"
		if done {
			next, state = nil, "live"
		}
		if _, err := tx.Exec(ctx, `UPDATE sequin.sync_collections SET
				backfill_cursor = $3, backfill_pages = backfill_pages + $10, backfill_records = backfill_records + $4,
				backfill_total = coalesce($5, backfill_total), records_count = records_count + $6 - $7,
				last_change_at = CASE WHEN $8 > 0 THEN now() ELSE last_change_at END,
				state = $9, backfill_completed_at = CASE WHEN $9 = 'live' THEN now() END,
				last_swept_at = CASE WHEN $9 = 'live' THEN now() ELSE last_swept_at END,
				consecutive_errors = 0, last_error = NULL, last_error_at = NULL, updated_at = now()
			WHERE sync_id = $1 AND collection_id = $2`,
			s.ID, t.Collection.ID, next, len(page.Records), total, st.Inserted, st.Deleted, st.Changed(), state, pages); err != nil {
			return fmt.Errorf("saving backfill cursor: %w", err)
		}
		if err := markHealthy(ctx, tx, s); err != nil {
			return err
		}
		if done && e.client != nil {
			if _, err := e.client.InsertTx(ctx, tx, PollArgs{SyncID: s.ID, CollectionID: t.Collection.ID}, nil); err != nil {
				return fmt.Errorf("scheduling polls: %w", err)
			}
		}
		return nil
	})
	return done, err
}

// sweepUnseen deletes (with events) the records a completed re-backfill did not see upstream.
func (e *Engine) sweepUnseen(ctx context.Context, tx pgx.Tx, t Target, gen int) (int, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT t.id FROM %s t WHERE NOT EXISTS (
		SELECT 1 FROM sequin.backfill_seen b WHERE b.sync_id = $1 AND b.collection_id = $2 AND b.generation = $3 AND b.id = t.id)`,
		t.QualifiedName()), t.SyncID, t.Collection.ID, gen)
	if err != nil {
		return 0, fmt.Errorf("finding unseen records: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	var st MergeStats
	if len(ids) > 0 {
		gone := make([]providers.Record, len(ids))
		for i, id := range ids {
			gone[i] = providers.Record{ID: id, Deleted: true}
		}
		if st, err = Merge(ctx, tx, t, gone); err != nil {
			return 0, err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sequin.backfill_seen WHERE sync_id = $1 AND collection_id = $2`, t.SyncID, t.Collection.ID); err != nil {
		return 0, err
	}
	return st.Deleted, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
