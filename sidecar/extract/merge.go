package extract

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/providers"
)

// MergeStats counts what one merge changed.
type MergeStats struct {
	Inserted, Updated, Deleted, Unchanged int
}

// Changed is the number of records that produced an event.
func (s MergeStats) Changed() int { return s.Inserted + s.Updated + s.Deleted }

// Merge writes records into the target table inside tx and writes one event per record that is new,
// changed or deleted, in the order given. Per id the last copy wins; a copy older than what the table
// holds (by upstream_updated_at) is ignored, and a copy with the same content produces no event.
// The caller holds the collection's row lock, so merges of one table never interleave.
func Merge(ctx context.Context, tx pgx.Tx, t Target, records []providers.Record) (MergeStats, error) {
	var st MergeStats
	if len(records) == 0 {
		return st, nil
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS _sequin_incoming (
			ord integer NOT NULL, id text NOT NULL, data jsonb, updated_at timestamptz, deleted boolean NOT NULL
		) ON COMMIT DELETE ROWS;
		CREATE TEMP TABLE IF NOT EXISTS _sequin_changes (
			ord integer NOT NULL, id text NOT NULL, data jsonb, updated_at timestamptz, deleted boolean NOT NULL,
			old_data jsonb, existed boolean NOT NULL
		) ON COMMIT DELETE ROWS;
		TRUNCATE _sequin_incoming, _sequin_changes`); err != nil {
		return st, fmt.Errorf("preparing merge: %w", err)
	}
	rows := make([][]any, len(records))
	for i, r := range records {
		var updated any
		if !r.UpdatedAt.IsZero() {
			updated = r.UpdatedAt
		}
		var data any
		if len(r.Data) > 0 {
			clean, err := storable(r.Data)
			if err != nil {
				return st, providers.Malformed(err, "record %s of %s is not JSON", r.ID, t.Collection.ID)
			}
			data = string(clean)
		}
		if r.ID == "" {
			return st, providers.Malformed(nil, "record %d of %s has no id", i, t.Collection.ID)
		}
		if data == nil && !r.Deleted {
			return st, providers.Malformed(nil, "record %s of %s has no data", r.ID, t.Collection.ID)
		}
		rows[i] = []any{i, r.ID, data, updated, r.Deleted}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"_sequin_incoming"}, []string{"ord", "id", "data", "updated_at", "deleted"}, pgx.CopyFromRows(rows)); err != nil {
		return st, fmt.Errorf("copying records: %w", err)
	}
	tbl := t.QualifiedName()
	// Keep the last copy of each id, then only what differs from the table. A copy of a record that is
	// not in the table but was deleted at or after the copy's version time is a late copy: ignored.
	tag, err := tx.Exec(ctx, fmt.Sprintf(`
		INSERT INTO _sequin_changes (ord, id, data, updated_at, deleted, old_data, existed)
		SELECT i.ord, i.id, i.data, i.updated_at, i.deleted, t._data, t.id IS NOT NULL
		  FROM (SELECT DISTINCT ON (id) * FROM _sequin_incoming ORDER BY id, ord DESC) i
		  LEFT JOIN %s t ON t.id = i.id
		 WHERE (i.deleted AND t.id IS NOT NULL)
		    OR (NOT i.deleted AND t.id IS NULL AND NOT EXISTS (
		        SELECT 1 FROM sequin.tombstones d WHERE d.sync_id = $1 AND d.collection_id = $2 AND d.upstream_id = i.id
		           AND i.updated_at IS NOT NULL AND d.deleted_at >= i.updated_at))
		    OR (NOT i.deleted AND t.id IS NOT NULL AND t._data IS DISTINCT FROM i.data
		        AND (t._upstream_updated_at IS NULL OR i.updated_at IS NULL OR i.updated_at >= t._upstream_updated_at))`, tbl),
		t.SyncID, t.Collection.ID)
	if err != nil {
		return st, fmt.Errorf("diffing records: %w", err)
	}
	if tag.RowsAffected() == 0 {
		st.Unchanged = len(records)
		return st, nil
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT deleted AND NOT existed), count(*) FILTER (WHERE NOT deleted AND existed),
			count(*) FILTER (WHERE deleted) FROM _sequin_changes`).Scan(&st.Inserted, &st.Updated, &st.Deleted); err != nil {
		return st, fmt.Errorf("counting changes: %w", err)
	}
	st.Unchanged = len(records) - st.Changed()
	if _, err := tx.Exec(ctx, `
		INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data, previous_data)
		SELECT $1, $2, c.id, c.updated_at,
		       CASE WHEN c.deleted THEN 'deleted' WHEN c.existed THEN 'updated' ELSE 'inserted' END,
		       CASE WHEN c.deleted THEN coalesce(c.old_data, c.data) ELSE c.data END,
		       CASE WHEN c.existed AND NOT c.deleted THEN sequin._previous_data(c.old_data, c.data) END
		  FROM _sequin_changes c ORDER BY c.ord`, t.SyncID, t.Collection.ID); err != nil {
		return st, fmt.Errorf("writing events: %w", err)
	}
	if st.Inserted+st.Updated > 0 {
		cols := []string{"id"}
		exprs := []string{"c.id"}
		sets := []string{}
		for _, f := range t.Collection.Fields {
			name := pgx.Identifier{f.Name}.Sanitize()
			cols = append(cols, name)
			exprs = append(exprs, columnExpr(f, "c.data"))
			sets = append(sets, name+" = excluded."+name)
		}
		cols = append(cols, "_data", "_sync_id", "_upstream_updated_at", "_synced_at")
		exprs = append(exprs, "c.data", "$1::uuid", "c.updated_at", "now()")
		sets = append(sets, "_data = excluded._data", "_sync_id = excluded._sync_id",
			"_upstream_updated_at = excluded._upstream_updated_at", "_synced_at = excluded._synced_at")
		q := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM _sequin_changes c WHERE NOT c.deleted ORDER BY c.ord
			ON CONFLICT (id) DO UPDATE SET %s`, tbl, strings.Join(cols, ", "), strings.Join(exprs, ", "), strings.Join(sets, ", "))
		if _, err := tx.Exec(ctx, q, t.SyncID); err != nil {
			return st, fmt.Errorf("upserting into %s: %w", tbl, err)
		}
	}
	if st.Deleted > 0 {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s t USING _sequin_changes c WHERE c.deleted AND t.id = c.id`, tbl)); err != nil {
			return st, fmt.Errorf("deleting from %s: %w", tbl, err)
		}
		// Only deletes the API dated (events, webhooks, mutations): a sweep cannot tell when a record
		// went, and a record it missed by a paging accident must come back at the next listing.
		if _, err := tx.Exec(ctx, `INSERT INTO sequin.tombstones (sync_id, collection_id, upstream_id, deleted_at)
			SELECT $1, $2, c.id, c.updated_at FROM _sequin_changes c WHERE c.deleted AND c.updated_at IS NOT NULL
			ON CONFLICT (sync_id, collection_id, upstream_id) DO UPDATE SET deleted_at = greatest(sequin.tombstones.deleted_at, excluded.deleted_at)`,
			t.SyncID, t.Collection.ID); err != nil {
			return st, fmt.Errorf("remembering deletes: %w", err)
		}
	}
	return st, nil
}

// now is replaceable in tests.
var now = time.Now
