package console

import (
	"fmt"
	"net/http"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// listRateLimits reports the use of each credential's shared request budget: requests holding a
// concurrency lease now, and how far ahead request slots are reserved. The budget itself is in each
// sync's rate_limit.
func (c *Console) listRateLimits(w http.ResponseWriter, r *http.Request) {
	if perr := checkParams(r); perr != nil {
		perr.write(w)
		return
	}
	data, err := collectJSON(r.Context(), c, rateLimitsSQL)
	if err != nil {
		c.fail(w, r, fmt.Errorf("reading rate limits: %w", err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.List{Data: data})
}
