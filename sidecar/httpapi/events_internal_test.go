package httpapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// The fallback document of an event is the one consumers receive.
func TestEventJSONMatchesEventMessage(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	var defined bool
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT to_regprocedure('sequin._event_message(sequin.events)') IS NOT NULL`).Scan(&defined))
	if !defined {
		t.Skip("sequin._event_message is not defined by sql/*.sql")
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data, previous_data)
		VALUES (gen_random_uuid(), 'acme:widget', 'w1', now(), 'updated', '{"a": 1}', '{"a": 0}'),
		       (gen_random_uuid(), 'acme:widget', 'w2', NULL, 'inserted', '{}', NULL)`)
	require.NoError(t, err)
	var mismatches int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events e WHERE `+eventJSON+` IS DISTINCT FROM `+eventMessageSQL).Scan(&mismatches))
	require.Zero(t, mismatches)
}
