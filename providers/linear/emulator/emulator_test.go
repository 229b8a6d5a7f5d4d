package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/linear/emulator"
)

const key = "lin_api_emulatortest0000000000"

// testBundle is a running emulator and a way to call it.
type testBundle struct {
	srv *emulator.Server
	url string
}

func setup(t *testing.T, cfg emulator.Config) *testBundle {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{key}
	}
	srv := emulator.New(cfg)
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testBundle{srv: srv, url: u}
}

// answer is a decoded GraphQL answer.
type answer struct {
	status int
	header http.Header
	raw    []byte
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string   `json:"message"`
		Path       []string `json:"path"`
		Extensions struct {
			Code       string `json:"code"`
			Type       string `json:"type"`
			StatusCode int    `json:"statusCode"`
		} `json:"extensions"`
	} `json:"errors"`
}

// gql posts a GraphQL request with the test key (or auth, when given).
func (b *testBundle) gql(t *testing.T, query string, vars map[string]any, auth ...string) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, b.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", key)
	if len(auth) > 0 {
		req.Header.Set("Authorization", auth[0])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	return a
}

// code returns the first error's code, "" when there is none.
func (a answer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].Extensions.Code
}

// page is a decoded connection.
type page struct {
	Nodes []struct {
		ID         string  `json:"id"`
		UpdatedAt  string  `json:"updatedAt"`
		CreatedAt  string  `json:"createdAt"`
		ArchivedAt *string `json:"archivedAt"`
	} `json:"nodes"`
	PageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
}

func (a answer) page(t *testing.T, field string) page {
	t.Helper()
	var p page
	if a.status != 200 || json.Unmarshal(a.Data[field], &p) != nil {
		t.Fatalf("no %s page in %d %s", field, a.status, a.raw)
	}
	return p
}

const listQuery = `query L($first: Int, $after: String, $archived: Boolean, $order: PaginationOrderBy, $filter: IssueFilter) {
	issues(first: $first, after: $after, includeArchived: $archived, orderBy: $order, filter: $filter) {
		nodes { id createdAt updatedAt archivedAt } pageInfo { hasNextPage endCursor } } }`

func TestSeed(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }
	srv := emulator.New(emulator.Config{Seed: 42, Now: clock})
	for _, c := range emulator.Collections {
		if n := srv.Count(c); n != 42 {
			t.Errorf("%s: %d live, want 42", c, n)
		}
	}
	if !slices.Contains(srv.IDs("teams"), emulator.DefaultTeamID) {
		t.Error("the default team is missing")
	}
	// The same seed and clock make the same workspace.
	again := emulator.New(emulator.Config{Seed: 42, Now: clock})
	id := srv.IDs("issues")[7]
	sel := "id identifier title team { key } state { name }"
	a, _ := srv.Object("issues", id, sel)
	b, _ := again.Object("issues", id, sel)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("issue %s differs between two emulators of the same seed:\n%s\n%s", id, a, b)
	}
	sum := srv.Summary()
	if sum["collections"].(map[string]any)["issues"] != 42 || sum["default_team_id"] != emulator.DefaultTeamID {
		t.Errorf("summary %v", sum)
	}
	// An empty workspace still has a team and a user to create issues with.
	empty := emulator.New(emulator.Config{})
	if empty.Count("teams") != 1 || empty.Count("users") != 1 || empty.Count("issues") != 0 {
		t.Errorf("an unseeded workspace has %d teams, %d users, %d issues", empty.Count("teams"), empty.Count("users"), empty.Count("issues"))
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 45})
	var got []string
	var after any
	last := ""
	for pages := 0; ; pages++ {
		p := b.gql(t, listQuery, map[string]any{"first": 10, "after": after}).page(t, "issues")
		for _, n := range p.Nodes {
			if last != "" && n.CreatedAt > last {
				t.Fatalf("not newest created first: %s after %s", n.CreatedAt, last)
			}
			last = n.CreatedAt
			if n.ArchivedAt != nil {
				t.Errorf("archived %s listed without includeArchived", n.ID)
			}
			got = append(got, n.ID)
		}
		if !p.PageInfo.HasNextPage {
			if pages != 4 {
				t.Errorf("%d pages of 10 for 45 issues", pages+1)
			}
			break
		}
		after = *p.PageInfo.EndCursor
	}
	if want := b.srv.IDs("issues"); !slices.Equal(sortedCopy(got), sortedCopy(want)) {
		t.Errorf("paged %d issues, want the %d live", len(got), len(want))
	}
	all := b.gql(t, listQuery, map[string]any{"first": 250, "archived": true}).page(t, "issues")
	if len(all.Nodes) <= len(got) {
		t.Errorf("includeArchived listed %d, no more than the %d live", len(all.Nodes), len(got))
	}
	// Edges carry the cursor of each node.
	e := b.gql(t, `{ issues(first: 2) { edges { cursor node { id } } } }`, nil)
	var edges struct {
		Edges []struct {
			Cursor string `json:"cursor"`
			Node   struct {
				ID string `json:"id"`
			} `json:"node"`
		} `json:"edges"`
	}
	if json.Unmarshal(e.Data["issues"], &edges) != nil || len(edges.Edges) != 2 || edges.Edges[0].Cursor != edges.Edges[0].Node.ID {
		t.Errorf("edges: %s", e.raw)
	}
}

func sortedCopy(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestUpdatedAtOrderAndFilter(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 20})
	before := time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
	ids := b.srv.IDs("issues")
	for _, id := range []string{ids[5], ids[2], ids[9]} {
		if err := b.srv.Update("issues", id, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.srv.Delete("issues", ids[3]); err != nil {
		t.Fatal(err)
	}
	p := b.gql(t, listQuery, map[string]any{"order": "updatedAt", "archived": true,
		"filter": map[string]any{"updatedAt": map[string]any{"gte": before}}}).page(t, "issues")
	var got []string
	for _, n := range p.Nodes {
		got = append(got, n.ID)
	}
	// Most recently updated first; the trashed one comes back with includeArchived.
	if want := []string{ids[3], ids[9], ids[2], ids[5]}; !slices.Equal(got, want) {
		t.Errorf("changed since %s: %v, want %v", before, got, want)
	}
	if p.Nodes[0].ArchivedAt == nil {
		t.Error("the trashed issue has no archivedAt")
	}
	live := b.gql(t, listQuery, map[string]any{"order": "updatedAt",
		"filter": map[string]any{"updatedAt": map[string]any{"gte": before}}}).page(t, "issues")
	if len(live.Nodes) != 3 {
		t.Errorf("without includeArchived %d changed, want 3", len(live.Nodes))
	}
	team := b.gql(t, `query($t: ID) { cycles(first: 250, filter: { team: { id: { eq: $t } } }) { nodes { id team { id } } pageInfo { hasNextPage } } }`,
		map[string]any{"t": emulator.DefaultTeamID})
	if team.status != 200 || strings.Count(string(team.raw), emulator.DefaultTeamID) == 0 || team.code() != "" {
		t.Errorf("cycles of a team: %s", team.raw)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2})
	for name, tc := range map[string]struct {
		query  string
		vars   map[string]any
		auth   string
		status int
		code   string
	}{
		"no key":           {`{ viewer { id } }`, nil, " ", 401, "AUTHENTICATION_ERROR"},
		"bad key":          {`{ viewer { id } }`, nil, "lin_api_nope", 401, "AUTHENTICATION_ERROR"},
		"key as bearer":    {`{ viewer { id } }`, nil, "Bearer " + key, 401, "AUTHENTICATION_ERROR"},
		"syntax":           {`{ viewer { id }`, nil, "", 400, "GRAPHQL_PARSE_FAILED"},
		"fragment":         {`{ viewer { ...F } }`, nil, "", 400, "GRAPHQL_PARSE_FAILED"},
		"unknown field":    {`{ issues { nodes { nope } } }`, nil, "", 400, "GRAPHQL_VALIDATION_FAILED"},
		"unknown root":     {`{ workflowStates { nodes { id } } }`, nil, "", 400, "GRAPHQL_VALIDATION_FAILED"},
		"scalar selection": {`{ issues { nodes { id { x } } } }`, nil, "", 400, "GRAPHQL_VALIDATION_FAILED"},
		"object leaf":      {`{ issues { nodes { team } } }`, nil, "", 400, "GRAPHQL_VALIDATION_FAILED"},
		"missing variable": {`query($id: String!) { issue(id: $id) { id } }`, nil, "", 400, "GRAPHQL_VALIDATION_FAILED"},
		"page too big":     {`{ issues(first: 251) { nodes { id } } }`, nil, "", 400, "INPUT_ERROR"},
		"bad cursor":       {`{ issues(after: "nope") { nodes { id } } }`, nil, "", 400, "INPUT_ERROR"},
		"bad filter":       {`{ issues(filter: { title: { eq: "x" } }) { nodes { id } } }`, nil, "", 400, "INPUT_ERROR"},
		"not found":        {`{ issue(id: "nope") { id } }`, nil, "", 200, "INPUT_ERROR"},
		"backwards":        {`{ issues(last: 5) { nodes { id } } }`, nil, "", 400, "INPUT_ERROR"},
	} {
		var a answer
		if tc.auth != "" {
			a = b.gql(t, tc.query, tc.vars, tc.auth)
		} else {
			a = b.gql(t, tc.query, tc.vars)
		}
		if a.status != tc.status || a.code() != tc.code || a.Errors[0].Message == "" || a.Errors[0].Extensions.Type == "" {
			t.Errorf("%s: %d %s, want %d with %s", name, a.status, a.raw, tc.status, tc.code)
		}
	}
	nf := b.gql(t, `{ x: issue(id: "nope") { id } }`, nil)
	if !strings.Contains(string(nf.raw), `"data":null`) || !strings.HasPrefix(nf.Errors[0].Message, "Entity not found: Issue") || !slices.Equal(nf.Errors[0].Path, []string{"x"}) {
		t.Errorf("not found: %s", nf.raw)
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2, RateLimit: 2, ComplexityLimit: 1000, RateLimitWindow: time.Hour})
	q := `{ teams(first: 10) { nodes { id name } } }`
	for i := range 2 {
		a := b.gql(t, q, nil)
		if a.status != 200 || a.header.Get("X-RateLimit-Requests-Remaining") != strconv.Itoa(1-i) || a.header.Get("X-Complexity") == "" ||
			a.header.Get("X-RateLimit-Requests-Limit") != "2" || a.header.Get("X-RateLimit-Complexity-Limit") != "1000" {
			t.Fatalf("request %d: %d %v", i, a.status, a.header)
		}
	}
	a := b.gql(t, q, nil)
	reset, _ := strconv.ParseInt(a.header.Get("X-RateLimit-Requests-Reset"), 10, 64)
	if a.status != 400 || a.code() != "RATELIMITED" || a.Errors[0].Extensions.Type != "ratelimited" ||
		a.header.Get("X-RateLimit-Requests-Remaining") != "0" || time.UnixMilli(reset).Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("over the request limit: %d %v %s", a.status, a.header, a.raw)
	}

	c := setup(t, emulator.Config{Seed: 2, ComplexityLimit: 500, RateLimitWindow: time.Hour})
	big := `{ issues(first: 100) { nodes { id title description } } }` // 100 x (1 + 0.3) + 1 = 131 points
	for range 3 {
		if a := c.gql(t, big, nil); a.status != 200 || a.header.Get("X-Complexity") != "131" {
			t.Fatalf("%d %v %s", a.status, a.header, a.raw)
		}
	}
	a = c.gql(t, big, nil)
	if a.status != 400 || a.code() != "RATELIMITED" || a.header.Get("X-RateLimit-Complexity-Remaining") != "107" {
		t.Errorf("over the complexity limit: %d %v %s", a.status, a.header, a.raw)
	}
	if a := c.gql(t, `{ teams(first: 10) { nodes { id } } }`, nil); a.status != 200 {
		t.Errorf("a cheap query within the remaining complexity: %d %s", a.status, a.raw)
	}
	// A single query may not cost more than 10,000 points.
	var roots []string
	for _, alias := range []string{"a", "b", "c", "d", "e"} { // 5 x 250 x (1 + 0.1 + 7 x 1.1) = 11,000 points
		roots = append(roots, alias+": issues(first: 250) { nodes { id team { id } state { id } assignee { id } creator { id } project { id } cycle { id } parent { id } } }")
	}
	if a := c.gql(t, "{ "+strings.Join(roots, " ")+" }", nil); a.status != 400 || a.code() != "INPUT_ERROR" || !strings.Contains(a.Errors[0].Message, "too complex") {
		t.Errorf("a query over 10,000 points: %d %s", a.status, a.raw)
	}
}

func TestIssueMutations(t *testing.T) {
	t.Parallel()
	hooks := make(chan []byte, 10)
	var once sync.Once
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Linear-Signature") != emulator.Sign("whsec", body) || r.Header.Get("Linear-Event") != "Issue" {
			once.Do(func() { t.Errorf("webhook headers %v", r.Header) })
		}
		hooks <- body
	}))
	t.Cleanup(receiver.Close)
	b := setup(t, emulator.Config{Seed: 2, WebhookURL: receiver.URL, WebhookSecret: "whsec"})
	const id = "0b6f8a36-3c0e-4d35-9d3f-8a1f2f9e0c11"
	create := `mutation($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier title priority priorityLabel state { type } team { id } } } }`
	input := map[string]any{"id": id, "teamId": emulator.DefaultTeamID, "title": "Write the docs", "priority": 2}
	a := b.gql(t, create, map[string]any{"input": input})
	if a.status != 200 || !strings.Contains(string(a.raw), `"id":"`+id+`"`) || !strings.Contains(string(a.raw), `"priorityLabel":"High"`) {
		t.Fatalf("create: %s", a.raw)
	}
	// The same id again is refused: a retried create cannot make two.
	if again := b.gql(t, create, map[string]any{"input": input}); again.code() != "INPUT_ERROR" || b.srv.Count("issues") != 3 {
		t.Errorf("second create with the same id: %s (%d issues)", again.raw, b.srv.Count("issues"))
	}
	for name, in := range map[string]map[string]any{
		"no team":        {"title": "x"},
		"unknown team":   {"teamId": "nope"},
		"bad priority":   {"teamId": emulator.DefaultTeamID, "priority": 9},
		"unknown field":  {"teamId": emulator.DefaultTeamID, "colour": "red"},
		"id not v4":      {"teamId": emulator.DefaultTeamID, "id": "12345"},
		"foreign state":  {"teamId": emulator.DefaultTeamID, "stateId": "nope"},
		"title not text": {"teamId": emulator.DefaultTeamID, "title": 3},
	} {
		if a := b.gql(t, create, map[string]any{"input": in}); len(a.Errors) == 0 {
			t.Errorf("%s: accepted: %s", name, a.raw)
		}
	}
	upd := b.gql(t, `mutation($id: String!) { issueUpdate(id: $id, input: { title: "Write better docs", estimate: 3 }) { success issue { title estimate updatedAt } } }`, map[string]any{"id": id})
	if !strings.Contains(string(upd.raw), `"title":"Write better docs"`) || !strings.Contains(string(upd.raw), `"estimate":3`) {
		t.Errorf("update: %s", upd.raw)
	}
	del := `mutation($id: String!) { issueDelete(id: $id) { success entity { id trashed archivedAt } } }`
	d := b.gql(t, del, map[string]any{"id": id})
	if !strings.Contains(string(d.raw), `"trashed":true`) || slices.Contains(b.srv.IDs("issues"), id) {
		t.Errorf("delete: %s", d.raw)
	}
	if again := b.gql(t, del, map[string]any{"id": id}); !strings.Contains(string(again.raw), `"success":true`) {
		t.Errorf("a second delete: %s", again.raw)
	}
	gone := b.gql(t, `mutation($id: String!) { issueDelete(id: $id, permanentlyDelete: true) { success entity { id } } }`, map[string]any{"id": id})
	if !strings.Contains(string(gone.raw), `"entity":null`) {
		t.Errorf("permanent delete: %s", gone.raw)
	}
	if nf := b.gql(t, del, map[string]any{"id": id}); nf.code() != "INPUT_ERROR" || !strings.HasPrefix(nf.Errors[0].Message, "Entity not found") {
		t.Errorf("delete of a deleted issue: %s", nf.raw)
	}
	// Webhooks arrive in order: create, update, remove (trash), remove (for good).
	var actions []string
	for range 4 {
		select {
		case body := <-hooks:
			var p struct {
				Action           string `json:"action"`
				Type             string `json:"type"`
				WebhookTimestamp int64  `json:"webhookTimestamp"`
				Data             struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &p); err != nil || p.Type != "Issue" || p.Data.ID != id || p.WebhookTimestamp == 0 {
				t.Errorf("webhook %s", body)
			}
			actions = append(actions, p.Action)
		case <-time.After(10 * time.Second):
			t.Fatalf("webhooks so far %v", actions)
		}
	}
	if !slices.Equal(actions, []string{"create", "update", "remove", "remove"}) {
		t.Errorf("webhook actions %v", actions)
	}
}

func TestSignedWebhook(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{Seed: 2, WebhookSecret: "whsec"})
	at := time.UnixMilli(1_700_000_000_123)
	h, body, err := srv.SignedWebhook("comments", srv.IDs("comments")[0], at)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Linear-Signature") != emulator.Sign("whsec", body) || !bytes.Contains(body, []byte(`"webhookTimestamp":1700000000123`)) ||
		!bytes.Contains(body, []byte(`"type":"Comment"`)) {
		t.Errorf("signed webhook %v %s", h, body)
	}
	if _, _, err := srv.SignedWebhook("teams", emulator.DefaultTeamID, at); err == nil {
		t.Error("a team webhook was signed; Linear sends none")
	}
}

func TestOAuthTokenEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{ClientID: "id", ClientSecret: "secret", RefreshTokens: []string{"r1"}})
	post := func(form url.Values) (int, map[string]any) {
		resp, err := http.PostForm(b.url+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, tok := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"r1"}, "client_id": {"id"}, "client_secret": {"secret"}})
	access, _ := tok["access_token"].(string)
	if status != 200 || !strings.HasPrefix(access, "lin_oauth_") || tok["token_type"] != "Bearer" || tok["refresh_token"] == nil {
		t.Fatalf("token: %d %v", status, tok)
	}
	if a := b.gql(t, `{ viewer { id } }`, nil, "Bearer "+access); a.status != 200 {
		t.Errorf("the issued token was refused: %s", a.raw)
	}
	// The new refresh token works too.
	if status, _ := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {"id"}, "client_secret": {"secret"}}); status != 200 {
		t.Errorf("the issued refresh token was refused: %d", status)
	}
	for code, form := range map[string]url.Values{
		"unsupported_grant_type": {"grant_type": {"password"}, "client_id": {"id"}, "client_secret": {"secret"}},
		"invalid_client":         {"grant_type": {"refresh_token"}, "refresh_token": {"r1"}, "client_id": {"id"}, "client_secret": {"nope"}},
		"invalid_grant":          {"grant_type": {"refresh_token"}, "refresh_token": {"r2"}, "client_id": {"id"}, "client_secret": {"secret"}},
	} {
		if status, out := post(form); status/100 != 4 || out["error"] != code {
			t.Errorf("%s: %d %v", code, status, out)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 1})
	b.srv.InjectFault(emulator.Fault{Status: 429, RetryAfter: 3})
	a := b.gql(t, `{ viewer { id } }`, nil)
	if a.status != 429 || a.header.Get("Retry-After") != "3" || a.code() != "RATELIMITED" {
		t.Errorf("429 fault: %d %v %s", a.status, a.header, a.raw)
	}
	b.srv.InjectFault(emulator.Fault{Status: 503})
	if a := b.gql(t, `{ viewer { id } }`, nil); a.status != 503 || a.code() != "INTERNAL_SERVER_ERROR" {
		t.Errorf("503 fault: %d %s", a.status, a.raw)
	}
	// A fault after applying: the issue exists although the answer was lost.
	b.srv.InjectFault(emulator.Fault{Method: http.MethodPost, Status: 500, AfterApply: true})
	a = b.gql(t, `mutation { issueCreate(input: { teamId: "`+emulator.DefaultTeamID+`", title: "lost" }) { success } }`, nil)
	if a.status != 500 || b.srv.Count("issues") != 2 {
		t.Errorf("lost response: %d %s, %d issues", a.status, a.raw, b.srv.Count("issues"))
	}
	var statuses []int
	for _, r := range b.srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{429, 503, 500}) {
		t.Errorf("request log statuses %v", statuses)
	}
}

func TestTestAPI(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{Seed: 3})
	for _, c := range emulator.Collections {
		id, err := srv.Create(c, nil)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if err := srv.Update(c, id, nil); err != nil {
			t.Errorf("%s: update: %v", c, err)
		}
		err = srv.Delete(c, id)
		if c == "users" {
			if err == nil {
				t.Error("a user was deleted; Linear's API cannot")
			}
			continue
		}
		if err != nil || slices.Contains(srv.IDs(c), id) {
			t.Errorf("%s: delete: %v", c, err)
		}
	}
	if _, err := srv.Create("issues", map[string]any{"teamId": "nope"}); err == nil {
		t.Error("an issue in a missing team was created")
	}
	if _, err := srv.Create("teams", map[string]any{"nope": 1}); err == nil {
		t.Error("a team with an unknown field was created")
	}
	if err := srv.Update("labels", "x", nil); err == nil {
		t.Error("an unknown collection was updated")
	}
}
