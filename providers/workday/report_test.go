package workday

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// reportServer serves a token endpoint, one change report answering body, and one live worker, "w2".
func reportServer(t *testing.T, body string) *providers.Session {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ccx/oauth2/acme/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
	})
	mux.HandleFunc("GET /ccx/service/customreport2/acme/ISU/Changed", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("format") != "json" || r.URL.Query().Get("Updated_From") == "" {
			http.Error(w, `{"error":"missing prompt"}`, http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(body))
	})
	mux.HandleFunc("GET /ccx/api/v1/acme/workers/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "w2" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"Resource not found"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"w2","descriptor":"Grace Hopper"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cr := cred("refresh")
	rt, err := New().Authenticate(t.Context(), cr, http.DefaultTransport, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Session{
		Client:     &providers.Client{BaseURL: srv.URL, HTTP: &http.Client{Transport: rt}, Classify: New().ClassifyError},
		Credential: cr,
		Options:    map[string]any{"workers_report": "ISU/Changed"},
	}
}

func TestReportChangesOrderAndDeletes(t *testing.T) {
	t.Parallel()
	sess := reportServer(t, `{"Report_Entry":[
		{"WID":"w2","Last_Updated":"2030-01-02T03:04:06.000-08:00"},
		{"WID":"w1","Last_Updated":"2030-01-02T03:04:05.500-08:00"}]}`)
	c := collection(t, "workers")
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.Changes(t.Context(), sess, cp)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Records) != 2 || ch.More {
		t.Fatalf("Changes = %d records (more %v), want 2", len(ch.Records), ch.More)
	}
	if r := ch.Records[0]; r.ID != "w1" || !r.Deleted {
		t.Errorf("first change = {%s deleted %v}, want w1 (the older change) deleted: the report named it but it is gone", r.ID, r.Deleted)
	}
	if r := ch.Records[1]; r.ID != "w2" || r.Deleted || !strings.Contains(string(r.Data), "Grace Hopper") {
		t.Errorf("second change = {%s deleted %v %s}, want w2 fetched", r.ID, r.Deleted, r.Data)
	}
	again, err := c.Changes(t.Context(), sess, ch.NextCursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Records) != 0 {
		t.Errorf("the same report reported %d changes again", len(again.Records))
	}
}

func TestReportMalformedEntries(t *testing.T) {
	t.Parallel()
	c := collection(t, "workers")
	cp := (&changeCursor{Mode: modeReport, Floor: time.Now().UnixMilli(), At: time.Now().UnixMilli()}).String()
	for _, body := range []string{
		`{"Report_Entry":[{"WID":"w1"}]}`,
		`{"Report_Entry":[{"WID":"w1","Last_Updated":"yesterday"}]}`,
		`{"Report_Entries":[]}`,
		`<wd:Report_Data/>`,
	} {
		_, err := c.Changes(t.Context(), reportServer(t, body), cp)
		if !providers.IsMalformed(err) {
			t.Errorf("Changes over report %s: %v, want a malformed error", body, err)
		}
	}
}
