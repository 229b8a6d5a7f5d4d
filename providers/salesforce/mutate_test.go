package salesforce

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/salesforce/emulator"
)

// collectionNamed returns a declared collection.
func collectionNamed(t *testing.T, name string) *providers.Collection {
	t.Helper()
	for _, c := range New().Collections() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no collection %s", name)
	return nil
}

// withoutExternalID is a session whose sync names no external id field.
func withoutExternalID(sess *providers.Session) *providers.Session {
	s := *sess
	s.Options = map[string]any{optionBatchSize: 200}
	return &s
}

func TestCreateAfterLostAnswerWithoutExternalID(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 2})
	u := up.(*upstream)
	sess = withoutExternalID(sess)
	c := collectionNamed(t, "lead")
	n := u.srv.Count("Lead")
	u.srv.InjectFault(emulator.Fault{Method: http.MethodPost, Status: 500, AfterApply: true})
	m := &providers.Mutation{ID: "lost-1", Kind: providers.MutationCreate,
		Data: map[string]any{"LastName": "Lovelace", "Company": "Analytical Engines", "Email": "ada@example.com", "Description": "long text is not searched"}}
	rec, err := c.Mutate(t.Context(), sess, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.srv.Count("Lead"); got != n+1 {
		t.Errorf("%d leads after one create, want %d", got, n+1)
	}
	if !strings.Contains(string(rec.Data), "Analytical Engines") || !validID(rec.ID) {
		t.Errorf("created %s", rec.Data)
	}
	searched := false
	for _, r := range u.srv.Requests() {
		searched = searched || (strings.HasSuffix(r.Path, "/query") && strings.Contains(r.Query, "CreatedById"))
	}
	if !searched {
		t.Error("the create was not looked for before being sent again")
	}
}

func TestCreateRefusedBeforeApplyIsSentAgain(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 2})
	u := up.(*upstream)
	sess = withoutExternalID(sess)
	n := u.srv.Count("Lead")
	u.srv.InjectFault(emulator.Fault{Method: http.MethodPost, Status: 503})
	m := &providers.Mutation{ID: "retry-1", Kind: providers.MutationCreate, Data: map[string]any{"LastName": "Hopper", "Company": "Navy"}}
	if _, err := collectionNamed(t, "lead").Mutate(t.Context(), sess, m); err != nil {
		t.Fatal(err)
	}
	if got := u.srv.Count("Lead"); got != n+1 {
		t.Errorf("%d leads, want %d", got, n+1)
	}
}

func TestMutationErrors(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 2})
	u := up.(*upstream)
	account := collectionNamed(t, "account")
	n := u.srv.Count("Account")

	_, err := account.Mutate(t.Context(), sess, &providers.Mutation{ID: "bad-1", Kind: providers.MutationCreate, Data: map[string]any{"Industry": "Retail"}})
	if !providers.IsInvalidRequest(err) || errorCode(err) != "REQUIRED_FIELD_MISSING" {
		t.Errorf("create without Name: %v", err)
	}
	_, err = account.Mutate(t.Context(), sess, &providers.Mutation{ID: "bad-2", Kind: providers.MutationCreate, Data: map[string]any{"Name": "x", "Id": "001000000000001"}})
	if !providers.IsInvalidRequest(err) {
		t.Errorf("create with an Id: %v", err)
	}
	if u.srv.Count("Account") != n {
		t.Error("a refused create left a record")
	}

	id := u.srv.IDs("Account")[0]
	if _, err := account.Mutate(t.Context(), sess, &providers.Mutation{ID: "bad-3", Kind: providers.MutationUpdate, UpstreamID: id,
		Data: map[string]any{"AnnualRevenue": "lots"}}); !providers.IsInvalidRequest(err) {
		t.Errorf("update with a wrong type: %v", err)
	}
	for range 2 {
		rec, err := account.Mutate(t.Context(), sess, &providers.Mutation{ID: "del", Kind: providers.MutationDelete, UpstreamID: id})
		if err != nil || !rec.Deleted || rec.ID != id {
			t.Fatalf("delete: %+v, %v", rec, err)
		}
	}
	if _, err := account.Mutate(t.Context(), sess, &providers.Mutation{ID: "upd", Kind: providers.MutationUpdate, UpstreamID: id,
		Data: map[string]any{"Name": "gone"}}); !providers.IsNotFound(err) {
		t.Errorf("update of a deleted record: %v", err)
	}

	user := collectionNamed(t, "user")
	if _, err := user.Mutate(t.Context(), sess, &providers.Mutation{ID: "u1", Kind: providers.MutationCreate, Data: map[string]any{"LastName": "x"}}); !providers.IsInvalidRequest(err) {
		t.Errorf("creating a user: %v", err)
	}
	uid := u.srv.IDs("User")[1]
	rec, err := user.Mutate(t.Context(), sess, &providers.Mutation{ID: "u2", Kind: providers.MutationUpdate, UpstreamID: uid, Data: map[string]any{"IsActive": false}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Data, &got); err != nil || got["IsActive"] != false {
		t.Errorf("deactivated user %s", rec.Data)
	}
}
