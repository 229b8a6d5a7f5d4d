package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, s *Server, path string, p url.Values) map[string]any {
	t.Helper()
	p.Set("loginId", "sequin")
	p.Set("password", "sequin")
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(p.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: %v: %s", path, err, w.Body)
	}
	return out
}

func TestQueryRangeAndPages(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	s := New(Config{Seed: 5, Now: func() time.Time { return now }})
	all := post(t, s, "/order/query/", url.Values{"startDate": {"01/01/2000"}, "endDate": {"12/31/2099"}, "resultsPerPage": {"2"}, "page": {"3"}})
	msg, _ := all["message"].(map[string]any)
	if all["result"] != "SUCCESS" || msg["totalResults"] != 5.0 || len(msg["data"].([]any)) != 1 {
		t.Fatalf("third page of five orders by two: %v", all)
	}
	id, _ := s.Create("order", nil)
	upd := post(t, s, "/order/query/", url.Values{"dateRangeType": {"dateUpdated"}, "startDate": {"05/01/2024"}, "startTime": {"12:00:00"}, "endDate": {"05/01/2024"}})
	msg, _ = upd["message"].(map[string]any)
	data, _ := msg["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["orderId"] != id {
		t.Errorf("orders updated since noon: %v, want only %s", upd, id)
	}
	none := post(t, s, "/order/query/", url.Values{"orderId": {"nope"}})
	if none["result"] != "ERROR" || !strings.Contains(none["message"].(string), "No orders matching") {
		t.Errorf("unknown order: %v", none)
	}
	bad := post(t, s, "/customer/query/", url.Values{})
	if bad["result"] != "ERROR" {
		t.Errorf("a query without range or id: %v", bad)
	}
}
