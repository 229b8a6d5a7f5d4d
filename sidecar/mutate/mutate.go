// Package mutate applies the writes users insert into sequin.mutations to the upstream API, records
// the outcome on the row, and writes the result back to the synced table in the same transaction.
package mutate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sidecar/extract"
)

// Args is the River job the mutations trigger inserts (kind sequin.mutate).
type Args struct {
	MutationID string `json:"mutation_id"`
}

// Kind is the River job kind; the SQL trigger uses the same name.
func (Args) Kind() string { return "sequin.mutate" }

// Worker applies one mutation.
type Worker struct {
	river.WorkerDefaults[Args]
	Pool   *pgxpool.Pool
	Engine *extract.Engine
	Logger *slog.Logger
}

// Register adds the mutation worker.
func Register(w *river.Workers, worker *Worker) { river.AddWorker(w, worker) }

// Timeout bounds one attempt.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return 2 * time.Minute }

// NextRetry backs off 1s, 2s, 4s ... up to a minute.
func (w *Worker) NextRetry(job *river.Job[Args]) time.Time {
	return time.Now().Add(min(time.Duration(1<<min(job.Attempt, 6))*time.Second, time.Minute))
}

type row struct {
	ID, SyncID, CollectionID, Kind, Status string
	UpstreamID                             *string
	Data                                   map[string]any
}

// Work applies the mutation. A mutation already finished is left alone, so a retried job is harmless;
// a retried create reuses the idempotency key derived from the mutation id, so the API makes one object.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	var m row
	err := w.Pool.QueryRow(ctx, `UPDATE sequin.mutations SET status = 'running', attempts = attempts + 1, updated_at = now()
		WHERE id = $1 AND status IN ('pending', 'running')
		RETURNING id::text, sync_id::text, collection_id, kind, status, upstream_id, data`, job.Args.MutationID).
		Scan(&m.ID, &m.SyncID, &m.CollectionID, &m.Kind, &m.Status, &m.UpstreamID, &m.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // finished, or the sync (and with it the mutation) was dropped
	}
	if err != nil {
		return fmt.Errorf("claiming mutation: %w", err)
	}
	sess, coll, err := w.Engine.Session(ctx, m.SyncID, m.CollectionID)
	if errors.Is(err, extract.ErrSyncGone) {
		return nil
	}
	if err != nil {
		return w.fail(ctx, job, &m, err)
	}
	if coll.Mutate == nil || !coll.Mutable(providers.MutationKind(m.Kind)) {
		return w.fail(ctx, job, &m, &providers.Error{Kind: providers.ErrInvalidRequest, Message: coll.ID + " does not support " + m.Kind})
	}
	mut := &providers.Mutation{ID: m.ID, Kind: providers.MutationKind(m.Kind), Data: ToAPI(coll, m.Data)}
	if m.UpstreamID != nil {
		mut.UpstreamID = *m.UpstreamID
	}
	rec, err := coll.Mutate(ctx, sess, mut)
	if err != nil {
		return w.fail(ctx, job, &m, err)
	}
	if rec == nil {
		rec = &providers.Record{ID: mut.UpstreamID, Deleted: mut.Kind == providers.MutationDelete}
	}
	if mut.Kind == providers.MutationDelete {
		rec.Deleted = true
	}
	if rec.UpdatedAt.IsZero() {
		rec.UpdatedAt = time.Now()
	}
	return pgx.BeginFunc(ctx, w.Pool, func(tx pgx.Tx) error {
		if _, err := w.Engine.ApplyTx(ctx, tx, m.SyncID, m.CollectionID, []providers.Record{*rec}); err != nil && !errors.Is(err, extract.ErrSyncGone) {
			return fmt.Errorf("writing the result back: %w", err)
		}
		var result any
		if len(rec.Data) > 0 {
			result = string(rec.Data)
		}
		_, err := tx.Exec(ctx, `UPDATE sequin.mutations SET status = 'succeeded', result = $2::jsonb, upstream_id = $3,
			error = NULL, error_code = NULL, updated_at = now(), completed_at = now() WHERE id = $1`, m.ID, result, rec.ID)
		return err
	})
}

// fail records a failed attempt. Invalid requests, missing objects and refused credentials fail the
// mutation at once; transient errors are retried until the job's attempts run out.
func (w *Worker) fail(ctx context.Context, job *river.Job[Args], m *row, cause error) error {
	if ctx.Err() != nil {
		return cause
	}
	final := !providers.IsRetryable(cause) || job.Attempt >= job.MaxAttempts
	var code string
	var pe *providers.Error
	if errors.As(cause, &pe) {
		code = pe.Code
		if code == "" {
			code = string(pe.Kind)
		}
	}
	status := "running"
	if final {
		status = "failed"
	}
	if _, err := w.Pool.Exec(context.WithoutCancel(ctx), `UPDATE sequin.mutations SET status = $2, error = $3, error_code = NULLIF($4, ''),
		updated_at = now(), completed_at = CASE WHEN $2 = 'failed' THEN now() END WHERE id = $1`, m.ID, status, cause.Error(), code); err != nil {
		return fmt.Errorf("recording mutation failure (%v): %w", cause, err)
	}
	if final {
		if w.Logger != nil {
			w.Logger.WarnContext(ctx, "mutation failed", "mutation_id", m.ID, "error", cause)
		}
		return nil
	}
	if d, ok := providers.RetryAfter(cause); ok && d > 0 {
		return river.JobSnooze(d)
	}
	return cause
}

// ToAPI maps keys given as the synced table's column names to the API's field paths; other keys are
// passed through as API field names.
func ToAPI(coll *providers.Collection, data map[string]any) map[string]any {
	out := map[string]any{}
	paths := map[string]string{}
	for _, f := range coll.Fields {
		paths[f.Name] = f.SourcePath()
	}
	for k, v := range data {
		path := k
		if p, ok := paths[k]; ok {
			path = p
		}
		setPath(out, strings.Split(path, "."), v)
	}
	return out
}

func setPath(m map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	last := path[len(path)-1]
	if existing, ok := m[last].(map[string]any); ok {
		if add, ok := v.(map[string]any); ok {
			for k, x := range add {
				existing[k] = x
			}
			return
		}
	}
	m[last] = v
}
