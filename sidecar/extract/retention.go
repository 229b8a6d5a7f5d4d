package extract

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/sequinsync/sequin/sqlapi"
)

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	e *Engine
}

// retentionBatch bounds one delete, so no statement holds locks for long.
const retentionBatch = 5000

// Work deletes events older than the retention period in small batches.
func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	n, err := DeleteOldEvents(ctx, w.e.Pool, w.e.retention())
	if n > 0 {
		w.e.Logger.InfoContext(ctx, "deleted expired events", "count", n)
	}
	return err
}

func (e *Engine) retention() time.Duration {
	if e.EventRetention > 0 {
		return e.EventRetention
	}
	return 7 * 24 * time.Hour
}

// DeleteOldEvents deletes events inserted more than retention ago, in batches of a few thousand rows
// each in its own statement, and returns how many it deleted. Events are taken in seq order, oldest
// first, and the deletes stop at the first batch with none expired: seq follows the insertion order,
// but not strictly the events' times (an event's time is its transaction's start), so a batch may
// hold young and expired events side by side.
func DeleteOldEvents(ctx context.Context, q sqlapi.Querier, retention time.Duration) (int64, error) {
	var total int64
	for {
		tag, err := q.Exec(ctx, `DELETE FROM sequin.events WHERE seq IN (
			SELECT seq FROM sequin.events ORDER BY seq LIMIT $2) AND event_inserted_at < now() - $1::interval`,
			fmt.Sprintf("%d milliseconds", retention.Milliseconds()), retentionBatch)
		if err != nil {
			return total, fmt.Errorf("deleting expired events: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() == 0 {
			break
		}
	}
	// Tombstones last as long as the events that tell of the deletes.
	for {
		tag, err := q.Exec(ctx, `DELETE FROM sequin.tombstones WHERE ctid IN (
			SELECT ctid FROM sequin.tombstones WHERE deleted_at < now() - $1::interval LIMIT $2)`,
			fmt.Sprintf("%d milliseconds", retention.Milliseconds()), retentionBatch)
		if err != nil {
			return total, fmt.Errorf("deleting expired tombstones: %w", err)
		}
		if tag.RowsAffected() < retentionBatch {
			return total, nil
		}
	}
}
