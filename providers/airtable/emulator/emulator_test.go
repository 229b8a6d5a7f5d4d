package emulator

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const token = "patEmulatorTest.0123456789"

func start(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.Tokens = []string{token}
	s := New(cfg)
	base, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s, base
}

// call sends a request and decodes the JSON answer.
func call(t *testing.T, method, u string, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	return resp.StatusCode, out, resp.Header
}

func TestCloseWithIdleConnections(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 1, Tokens: []string{token}})
	base, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	raw, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer raw.Close()
	status, _, _ := call(t, http.MethodGet, base+"/v0/meta/whoami", "")
	require.Equal(t, 200, status)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
}

func TestMetadataIsTheSameEverywhere(t *testing.T) {
	t.Parallel()
	a, b := New(Config{Seed: 3, RandSeed: 1}), New(Config{Seed: 40, RandSeed: 99})
	require.Equal(t, a.TableIDs()[:3], b.TableIDs()[:3])
	ta, _ := a.Table(TableID(TasksTable))
	tb, _ := b.Table(TableID(TasksTable))
	require.JSONEq(t, string(ta), string(tb))
	require.Equal(t, MainBaseID, a.BaseIDs()[0])
}

func TestFilterByFormula(t *testing.T) {
	t.Parallel()
	s, base := start(t, Config{Seed: 0})
	for _, f := range []map[string]any{
		{"Name": "alpha", "Priority": 1.0, "Done": true, "Tags": []any{"bug", "urgent"}},
		{"Name": "beta", "Priority": 5.0},
		{"Name": "it's", "Priority": 3.0, "Due": "2030-05-01"},
	} {
		_, err := s.CreateRecord(TasksTable, f)
		require.NoError(t, err)
	}
	list := func(formula string) (int, []string) {
		status, out, _ := call(t, http.MethodGet, base+"/v0/"+MainBaseID+"/"+url.PathEscape(TasksTable)+"?filterByFormula="+url.QueryEscape(formula), "")
		var names []string
		recs, _ := out["records"].([]any)
		for _, r := range recs {
			names = append(names, r.(map[string]any)["fields"].(map[string]any)["Name"].(string))
		}
		return status, names
	}
	for formula, want := range map[string][]string{
		`{Priority} > 2`:                        {"beta", "it's"},
		`AND({Done}, Priority < 3)`:             {"alpha"},
		`OR({Name} = 'beta', {Name} = "it\'s")`: {"beta", "it's"},
		`NOT({Done})`:                           {"beta", "it's"},
		`FIND('urgent', {Tags})`:                {"alpha"},
		`IS_AFTER({Due}, '2030-01-01')`:         {"it's"},
		`{Score} = 50`:                          {"beta"},
		`LOWER({Name}) & "!" = 'alpha!'`:        {"alpha"},
		`IS_AFTER(CREATED_TIME(), DATETIME_PARSE('2000-01-01T00:00:00.000Z'))`:        {"alpha", "beta", "it's"},
		`IS_BEFORE(LAST_MODIFIED_TIME(), DATETIME_PARSE('2000-01-01T00:00:00.000Z'))`: nil,
	} {
		status, got := list(formula)
		require.Equal(t, 200, status, formula)
		require.Equal(t, want, got, formula)
	}
	for _, bad := range []string{`{Colour} = 1`, `NOPE(1)`, `AND(1,`, `'unterminated`} {
		status, out, _ := call(t, http.MethodGet, base+"/v0/"+MainBaseID+"/"+url.PathEscape(TasksTable)+"?filterByFormula="+url.QueryEscape(bad), "")
		require.Equal(t, 422, status, bad)
		require.Equal(t, "INVALID_FILTER_BY_FORMULA", out["error"].(map[string]any)["type"], bad)
	}
}

func TestOffsetPagingAndExpiry(t *testing.T) {
	t.Parallel()
	s, base := start(t, Config{Seed: 25, IteratorTTL: time.Hour})
	path := base + "/v0/" + MainBaseID + "/" + TableID(ContactsTable) + "?pageSize=10"
	seen := map[string]bool{}
	next := path
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 10)
		status, out, _ := call(t, http.MethodGet, next, "")
		require.Equal(t, 200, status)
		for _, r := range out["records"].([]any) {
			seen[r.(map[string]any)["id"].(string)] = true
		}
		next = ""
		if off, ok := out["offset"].(string); ok {
			next = path + "&offset=" + url.QueryEscape(off)
		}
	}
	require.Len(t, seen, s.Count(ContactsTable))

	_, out, _ := call(t, http.MethodGet, path, "")
	off := out["offset"].(string)
	status, out, _ := call(t, http.MethodGet, base+"/v0/"+MainBaseID+"/"+TableID(ContactsTable)+"?pageSize=5&offset="+url.QueryEscape(off), "")
	require.Equal(t, 422, status, "an offset belongs to its query")
	s.ExpireIterators()
	status, out, _ = call(t, http.MethodGet, path+"&offset="+url.QueryEscape(off), "")
	require.Equal(t, 422, status)
	require.Equal(t, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", out["error"].(map[string]any)["type"])
}

func TestWriteValidation(t *testing.T) {
	t.Parallel()
	_, base := start(t, Config{Seed: 1})
	tasks := base + "/v0/" + MainBaseID + "/" + url.PathEscape(TasksTable)
	for body, typ := range map[string]string{
		`{"fields":{"Colour":"red"}}`:                  "UNKNOWN_FIELD_NAME",
		`{"fields":{"Created":"2020-01-01"}}`:          "INVALID_VALUE_FOR_COLUMN",
		`{"fields":{"Priority":"high"}}`:               "INVALID_VALUE_FOR_COLUMN",
		`{"fields":{"Status":"Someday"}}`:              "INVALID_MULTIPLE_CHOICE_OPTIONS",
		`{"fields":{"Project":["rec00000000000000"]}}`: "ROW_DOES_NOT_EXIST",
		`{"name":"x"}`:                                 "INVALID_REQUEST_MISSING_FIELDS",
	} {
		status, out, _ := call(t, http.MethodPost, tasks, body)
		require.Equal(t, 422, status, body)
		require.Equal(t, typ, out["error"].(map[string]any)["type"], body)
	}
	status, out, _ := call(t, http.MethodPost, tasks, `{"fields":{"Name":"ok","Priority":"4","Status":"Someday"},"typecast":true}`)
	require.Equal(t, 200, status)
	fields := out["fields"].(map[string]any)
	require.Equal(t, 4.0, fields["Priority"])
	require.Equal(t, "Someday", fields["Status"])
	require.Equal(t, 40.0, fields["Score"], "formula fields are computed")
	id := out["id"].(string)
	status, out, _ = call(t, http.MethodPatch, tasks+"/"+id, `{"fields":{"Priority":null,"Done":true}}`)
	require.Equal(t, 200, status)
	require.NotContains(t, out["fields"], "Priority", "an empty cell is left out")
	require.Equal(t, true, out["fields"].(map[string]any)["Done"])
	status, out, _ = call(t, http.MethodDelete, tasks+"/"+id, "")
	require.Equal(t, 200, status)
	require.Equal(t, true, out["deleted"])
	status, out, _ = call(t, http.MethodGet, tasks+"/"+id, "")
	require.Equal(t, 404, status)
	require.Equal(t, "NOT_FOUND", out["error"])
}

func TestRateLimitPenalty(t *testing.T) {
	t.Parallel()
	_, base := start(t, Config{Seed: 1, RateLimit: 2, RateLimitWindow: time.Hour})
	schema := base + "/v0/meta/bases/" + MainBaseID + "/tables"
	for range 2 {
		status, _, _ := call(t, http.MethodGet, schema, "")
		require.Equal(t, 200, status)
	}
	status, out, header := call(t, http.MethodGet, base+"/v0/"+MainBaseID+"/"+TableID(TasksTable), "")
	require.Equal(t, 429, status, "the limit is the base's, whatever the endpoint")
	require.Equal(t, "RATE_LIMIT_REACHED", out["errors"].([]any)[0].(map[string]any)["error"])
	require.Empty(t, header.Get("Retry-After"), "Airtable announces no Retry-After")
	status, _, _ = call(t, http.MethodGet, base+"/v0/meta/bases", "")
	require.Equal(t, 200, status, "requests outside the base are not limited by it")
}

func TestWebhookPayloads(t *testing.T) {
	t.Parallel()
	s, base := start(t, Config{Seed: 2, WebhookSecret: "c2VjcmV0"})
	id, err := s.CreateRecord(ContactsTable, nil)
	require.NoError(t, err)
	require.NoError(t, s.UpdateRecord(ContactsTable, id, nil))
	require.NoError(t, s.DeleteRecord(ContactsTable, id))
	hooks := base + "/v0/bases/" + MainBaseID + "/webhooks"
	_, out, _ := call(t, http.MethodGet, hooks, "")
	require.Equal(t, 4.0, out["webhooks"].([]any)[0].(map[string]any)["cursorForNextPayload"])
	_, out, _ = call(t, http.MethodGet, hooks+"/"+WebhookID+"/payloads?cursor=3", "")
	require.Equal(t, 4.0, out["cursor"])
	require.Equal(t, false, out["mightHaveMore"])
	p := out["payloads"].([]any)[0].(map[string]any)
	change := p["changedTablesById"].(map[string]any)[TableID(ContactsTable)].(map[string]any)
	require.Equal(t, []any{id}, change["destroyedRecordIds"])
	_, out, _ = call(t, http.MethodGet, hooks+"/"+WebhookID+"/payloads?cursor=1&limit=1", "")
	require.Equal(t, 2.0, out["cursor"])
	require.Equal(t, true, out["mightHaveMore"])
}
