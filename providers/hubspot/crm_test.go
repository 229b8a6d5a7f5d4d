package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	neturl "net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/hubspot/emulator"
)

// backfillIDs pages through a collection and returns the ids in order and the number of pages.
func backfillIDs(t *testing.T, c *providers.Collection, sess *providers.Session) ([]string, int) {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 1; pages < 1000; pages++ {
		p, err := c.Backfill(t.Context(), sess, cursor)
		if err != nil {
			t.Fatalf("Backfill(%q): %v", cursor, err)
		}
		for _, r := range p.Records {
			ids = append(ids, r.ID)
		}
		if p.Done {
			return ids, pages
		}
		cursor = p.NextCursor
	}
	t.Fatal("Backfill never finished")
	return nil, 0
}

func TestBackfillPageBoundaries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ seed, pages int }{{0, 1}, {1, 1}, {100, 1}, {101, 2}, {200, 2}, {201, 3}} {
		b := setup(t, emulator.Config{Seed: tc.seed})
		ids, pages := backfillIDs(t, collection(t, "companies"), b.sess)
		if len(ids) != tc.seed || pages != tc.pages || !slices.Equal(ids, b.srv.List("companies")) {
			t.Errorf("seed %d: %d objects in %d pages, want %d in %d", tc.seed, len(ids), pages, tc.seed, tc.pages)
		}
	}
}

func TestBackfillSkipsArchivedAndRequestsProperties(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 10})
	b.sess.Options["properties"] = "custom_score, notes_last_updated"
	ids := b.srv.List("contacts")
	if err := b.srv.Delete("contacts", ids[3]); err != nil {
		t.Fatal(err)
	}
	got, _ := backfillIDs(t, collection(t, "contacts"), b.sess)
	if slices.Contains(got, ids[3]) || len(got) != 9 {
		t.Errorf("backfill returned %v, want every live contact but %s", got, ids[3])
	}
	var q string
	for _, r := range b.srv.Requests() {
		q = r.Query
	}
	for _, want := range []string{"archived=false", "limit=100", "custom_score", "lastmodifieddate", "email", "hs_unique_creation_key"} {
		if !strings.Contains(q, want) {
			t.Errorf("list query %q lacks %s", q, want)
		}
	}
}

func TestBackfillRefusesBadAnswers(t *testing.T) {
	t.Parallel()
	c := collection(t, "deals")
	b := setup(t, emulator.Config{Seed: 3})
	for name, body := range map[string]string{
		"no results":      `{"paging":{}}`,
		"object no id":    `{"results":[{"properties":{},"updatedAt":"2024-01-01T00:00:00Z"}]}`,
		"object no time":  `{"results":[{"id":"1","properties":{}}]}`,
		"next no after":   `{"results":[{"id":"1","updatedAt":"2024-01-01T00:00:00Z"}],"paging":{"next":{"after":""}}}`,
		"empty with next": `{"results":[],"paging":{"next":{"after":"5"}}}`,
	} {
		b.srv.InjectFault(emulator.Fault{Status: 200, Body: body})
		if _, err := c.Backfill(t.Context(), b.sess, ""); !providers.IsMalformed(err) {
			t.Errorf("%s: %v, want malformed", name, err)
		}
	}
	b.srv.InjectFault(emulator.Fault{Status: 200, Body: `{"results":[{"id":"1","updatedAt":"2024-01-01T00:00:00Z"}],"paging":{"next":{"after":"7"}}}`})
	if _, err := c.Backfill(t.Context(), b.sess, backfillCursor("7")); !providers.IsMalformed(err) {
		t.Errorf("an after token that does not move: %v, want malformed", err)
	}
	if _, err := c.Backfill(t.Context(), b.sess, "garbage"); !providers.IsInvalidRequest(err) {
		t.Errorf("a garbage cursor: %v, want an invalid request", err)
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3})
	c := collection(t, "tickets")
	ids := b.srv.List("tickets")
	n := len(b.srv.Requests())
	if _, err := c.Get(t.Context(), b.sess, "../owners"); !providers.IsNotFound(err) {
		t.Errorf("Get of a non-numeric id: %v", err)
	}
	if got := len(b.srv.Requests()); got != n {
		t.Errorf("Get of an impossible id sent %d requests", got-n)
	}
	if err := b.srv.Delete("tickets", ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(t.Context(), b.sess, ids[0]); !providers.IsNotFound(err) {
		t.Errorf("Get of an archived object: %v, want not found", err)
	}
	// HubSpot answers for a merged-away id with the object it was merged into.
	merged, _ := b.srv.Get("tickets", ids[1], collection(t, "tickets").Name)
	b.srv.InjectFault(emulator.Fault{Status: 200, Body: string(merged)})
	if _, err := c.Get(t.Context(), b.sess, ids[2]); !providers.IsNotFound(err) {
		t.Errorf("Get of a merged id: %v, want not found", err)
	}
}

func TestMutations(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3})
	c := collection(t, "contacts")
	mutate := func(kind providers.MutationKind, id string, data map[string]any) (*providers.Record, error) {
		return c.Mutate(t.Context(), b.sess, &providers.Mutation{ID: "m-" + t.Name() + string(kind) + id, Kind: kind, UpstreamID: id, Data: data})
	}
	// Column names map to properties and values become HubSpot's strings.
	rec, err := c.Mutate(t.Context(), b.sess, &providers.Mutation{ID: "m1", Kind: providers.MutationCreate,
		Data: map[string]any{"properties": map[string]any{"email": "x@example.com", "associatedcompanyid": 1001.0}, "firstname": "X"}})
	if err != nil {
		t.Fatal(err)
	}
	var obj struct {
		Properties map[string]*string `json:"properties"`
	}
	if err := json.Unmarshal(rec.Data, &obj); err != nil {
		t.Fatal(err)
	}
	if p := obj.Properties; p["firstname"] == nil || *p["firstname"] != "X" || *p["associatedcompanyid"] != "1001" || *p[uniqueKeyProperty] != "sequin-mutation-m1" {
		t.Errorf("created %s", rec.Data)
	}
	// Another mutation creating the same email is refused, not retried.
	n := len(b.srv.Requests())
	if _, err := mutate(providers.MutationCreate, "", map[string]any{"email": "x@example.com"}); !providers.IsInvalidRequest(err) {
		t.Errorf("a duplicate email: %v, want an invalid request", err)
	}
	if got := len(b.srv.Requests()) - n; got != 2 {
		t.Errorf("a refused create sent %d requests, want the create and the key lookup", got)
	}
	if _, err := mutate(providers.MutationUpdate, rec.ID, map[string]any{"no_such_property": "1"}); !providers.IsInvalidRequest(err) {
		t.Errorf("an unknown property: %v, want an invalid request", err)
	}
	if _, err := mutate(providers.MutationUpdate, "999999", map[string]any{"firstname": "Y"}); !providers.IsNotFound(err) {
		t.Errorf("an update of a missing object: %v, want not found", err)
	}
	if _, err := mutate(providers.MutationUpdate, rec.ID, nil); !providers.IsInvalidRequest(err) {
		t.Errorf("an empty update: %v, want an invalid request", err)
	}
	if _, err := mutate(providers.MutationUpdate, "", map[string]any{"firstname": "Y"}); !providers.IsInvalidRequest(err) {
		t.Errorf("an update without id: %v, want an invalid request", err)
	}
	del, err := mutate(providers.MutationDelete, rec.ID, nil)
	if err != nil || !del.Deleted || len(del.Data) == 0 {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	if _, ok := b.srv.Archived("contacts", rec.ID); !ok {
		t.Error("the deleted contact is not archived")
	}
	if lines := collection(t, "line_items"); lines.Mutate != nil || len(lines.MutationKinds) != 0 {
		t.Error("line items accept mutations")
	}
}

func TestToWriteBody(t *testing.T) {
	t.Parallel()
	body, err := toWriteBody(map[string]any{
		"properties":   map[string]any{"amount": 1500.5, "closedate": nil, "hs_is_closed": false, "n": json.Number("12")},
		"dealname":     "Big",
		"associations": []any{map[string]any{"to": map[string]any{"id": "51"}}},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"amount": "1500.5", "closedate": "", "hs_is_closed": "false", "n": "12", "dealname": "Big"}
	if len(body.Properties) != len(want) || len(body.Associations) != 1 {
		t.Fatalf("body %+v", body)
	}
	for k, v := range want {
		if body.Properties[k] != v {
			t.Errorf("%s = %q, want %q", k, body.Properties[k], v)
		}
	}
	for name, data := range map[string]map[string]any{
		"nested value":        {"address": map[string]any{"city": "Paris"}},
		"read-only id":        {"id": "5"},
		"properties not map":  {"properties": "x"},
		"associations update": {"associations": []any{}},
	} {
		if _, err := toWriteBody(data, name != "associations update"); !providers.IsInvalidRequest(err) {
			t.Errorf("%s: %v, want an invalid request", name, err)
		}
	}
}

func TestOwnersAndPipelines(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 120})
	owners := collection(t, "owners")
	ids, pages := backfillIDs(t, owners, b.sess)
	if len(ids) != 120 || pages != 2 {
		t.Errorf("owners: %d in %d pages", len(ids), pages)
	}
	if err := b.srv.Delete(emulator.Owners, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := owners.Get(t.Context(), b.sess, ids[0]); !providers.IsNotFound(err) {
		t.Errorf("Get of an archived owner: %v", err)
	}
	if r, err := owners.Get(t.Context(), b.sess, ids[1]); err != nil || r.ID != ids[1] {
		t.Errorf("Get of an owner: %+v, %v", r, err)
	}

	pipes := collection(t, "pipelines")
	p, err := pipes.Backfill(t.Context(), b.sess, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Records {
		got = append(got, r.ID)
		var m map[string]any
		if err := json.Unmarshal(r.Data, &m); err != nil || m["objectType"] == nil || m["stages"] == nil {
			t.Errorf("pipeline %s: %s", r.ID, r.Data)
		}
	}
	if !p.Done || strings.Join(got, ",") != "deals:default,deals:2001,tickets:0" {
		t.Errorf("pipelines %v (done %v)", got, p.Done)
	}
	r, err := pipes.Get(t.Context(), b.sess, "tickets:0")
	if err != nil || r.ID != "tickets:0" || !json.Valid(r.Data) {
		t.Errorf("Get(tickets:0) = %+v, %v", r, err)
	}
	if err := b.srv.ArchivePipeline("deals", "2001"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"deals:2001", "deals:nope", "default", "quotes:1", "sequin_missing_0000"} {
		if _, err := pipes.Get(t.Context(), b.sess, id); !providers.IsNotFound(err) {
			t.Errorf("Get(%s) = %v, want not found", id, err)
		}
	}
	if _, err := pipes.Backfill(t.Context(), b.sess, "b1.5"); !providers.IsInvalidRequest(err) {
		t.Errorf("pipelines with a cursor: %v", err)
	}
}

// tokenStore records saved credential properties.
type tokenStore struct{ saved []map[string]any }

func (s *tokenStore) SaveCredentialProperties(_ context.Context, _ string, p map[string]any) error {
	s.saved = append(s.saved, p)
	return nil
}

func TestOAuth2(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{Seed: 3, ClientID: "client-1", ClientSecret: "shh", RefreshTokens: []string{"refresh-1"}})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	p := New()
	sessionFor := func(refresh string, store providers.TokenStore) *providers.Session {
		cred := providers.Credential{ID: "cred-" + refresh, Kind: KindOAuth2, Properties: map[string]any{
			"refresh_token": refresh, "hub_id": "62515", "client_id": "client-1", "client_secret": "shh"}}
		rt, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, store)
		if err != nil {
			t.Fatal(err)
		}
		return &providers.Session{Client: &providers.Client{BaseURL: url, HTTP: &http.Client{Transport: rt}, Classify: p.ClassifyError},
			Credential: cred, Options: map[string]any{}}
	}
	store := &tokenStore{}
	ids, _ := backfillIDs(t, collection(t, "contacts"), sessionFor("refresh-1", store))
	if len(ids) != 3 {
		t.Errorf("backfill with OAuth: %v", ids)
	}
	if len(store.saved) != 1 || !strings.HasPrefix(store.saved[0]["access_token"].(string), "emu-oauth-") {
		t.Errorf("saved tokens %v", store.saved)
	}
	_, err = collection(t, "contacts").Backfill(t.Context(), sessionFor("revoked", nil), "")
	if !providers.IsUnauthorized(err) {
		t.Errorf("a refused refresh token: %v, want unauthorized", err)
	}
	for _, missing := range []string{"refresh_token", "hub_id", "client_id", "client_secret"} {
		props := map[string]any{"refresh_token": "r", "hub_id": "62515", "client_id": "c", "client_secret": "s"}
		delete(props, missing)
		if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: KindOAuth2, Properties: props}, nil, nil); err == nil {
			t.Errorf("a credential without %s was accepted", missing)
		}
	}
	if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: "hubspot_api_key"}, nil, nil); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

func TestAPIBase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://api.hubapi.com/crm/v3/objects/contacts?limit=1": "https://api.hubapi.com",
		"http://127.0.0.1:5000/hubspot/crm/v3/owners":            "http://127.0.0.1:5000/hubspot",
		"http://127.0.0.1:5000/other":                            "http://127.0.0.1:5000",
	} {
		u, _ := neturl.Parse(in)
		if got := apiBase(u); got != want {
			t.Errorf("apiBase(%s) = %s, want %s", in, got, want)
		}
	}
}
