package extract

import (
	"context"
	"fmt"
	"time"
)

// Heartbeat records that the sidecar with River client id is alive.
func (e *Engine) Heartbeat(ctx context.Context, id, hostname, version string) error {
	_, err := e.Pool.Exec(ctx, `INSERT INTO sequin.sidecars (id, hostname, version) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`, id, hostname, version)
	return err
}

// Deregister removes a stopping sidecar, so that its jobs are not mistaken for orphans.
func (e *Engine) Deregister(ctx context.Context, id string) error {
	_, err := e.Pool.Exec(ctx, `DELETE FROM sequin.sidecars WHERE id = $1`, id)
	return err
}

// RescueOrphans makes sync jobs runnable again when the sidecar running them has stopped
// heartbeating for longer than deadAfter. The jobs are safe to run twice: every page commits only if
// the collection's cursor is still the one the job started from.
func (e *Engine) RescueOrphans(ctx context.Context, deadAfter time.Duration) (int64, error) {
	tag, err := e.Pool.Exec(ctx, `
		UPDATE sequin.river_job j SET state = 'available', scheduled_at = now()
		 WHERE j.state = 'running' AND j.kind IN ('sequin.backfill', 'sequin.poll', 'sequin.refetch', 'sequin.mutate')
		   AND j.attempted_at < now() - $1::interval
		   AND NOT EXISTS (SELECT 1 FROM sequin.sidecars s
		                    WHERE s.id = j.attempted_by[array_length(j.attempted_by, 1)]
		                      AND s.heartbeat_at > now() - $1::interval)`,
		fmt.Sprintf("%d milliseconds", deadAfter.Milliseconds()))
	if err != nil {
		return 0, fmt.Errorf("rescuing orphaned jobs: %w", err)
	}
	_, _ = e.Pool.Exec(ctx, `DELETE FROM sequin.sidecars WHERE heartbeat_at < now() - interval '1 day'`)
	return tag.RowsAffected(), nil
}
