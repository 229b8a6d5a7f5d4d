package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// getRecord finds one record by its upstream id: ?sync_id=&collection_id=&upstream_id=. The API
// pages through records; this is the console's search box.
func (c *Console) getRecord(w http.ResponseWriter, r *http.Request) {
	if perr := checkParams(r, "sync_id", "collection_id", "upstream_id"); perr != nil {
		perr.write(w)
		return
	}
	syncID, perr := uuidParam(r, "sync_id")
	if perr == nil && syncID == nil {
		perr = invalidParam("sync_id", "query parameter \"sync_id\" is required")
	}
	q := r.URL.Query()
	collection, upstreamID := q.Get("collection_id"), q.Get("upstream_id")
	if perr == nil && collection == "" {
		perr = invalidParam("collection_id", "query parameter \"collection_id\" is required")
	}
	if perr == nil && upstreamID == "" {
		perr = invalidParam("upstream_id", "query parameter \"upstream_id\" is required")
	}
	if perr != nil {
		perr.write(w)
		return
	}
	ctx := r.Context()
	var provider string
	err := c.Pool.QueryRow(ctx, syncProviderSQL, *syncID).Scan(&provider)
	if errors.Is(err, pgx.ErrNoRows) {
		httpapi.WriteError(w, http.StatusNotFound, httpapi.CodeNotFound, fmt.Sprintf("no sync %s", *syncID), "")
		return
	}
	if err != nil {
		c.fail(w, r, fmt.Errorf("reading sync %s: %w", *syncID, err))
		return
	}
	if !strings.Contains(collection, ":") {
		// A bare collection name is qualified with the sync's provider, as the SQL functions do.
		collection = provider + ":" + collection
	}
	var body json.RawMessage
	err = c.Pool.QueryRow(ctx, recordSQL, *syncID, collection, upstreamID).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		httpapi.WriteError(w, http.StatusNotFound, httpapi.CodeNotFound,
			fmt.Sprintf("no record %q in %s", upstreamID, collection), "ids are matched exactly")
		return
	}
	if err != nil {
		c.fail(w, r, fmt.Errorf("reading record %s: %w", upstreamID, err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, body)
}
