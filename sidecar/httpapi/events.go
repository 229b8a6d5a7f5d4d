package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// eventMessageSQL builds an event as consumers receive it. The SQL definitions build it with
// sequin._event_message; eventJSON is the same document for a database whose definitions predate it.
const eventMessageSQL = `sequin._event_message(e)`

const eventJSON = `jsonb_build_object(
    'seq', e.seq, 'event_id', e.event_id, 'sync_id', e.sync_id, 'collection_id', e.collection_id,
    'upstream_id', e.upstream_id,
    'upstream_updated_at', to_char(e.upstream_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'event', e.event, 'data', e.data, 'previous_data', e.previous_data,
    'event_inserted_at', to_char(e.event_inserted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`

// eventExpr returns the SQL that builds an event message, preferring the database's own definition.
func (s *Server) eventExpr(ctx context.Context) string {
	if s.hasEventMessage.Load() {
		return eventMessageSQL
	}
	var ok bool
	if err := s.Pool.QueryRow(ctx, `SELECT to_regprocedure('sequin._event_message(sequin.events)') IS NOT NULL`).Scan(&ok); err == nil && ok {
		s.hasEventMessage.Store(true)
		return eventMessageSQL
	}
	return eventJSON
}

// listEvents pages through the event stream in seq order. next_cursor is the seq of the last event
// returned (or the position asked for, when there is nothing new), so a client can keep polling from it.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", DefaultPageLimit, 1, MaxPageLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := queryInt(r, "after_seq", 0, 0, math.MaxInt64)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c := q.Get("cursor"); c != "" {
		n, perr := strconv.ParseInt(c, 10, 64)
		if perr != nil || n < 0 {
			s.fail(w, r, invalidParameter("cursor", "query parameter \"cursor\" is not a cursor this list returned"))
			return
		}
		after = max(after, n)
	}
	syncID, err := queryUUID(r, "sync_id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	where := []string{"e.seq > $1"}
	args := []any{after}
	if syncID != "" {
		args = append(args, syncID)
		where = append(where, fmt.Sprintf("e.sync_id = $%d", len(args)))
	}
	if c := q.Get("collection_id"); c != "" {
		args = append(args, c)
		if syncID != "" && !strings.Contains(c, ":") {
			// A bare collection name is qualified with the sync's provider, as the SQL functions do.
			where = append(where, fmt.Sprintf("e.collection_id = (SELECT x.provider FROM sequin.syncs x WHERE x.id = $2) || ':' || $%d", len(args)))
		} else {
			where = append(where, fmt.Sprintf("e.collection_id = $%d", len(args)))
		}
	}
	args = append(args, limit+1)
	rows, err := s.Pool.Query(r.Context(), fmt.Sprintf(`SELECT e.seq, %s FROM sequin.events e WHERE %s ORDER BY e.seq LIMIT $%d`,
		s.eventExpr(r.Context()), strings.Join(where, " AND "), len(args)), args...)
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing events: %w", err))
		return
	}
	l := List{Data: []json.RawMessage{}}
	last := after
	for rows.Next() {
		var seq int64
		var body json.RawMessage
		if err := rows.Scan(&seq, &body); err != nil {
			rows.Close()
			s.fail(w, r, fmt.Errorf("listing events: %w", err))
			return
		}
		if int64(len(l.Data)) == limit {
			l.HasMore = true
			break
		}
		l.Data = append(l.Data, body)
		last = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.fail(w, r, fmt.Errorf("listing events: %w", err))
		return
	}
	if last > 0 {
		c := strconv.FormatInt(last, 10)
		l.NextCursor = &c
	}
	WriteJSON(w, http.StatusOK, l)
}
