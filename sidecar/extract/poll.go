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

type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	e *Engine
}

func (w *pollWorker) Timeout(*river.Job[PollArgs]) time.Duration {
	return w.e.sliceTime() + 30*time.Second
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	e, a := w.e, job.Args
	s, err := e.loadSync(ctx, e.Pool, a.SyncID)
	if errors.Is(err, errSyncGone) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.Status != "active" {
		return nil // resume inserts a new poll job
	}
	c, err := readCollection(ctx, e.Pool, a.SyncID, a.CollectionID)
	if errors.Is(err, errSyncGone) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.State != "live" {
		return nil // a resync is backfilling; its completion starts polling again
	}
	interval := e.pollInterval(s)
	if c.LastPolledAt != nil && c.ConsecutiveErrors == 0 && !c.pollRequested() {
		if wait := time.Until(c.LastPolledAt.Add(interval)); wait > 50*time.Millisecond {
			return river.JobSnooze(wait) // woke early (see snoozeUntilNextPoll)
		}
	}
	t, err := e.target(ctx, s, c)
	if err != nil {
		return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error()})
	}
	_, sess, err := e.session(ctx, s)
	if err != nil {
		return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
	}
	if t.Collection.Changes == nil {
		if err := e.relist(ctx, s, t, sess); err != nil {
			if errors.Is(err, errSyncGone) || errors.Is(err, errStale) {
				return nil
			}
			return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
		}
		return e.nextPoll(ctx, a.SyncID, c, interval)
	}
	cursor := deref(c.PollCursor)
	deadline := time.Now().Add(e.sliceTime())
	for {
		ch, err := t.Collection.Changes(ctx, sess, cursor)
		if err != nil {
			return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
		}
		err = e.commitChanges(ctx, s, t, c.PollCursor, cursor, ch)
		if errors.Is(err, errSyncGone) {
			return nil
		}
		if errors.Is(err, errStale) {
			return e.nextPoll(ctx, a.SyncID, c, interval)
		}
		if err != nil {
			return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
		}
		c.PollCursor, cursor = &ch.NextCursor, ch.NextCursor
		if !ch.More {
			if err := e.sweepIfDue(ctx, s, t, sess, c); err != nil {
				if errors.Is(err, errSyncGone) || errors.Is(err, errStale) {
					return nil
				}
				return e.failed(ctx, s, a.CollectionID, c.ConsecutiveErrors, err)
			}
			return e.nextPoll(ctx, a.SyncID, c, interval)
		}
		if time.Now().After(deadline) {
			return river.JobSnooze(0)
		}
	}
}

// schedulerGranularity is how late River may make a long-snoozed job available: its scheduler moves
// scheduled jobs every 5s, while short snoozes become available at their exact time.
const schedulerGranularity = 5 * time.Second

// nextPoll snoozes until the next poll of c, the collection as the job read it when it started. When a
// webhook asked for a poll since then (PollNow), the job polls again at once, since what it fetched
// may predate the change the webhook announced. The request is stamped anew for that: this run's
// last_polled_at may be later than the request, and the next run must not take it as served.
func (e *Engine) nextPoll(ctx context.Context, syncID string, c *collectionRow, interval time.Duration) error {
	var again bool
	err := e.Pool.QueryRow(ctx, `UPDATE sequin.sync_collections SET poll_requested_at = clock_timestamp()
		WHERE sync_id = $1 AND collection_id = $2 AND poll_requested_at IS DISTINCT FROM $3::timestamptz
		RETURNING true`, syncID, c.CollectionID, c.PollRequestedAt).Scan(&again)
	if err == nil && again {
		return river.JobSnooze(0)
	}
	return snoozeUntilNextPoll(interval)
}

// snoozeUntilNextPoll snoozes until the next poll. A long interval is cut short by the scheduler's
// granularity so the job wakes a little early and then snoozes the exact remainder; polls stay on time.
func snoozeUntilNextPoll(interval time.Duration) error {
	if interval > schedulerGranularity {
		return river.JobSnooze(interval - schedulerGranularity)
	}
	return river.JobSnooze(interval)
}

// commitChanges merges one batch of changes and moves the poll cursor in one transaction.
func (e *Engine) commitChanges(ctx context.Context, s *syncRow, t Target, was *string, cursor string, ch *providers.Changes) error {
	return pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		c, err := lockCollection(ctx, tx, s.ID, t.Collection.ID)
		if err != nil {
			return err
		}
		if c.State != "live" || (was == nil) != (c.PollCursor == nil) || deref(c.PollCursor) != cursor {
			return errStale
		}
		st, err := Merge(ctx, tx, t, ch.Records)
		if err != nil {
			return err
		}
		next := ch.NextCursor
		if next == "" {
			next = cursor
		}
		if _, err := tx.Exec(ctx, `UPDATE sequin.sync_collections SET poll_cursor = $3, last_polled_at = now(),
				records_count = records_count + $4 - $5, last_change_at = CASE WHEN $6 > 0 THEN now() ELSE last_change_at END,
				consecutive_errors = 0, last_error = NULL, last_error_at = NULL, updated_at = now()
			WHERE sync_id = $1 AND collection_id = $2`, s.ID, t.Collection.ID, next, st.Inserted, st.Deleted, st.Changed()); err != nil {
			return fmt.Errorf("saving poll cursor: %w", err)
		}
		return markHealthy(ctx, tx, s)
	})
}

// sweepIfDue finds deletes of a collection whose change feed does not report them: once per sweep
// interval it lists the whole collection again (relist) and deletes what is gone.
func (e *Engine) sweepIfDue(ctx context.Context, s *syncRow, t Target, sess *providers.Session, c *collectionRow) error {
	if t.Collection.Deletes != providers.DeletesBySweep || t.Collection.Changes == nil {
		return nil
	}
	if c.LastSweptAt != nil && time.Since(*c.LastSweptAt) < e.sweepInterval(s) {
		return nil
	}
	if err := e.relist(ctx, s, t, sess); err != nil {
		return err
	}
	_, err := e.Pool.Exec(ctx, `UPDATE sequin.sync_collections SET last_swept_at = now() WHERE sync_id = $1 AND collection_id = $2`, s.ID, t.Collection.ID)
	return err
}

// relist polls a collection without a change feed: it lists everything again, merging page by page
// (unchanged records cost no writes and no events), and deletes what it no longer sees when the
// collection's deletes are detected by sweep. Records written since the listing began (by a
// mutation or a webhook) are not taken for deleted.
func (e *Engine) relist(ctx context.Context, s *syncRow, t Target, sess *providers.Session) error {
	var started time.Time
	if err := e.Pool.QueryRow(ctx, `SELECT now()`).Scan(&started); err != nil {
		return err
	}
	seen := map[string]struct{}{}
	cursor := ""
	for {
		page, err := t.Collection.Backfill(ctx, sess, cursor)
		if err != nil {
			return err
		}
		for _, r := range page.Records {
			seen[r.ID] = struct{}{}
		}
		last := page.Done || page.NextCursor == ""
		err = pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
			c, err := lockCollection(ctx, tx, s.ID, t.Collection.ID)
			if err != nil {
				return err
			}
			if c.State != "live" {
				return errStale
			}
			st, err := Merge(ctx, tx, t, page.Records)
			if err != nil {
				return err
			}
			if last && t.Collection.Deletes == providers.DeletesBySweep {
				gone, err := e.deleteMissing(ctx, tx, t, seen, started)
				if err != nil {
					return err
				}
				st.Deleted += gone
			}
			polled := "last_polled_at"
			if last {
				polled = "now()"
			}
			if _, err := tx.Exec(ctx, `UPDATE sequin.sync_collections SET last_polled_at = `+polled+`,
					records_count = records_count + $3 - $4, last_change_at = CASE WHEN $5 > 0 THEN now() ELSE last_change_at END,
					consecutive_errors = 0, last_error = NULL, last_error_at = NULL, updated_at = now()
				WHERE sync_id = $1 AND collection_id = $2`, s.ID, t.Collection.ID, st.Inserted, st.Deleted, st.Changed()); err != nil {
				return err
			}
			return markHealthy(ctx, tx, s)
		})
		if err != nil || last {
			return err
		}
		cursor = page.NextCursor
	}
}

func (e *Engine) deleteMissing(ctx context.Context, tx pgx.Tx, t Target, seen map[string]struct{}, listedSince time.Time) (int, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT id FROM %s WHERE _synced_at < $1`, t.QualifiedName()), listedSince)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	var gone []providers.Record
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			gone = append(gone, providers.Record{ID: id, Deleted: true})
		}
	}
	st, err := Merge(ctx, tx, t, gone)
	return st.Deleted, err
}
