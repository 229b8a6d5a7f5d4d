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

// failed records a failed job run on the collection and the sync's health, and reschedules the job
// with backoff. Jobs never give up: a sync keeps trying until it is fixed, paused or dropped.
func (e *Engine) failed(ctx context.Context, s *syncRow, collectionID string, prevErrors int, cause error) error {
	if ctx.Err() != nil {
		return cause // shutting down: River retries the job
	}
	health, message := sqlapi.Healthy, ""
	wait := errorBackoff(prevErrors + 1)
	switch {
	case providers.IsRateLimited(cause):
		if d, _ := providers.RetryAfter(cause); d > 0 {
			wait = d
		} else {
			wait = time.Second
		}
	case providers.IsUnauthorized(cause):
		health, message = sqlapi.CustomerIntervention, "the API refused the credential: "+cause.Error()
	case errors.As(cause, new(*missingCollectionError)):
		health, message = sqlapi.CustomerIntervention, cause.Error()
	case providers.IsRetryable(cause):
		// Upstream trouble: shown as the collection's last error; health stays as it is.
	default:
		health, message = sqlapi.SequinIntervention, cause.Error()
	}
	e.Logger.WarnContext(ctx, "sync job failed", "sync_id", s.ID, "collection", collectionID, "error", cause, "retry_in", wait)
	err := pgx.BeginFunc(context.WithoutCancel(ctx), e.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sequin.sync_collections SET consecutive_errors = consecutive_errors + 1,
				last_error = $3, last_error_at = now(), updated_at = now() WHERE sync_id = $1 AND collection_id = $2`,
			s.ID, collectionID, truncate(cause.Error(), 2000)); err != nil {
			return err
		}
		if health == sqlapi.Healthy {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE sequin.syncs SET health = $2, health_message = $3, updated_at = now()
				WHERE id = $1 AND (health, coalesce(health_message, '')) IS DISTINCT FROM ($2, $3)`, s.ID, string(health), truncate(message, 2000)); err != nil {
			return err
		}
		if providers.IsUnauthorized(cause) {
			return sqlapi.SetCredentialHealth(ctx, tx, s.CredentialID, health, truncate(message, 2000))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording failure (%v): %w", cause, err)
	}
	return river.JobSnooze(wait)
}

// markHealthy clears an error health once the sync works again: when no collection of it is failing
// (the caller has just reset its own collection's error count), so one working collection does not
// hide another that keeps failing.
func markHealthy(ctx context.Context, tx pgx.Tx, s *syncRow) error {
	if s.Health == string(sqlapi.Healthy) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE sequin.syncs SET health = 'healthy', health_message = NULL, updated_at = now()
		WHERE id = $1 AND health <> 'healthy'
		  AND NOT EXISTS (SELECT 1 FROM sequin.sync_collections WHERE sync_id = $1 AND consecutive_errors > 0)`, s.ID); err != nil {
		return err
	}
	return sqlapi.SetCredentialHealth(ctx, tx, s.CredentialID, sqlapi.Healthy, "")
}

// errorBackoff grows from 2s to 5 minutes with consecutive failures.
func errorBackoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 8 {
		return 5 * time.Minute
	}
	return min(time.Duration(1<<n)*time.Second, 5*time.Minute)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
