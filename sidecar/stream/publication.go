package stream

import (
	"context"
	"fmt"

	"github.com/sequinsync/sequin/sqlapi"
)

// SyncRecordsPublication makes the publication sequin_records hold exactly the synced tables that
// exist (sequin._sync_records_publication) and returns how many tables it added or removed. Call it
// after creating a sync's tables or dropping a sync; the Reader also calls it at start and every
// PublicationRefresh.
func SyncRecordsPublication(ctx context.Context, q sqlapi.Querier) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT sequin._sync_records_publication()`).Scan(&n); err != nil {
		return 0, fmt.Errorf("updating publication sequin_records: %w", err)
	}
	return n, nil
}
