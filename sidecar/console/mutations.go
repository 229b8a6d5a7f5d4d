package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// mutationStatuses are the values of sequin.mutations.status.
var mutationStatuses = map[string]bool{"pending": true, "running": true, "succeeded": true, "failed": true}

// listMutations pages through sequin.mutations newest first (the API reads mutations one at a time
// only): ?sync_id=, ?status=, ?limit=, ?cursor=.
func (c *Console) listMutations(w http.ResponseWriter, r *http.Request) {
	if perr := checkParams(r, "sync_id", "status", "limit", "cursor"); perr != nil {
		perr.write(w)
		return
	}
	syncID, perr := uuidParam(r, "sync_id")
	if perr != nil {
		perr.write(w)
		return
	}
	var status *string
	if v := r.URL.Query().Get("status"); v != "" {
		if !mutationStatuses[v] {
			invalidParam("status", "query parameter \"status\" must be pending, running, succeeded or failed, got %q", v).write(w)
			return
		}
		status = &v
	}
	limit, perr := limitParam(r, 50, 500)
	if perr != nil {
		perr.write(w)
		return
	}
	after, perr := cursorParam(r)
	if perr != nil {
		perr.write(w)
		return
	}
	var afterAt, afterID any
	if after != nil {
		afterAt, afterID = after.at, after.id
	}
	rows, err := c.Pool.Query(r.Context(), mutationsSQL, syncID, status, afterAt, afterID, limit+1)
	if err != nil {
		c.fail(w, r, fmt.Errorf("listing mutations: %w", err))
		return
	}
	defer rows.Close()
	l := httpapi.List{Data: []json.RawMessage{}}
	var last keysetCursor
	for rows.Next() {
		var at time.Time
		var id string
		var body json.RawMessage
		if err := rows.Scan(&at, &id, &body); err != nil {
			c.fail(w, r, fmt.Errorf("listing mutations: %w", err))
			return
		}
		if len(l.Data) == limit {
			l.HasMore = true
			next := last.encode()
			l.NextCursor = &next
			break
		}
		l.Data = append(l.Data, body)
		last = keysetCursor{at: at, id: id}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		c.fail(w, r, fmt.Errorf("listing mutations: %w", err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, l)
}
