package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// defaultBatch is the records per query page unless Sforce-Query-Options asks otherwise.
	defaultBatch = 2000
	// minBatch and maxBatch bound the batchSize a client may ask for.
	minBatch, maxBatch = 200, 2000
)

// locator holds the rest of a query's results for nextRecordsUrl, like a server-side cursor.
type locator struct {
	records []map[string]any
	total   int
	batch   int
	touched time.Time
}

// batchSize reads Sforce-Query-Options: batchSize=N, clamped to what Salesforce accepts.
func batchSize(h http.Header) int {
	for _, part := range strings.Split(h.Get("Sforce-Query-Options"), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "batchSize") {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return min(max(n, minBatch), maxBatch)
			}
		}
	}
	return defaultBatch
}

// runQuery answers GET /query (all false) or /queryAll (all true, deleted records included).
func (s *Server) runQuery(r apiRequest, all bool) apiResponse {
	soql := r.query.Get("q")
	if strings.TrimSpace(soql) == "" {
		return errQuery("A query string has to be specified").response()
	}
	q, err := parseQuery(soql)
	if err != nil {
		return err.response()
	}
	t := s.st.tables[q.obj.name]
	recs := t.live()
	if all {
		recs = t.all()
	}
	var matched []*record
	for _, rec := range recs {
		if q.where == nil || q.where.match(rec) {
			matched = append(matched, rec)
		}
	}
	if len(q.order) > 0 {
		slices.SortStableFunc(matched, q.less)
	}
	if q.offset > 0 {
		matched = matched[min(q.offset, len(matched)):]
	}
	if q.limit >= 0 && len(matched) > q.limit {
		matched = matched[:q.limit]
	}
	if q.count {
		return jsonResponse(http.StatusOK, map[string]any{"totalSize": len(matched), "done": true, "records": []any{}})
	}
	rendered := make([]map[string]any, len(matched))
	for i, rec := range matched {
		rendered[i] = t.render(rec, r.version, q.fields)
	}
	loc := &locator{records: rendered, total: len(rendered), batch: batchSize(r.header), touched: s.cfg.Now()}
	return s.page(r.version, "", loc, 0)
}

// page answers one page of a locator's records starting at offset, keeping the locator when more
// remain.
func (s *Server) page(version, id string, loc *locator, offset int) apiResponse {
	end := min(offset+loc.batch, len(loc.records))
	body := map[string]any{"totalSize": loc.total, "done": end >= len(loc.records), "records": loc.records[offset:end]}
	if end < len(loc.records) {
		if id == "" {
			s.locSeq++
			id = makeID("01g", s.locSeq)
			s.locators[id] = loc
		}
		loc.touched = s.cfg.Now()
		body["nextRecordsUrl"] = fmt.Sprintf("/services/data/v%s/query/%s-%d", version, id, end)
	} else if id != "" {
		delete(s.locators, id)
	}
	return jsonResponse(http.StatusOK, body)
}

// queryMore answers GET /query/{locator}-{offset}.
func (s *Server) queryMore(r apiRequest, token string) apiResponse {
	id, off, ok := strings.Cut(token, "-")
	n, err := strconv.Atoi(off)
	loc := s.locators[id]
	if !ok || err != nil || loc == nil || n < 0 || n > len(loc.records) || s.cfg.Now().Sub(loc.touched) > s.cfg.QueryLocatorTTL {
		if loc != nil && s.cfg.Now().Sub(loc.touched) > s.cfg.QueryLocatorTTL {
			delete(s.locators, id)
		}
		return errLocator().response()
	}
	return s.page(r.version, id, loc, n)
}

// ExpireQueryLocators forgets every open query cursor, as Salesforce does after 15 minutes of
// inactivity, so the next nextRecordsUrl fails with INVALID_QUERY_LOCATOR.
func (s *Server) ExpireQueryLocators() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.locators)
}
