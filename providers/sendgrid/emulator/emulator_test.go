package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func setup(t *testing.T, seed int) (*Server, string) {
	t.Helper()
	srv := New(Config{APIKeys: []string{"SG.k"}, Seed: seed, ExportFileSize: 4})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, base
}

func get(t *testing.T, url, key string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestListPagingAndErrors(t *testing.T) {
	t.Parallel()
	_, base := setup(t, 5)
	if status, body := get(t, base+"/v3/marketing/lists", "SG.other"); status != 401 || !strings.Contains(string(body), `"errors"`) {
		t.Errorf("wrong key: %d %s", status, body)
	}
	if status, _ := get(t, base+"/v3/marketing/lists?page_size=1001", "SG.k"); status != 400 {
		t.Errorf("page_size 1001: %d", status)
	}
	if status, _ := get(t, base+"/v3/templates", "SG.k"); status != 400 {
		t.Errorf("templates without page_size: %d", status)
	}
	url, seen := base+"/v3/marketing/lists?page_size=2", 0
	for range 10 {
		status, body := get(t, url, "SG.k")
		var page struct {
			Result   []map[string]any `json:"result"`
			Metadata struct {
				Next string `json:"next"`
			} `json:"_metadata"`
		}
		if status != 200 || json.Unmarshal(body, &page) != nil {
			t.Fatalf("%d %s", status, body)
		}
		seen += len(page.Result)
		if page.Metadata.Next == "" {
			break
		}
		url = base + strings.TrimPrefix(page.Metadata.Next, "https://api.sendgrid.com")
	}
	if seen != 5 {
		t.Errorf("paged through %d lists, want 5", seen)
	}
}

func TestExportFilesRefuseAPIKey(t *testing.T) {
	t.Parallel()
	_, base := setup(t, 9)
	req, _ := http.NewRequest(http.MethodPost, base+"/v3/marketing/contacts/exports", strings.NewReader(`{"file_type":"json"}`))
	req.Header.Set("Authorization", "Bearer SG.k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var started struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	status, body := get(t, base+"/v3/marketing/contacts/exports/"+started.ID, "SG.k")
	var st struct {
		Status string   `json:"status"`
		URLs   []string `json:"urls"`
	}
	if status != 200 || json.Unmarshal(body, &st) != nil || st.Status != "ready" || len(st.URLs) != 3 {
		t.Fatalf("export status: %d %s", status, body)
	}
	if status, _ := get(t, st.URLs[0], "SG.k"); status != 400 {
		t.Errorf("an export file fetched with the API key: %d", status)
	}
	if status, _ := get(t, st.URLs[2], ""); status != 200 {
		t.Errorf("export file: %d", status)
	}
}
