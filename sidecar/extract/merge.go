package extract

import (
	"context"
	"fmt"
	"slices"
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
// changed or deleted. Per id the last copy wins; a copy older than what the table holds (by
// upstream_updated_at) is ignored, and a copy with the same content produces no event. The caller
// holds the collection's row lock, so merges of one table never interleave.
func Merge(ctx context.Context, tx pgx.Tx, t Target, records []providers.Record) (MergeStats, error) {
	var st MergeStats
	if len(records) == 0 {
		return st, nil
	}
	given := len(records)
	records = lastCopies(records)
	ids := make([]string, len(records))
	datas := make([][]byte, len(records)) // nil is NULL; the bytes go to the server as they are
	updateds := make([]*time.Time, len(records))
	deleteds := make([]bool, len(records))
	for i, r := range records {
		if r.ID == "" {
			return st, providers.Malformed(nil, "record %d of %s has no id", i, t.Collection.ID)
		}
		if len(r.Data) > 0 {
			clean, err := storable(r.Data)
			if err != nil {
				return st, providers.Malformed(err, "record %s of %s is not JSON", r.ID, t.Collection.ID)
			}
			datas[i] = clean
		} else if !r.Deleted {
			return st, providers.Malformed(nil, "record %s of %s has no data", r.ID, t.Collection.ID)
		}
		if !r.UpdatedAt.IsZero() {
			u := r.UpdatedAt
			updateds[i] = &u
		}
		ids[i], deleteds[i] = r.ID, r.Deleted
	}
	// The statement is long (every typed column's extraction), so planning it costs about as much as
	// running it on a page. Its plan does not depend on the page (each record is looked up by key), but
	// Postgres plans it afresh for the first five runs on each pooled connection, and again after every
	// ANALYZE of a table that a backfill fills: the generic plan is used from the start instead.
	if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_generic_plan`); err != nil {
		return st, fmt.Errorf("merging into %s: %w", t.QualifiedName(), err)
	}
	err := tx.QueryRow(ctx, mergeSQL(t), t.SyncID, t.Collection.ID, ids, datas, updateds, deleteds).
		Scan(&st.Inserted, &st.Updated, &st.Deleted)
	if err != nil {
		return st, fmt.Errorf("merging into %s: %w", t.QualifiedName(), err)
	}
	st.Unchanged = given - st.Changed()
	return st, nil
}

// mergeSQL is the one statement that merges a page into t's table. It takes the sync id, the
// collection id and the page as parallel arrays (id, data, upstream time, deleted), and returns the
// inserted, updated and deleted counts.
//
// The page holds one copy per id (lastCopies), so the statement sorts nothing: a sort would copy
// every object once more. Only what differs from the table is kept, each record looked up by its key
// (a plain join would scan a freshly filled table that has no statistics yet, once per page). A copy of
// a record that is not in the table but was deleted at or after the copy's version time is a late
// copy: ignored. The changes are materialized once, with each object in memory, so the typed columns
// are extracted from it without reading it back from storage field by field. The sub-statements
// touch disjoint rows: events, inserts of the new records, upserts of the changed ones, deletes of
// those that went, and tombstones for the deletes the API dated (a sweep cannot tell when a record
// went, and a record it missed by a paging accident must come back at the next listing). New records
// are plain inserts: the caller's lock keeps other merges out, and an insert with ON CONFLICT costs an
// extra index probe and WAL record per row. The tombstones are only probed per record when the
// collection has any (tombs), which in a first backfill it has not.
func mergeSQL(t Target) string {
	cols := []string{"id"}
	exprs := []string{"c.id"}
	sets := []string{}
	// Each field is looked up in the object once, in a lateral subquery that OFFSET 0 keeps from being
	// folded into the expressions that use it.
	fields := []string{"NULL::jsonb AS none"}
	for i, f := range t.Collection.Fields {
		name := pgx.Identifier{f.Name}.Sanitize()
		cols = append(cols, name)
		fields = append(fields, fmt.Sprintf("%s AS f%d", fieldLookup(f, "c.data"), i))
		exprs = append(exprs, fieldValue(f, fmt.Sprintf("x.f%d", i)))
		sets = append(sets, name+" = excluded."+name)
	}
	cols = append(cols, "_data", "_sync_id", "_upstream_updated_at", "_synced_at")
	exprs = append(exprs, "c.data", "$1::uuid", "c.updated_at", "now()")
	sets = append(sets, "_data = excluded._data", "_sync_id = excluded._sync_id",
		"_upstream_updated_at = excluded._upstream_updated_at", "_synced_at = excluded._synced_at")
	tbl := t.QualifiedName()
	return fmt.Sprintf(`WITH incoming AS (
		SELECT * FROM unnest($3::text[], $4::jsonb[], $5::timestamptz[], $6::boolean[]) AS i(id, data, updated_at, deleted)
	), tombs AS (
		SELECT EXISTS (SELECT 1 FROM sequin.tombstones d WHERE d.sync_id = $1::uuid AND d.collection_id = $2) AS buried
	), changes AS MATERIALIZED (
		SELECT i.id, i.data, i.updated_at, i.deleted, t._data AS old_data, t.id IS NOT NULL AS existed
		  FROM incoming i
		  LEFT JOIN LATERAL (SELECT t.id, t._data, t._upstream_updated_at FROM %[1]s t WHERE t.id = i.id OFFSET 0) t ON true
		 WHERE (i.deleted AND t.id IS NOT NULL)
		    OR (NOT i.deleted AND t.id IS NULL AND (i.updated_at IS NULL OR NOT (SELECT buried FROM tombs) OR NOT EXISTS (
		        SELECT 1 FROM sequin.tombstones d WHERE d.sync_id = $1::uuid AND d.collection_id = $2 AND d.upstream_id = i.id
		           AND d.deleted_at >= i.updated_at)))
		    OR (NOT i.deleted AND t.id IS NOT NULL AND t._data IS DISTINCT FROM i.data
		        AND (t._upstream_updated_at IS NULL OR i.updated_at IS NULL OR i.updated_at >= t._upstream_updated_at))
	), events AS (
		INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data, previous_data)
		SELECT $1::uuid, $2, c.id, c.updated_at,
		       CASE WHEN c.deleted THEN 'deleted' WHEN c.existed THEN 'updated' ELSE 'inserted' END,
		       CASE WHEN c.deleted THEN coalesce(c.old_data, c.data) ELSE c.data END,
		       CASE WHEN c.existed AND NOT c.deleted THEN sequin._previous_data(c.old_data, c.data) END
		  FROM changes c
	), inserted AS (
		INSERT INTO %[1]s (%[2]s) SELECT %[3]s
		  FROM changes c CROSS JOIN LATERAL (SELECT %[5]s OFFSET 0) x
		 WHERE NOT c.deleted AND NOT c.existed
	), updated AS (
		INSERT INTO %[1]s (%[2]s) SELECT %[3]s
		  FROM changes c CROSS JOIN LATERAL (SELECT %[5]s OFFSET 0) x
		 WHERE NOT c.deleted AND c.existed
		ON CONFLICT (id) DO UPDATE SET %[4]s
	), deleted AS (
		DELETE FROM %[1]s t USING changes c WHERE c.deleted AND t.id = c.id
	), tombstoned AS (
		INSERT INTO sequin.tombstones (sync_id, collection_id, upstream_id, deleted_at)
		SELECT $1::uuid, $2, c.id, c.updated_at FROM changes c WHERE c.deleted AND c.updated_at IS NOT NULL
		ON CONFLICT (sync_id, collection_id, upstream_id) DO UPDATE SET deleted_at = greatest(sequin.tombstones.deleted_at, excluded.deleted_at)
	)
	SELECT count(*) FILTER (WHERE NOT deleted AND NOT existed), count(*) FILTER (WHERE NOT deleted AND existed),
	       count(*) FILTER (WHERE deleted)
	  FROM changes`, tbl, strings.Join(cols, ", "), strings.Join(exprs, ", "), strings.Join(sets, ", "), strings.Join(fields, ", "))
}

// now is replaceable in tests.
var now = time.Now

// lastCopies returns the last copy of each record in records, in the order of those copies. A page
// rarely holds two copies of a record (one that moved while it was listed), so it is usually records
// itself.
func lastCopies(records []providers.Record) []providers.Record {
	seen := make(map[string]struct{}, len(records))
	for _, r := range records {
		if _, ok := seen[r.ID]; !ok {
			seen[r.ID] = struct{}{}
			continue
		}
		clear(seen)
		out := make([]providers.Record, 0, len(records))
		for j := len(records) - 1; j >= 0; j-- {
			if _, ok := seen[records[j].ID]; !ok {
				seen[records[j].ID] = struct{}{}
				out = append(out, records[j])
			}
		}
		slices.Reverse(out)
		return out
	}
	return records
}
