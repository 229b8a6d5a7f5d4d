package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
)

// recordJSON is the API shape of a record: the row of sequin.records.
const recordJSON = `jsonb_build_object(
    'sync_id', r.sync_id, 'collection_id', r.collection_id, 'upstream_id', r.upstream_id,
    'upstream_updated_at', r.upstream_updated_at, 'data', r.data, 'deleted', r.deleted, 'synced_at', r.synced_at)`

// listRecords pages through the records of one sync in (collection_id, upstream_id) order.
func (s *Server) listRecords(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ctx := r.Context()
	syncID, err := queryUUID(r, "sync_id")
	if err == nil && syncID == "" {
		err = invalidParameter("sync_id", "query parameter \"sync_id\" is required")
	}
	var p page
	if err == nil {
		p, err = readPage(r, 2)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var provider string
	err = s.Pool.QueryRow(ctx, `SELECT provider FROM sequin.syncs WHERE id = $1`, syncID).Scan(&provider)
	if errors.Is(err, pgx.ErrNoRows) {
		s.fail(w, r, notFound(fmt.Sprintf("no sync %s", syncID)))
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing records: %w", err))
		return
	}
	where := []string{"r.sync_id = $1"}
	args := []any{syncID}
	collection := q.Get("collection_id")
	if collection != "" {
		if !strings.Contains(collection, ":") {
			collection = provider + ":" + collection
		}
		args = append(args, collection)
		where = append(where, fmt.Sprintf("r.collection_id = $%d", len(args)))
	}
	after := p.after
	if a := q.Get("after"); a != "" && after == nil {
		if collection == "" {
			s.fail(w, r, invalidParameter("after", "query parameter \"after\" needs collection_id (or use cursor)"))
			return
		}
		after = []string{collection, a}
	}
	if after != nil {
		args = append(args, after[0], after[1])
		where = append(where, fmt.Sprintf("(r.collection_id, r.upstream_id) > ($%d, $%d)", len(args)-1, len(args)))
	}
	args = append(args, p.limit+1)
	rows, err := s.Pool.Query(ctx, fmt.Sprintf(`SELECT r.collection_id, r.upstream_id, %s FROM sequin.records r WHERE %s
		ORDER BY r.collection_id, r.upstream_id LIMIT $%d`, recordJSON, strings.Join(where, " AND "), len(args)), args...)
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing records: %w", err))
		return
	}
	defer rows.Close()
	l := List{Data: []json.RawMessage{}}
	var lastCollection, lastID string
	for rows.Next() {
		var c, id string
		var body json.RawMessage
		if err := rows.Scan(&c, &id, &body); err != nil {
			s.fail(w, r, fmt.Errorf("listing records: %w", err))
			return
		}
		if int64(len(l.Data)) == p.limit {
			l.HasMore = true
			l.NextCursor = encodeCursor(lastCollection, lastID)
			break
		}
		l.Data = append(l.Data, body)
		lastCollection, lastID = c, id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.fail(w, r, fmt.Errorf("listing records: %w", err))
		return
	}
	WriteJSON(w, http.StatusOK, l)
}
