package console

import (
	"fmt"
	"net/http"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// lastEvent answers {"seq": n}, the newest event's seq (0 when there is none): a live tail starts a
// little before it and follows GET /v1/events?after_seq=, instead of paging through the whole stream.
func (c *Console) lastEvent(w http.ResponseWriter, r *http.Request) {
	if perr := checkParams(r); perr != nil {
		perr.write(w)
		return
	}
	var seq int64
	if err := c.Pool.QueryRow(r.Context(), lastEventSQL).Scan(&seq); err != nil {
		c.fail(w, r, fmt.Errorf("reading the last event: %w", err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]int64{"seq": seq})
}
