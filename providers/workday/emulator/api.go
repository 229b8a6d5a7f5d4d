package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Default and largest page sizes of REST lists.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// tenantZone is the tenant's time zone, in which RaaS renders date-times.
var tenantZone = time.FixedZone("PST", -8*3600)

// serveREST answers GET /ccx/api/v1/<tenant>/<collection>[/<id>].
func (s *Server) serveREST(r *http.Request, base, rest string) response {
	name, id, one := strings.Cut(rest, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.store[name]
	if c == nil || (one && (id == "" || strings.Contains(id, "/"))) {
		return errResp(http.StatusNotFound, "invalid resource or operation")
	}
	if one {
		o := c.byID[id]
		if o == nil {
			return errResp(http.StatusNotFound, "Resource not found", errorDetail{Error: "Invalid ID value. '" + id + "' is not a valid ID.", Location: "path"})
		}
		return jsonResp(s.render(base, name, o))
	}
	q := r.URL.Query()
	limit, ok := intParam(q.Get("limit"), defaultLimit)
	if !ok || limit < 1 || limit > maxLimit {
		return errResp(http.StatusBadRequest, "invalid request: limit", errorDetail{Error: "The limit must be between 1 and 100.", Field: "limit", Location: "query"})
	}
	offset, ok := intParam(q.Get("offset"), 0)
	if !ok || offset < 0 {
		return errResp(http.StatusBadRequest, "invalid request: offset", errorDetail{Error: "The offset must be a non-negative integer.", Field: "offset", Location: "query"})
	}
	data := []map[string]any{}
	for _, id := range c.order[min(offset, len(c.order)):min(offset+limit, len(c.order))] {
		data = append(data, s.render(base, name, c.byID[id]))
	}
	return jsonResp(map[string]any{"total": len(c.order), "data": data})
}

// intParam reads an integer query parameter, def when absent.
func intParam(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// serveReport answers GET /ccx/service/customreport2/<tenant>/<owner>/<report>?format=json with the
// objects last updated from the Updated_From prompt on, in listing order: {"Report_Entry": [{"WID",
// "Last_Updated", "Descriptor"}]}.
func (s *Server) serveReport(r *http.Request, rest string) response {
	collection, ok := s.cfg.Reports[rest]
	if !ok {
		return errResp(http.StatusNotFound, "Report not found", errorDetail{Error: "The report '" + rest + "' does not exist or is not shared with this user.", Location: "path"})
	}
	q := r.URL.Query()
	if q.Get("format") != "json" {
		return errResp(http.StatusBadRequest, "invalid request: format", errorDetail{Error: "Only format=json is emulated.", Field: "format", Location: "query"})
	}
	var from time.Time
	if v := q.Get("Updated_From"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return errResp(http.StatusBadRequest, "invalid request: Updated_From", errorDetail{Error: "Invalid date-time value '" + v + "'.", Field: "Updated_From", Location: "query"})
		}
		from = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.store[collection]
	entries := []map[string]any{}
	for _, id := range c.order {
		o := c.byID[id]
		if o.updated.Before(from) {
			continue
		}
		entries = append(entries, map[string]any{"WID": id, "Descriptor": o.data["descriptor"],
			"Last_Updated": o.updated.In(tenantZone).Format("2006-01-02T15:04:05.000-07:00")})
	}
	return jsonResp(map[string]any{"Report_Entry": entries})
}
