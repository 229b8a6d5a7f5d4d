package salesforce

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/salesforce/emulator"
)

const (
	testClientID     = "3MVG9sequin.suite"
	testClientSecret = "suite-consumer-secret"
	testRefresh      = "5Aep861sequinSuiteRefreshToken"
	testRevoked      = "revoked-5Aep861sequinSuite"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Harness{
		Provider:    New(),
		NewUpstream: newUpstream,
		Collections: []string{
			"salesforce:account", "salesforce:contact", "salesforce:lead", "salesforce:opportunity",
			"salesforce:task", "salesforce:user",
		},
		Discovered: []string{"invoice__c"},
		// 450 records make three pages of 200, the smallest batch Salesforce allows.
		BackfillSeed:       450,
		MutationCollection: "salesforce:account",
		SampleCreate: map[string]any{"Name": "Sequin Suite Account", "Industry": "Technology",
			"AnnualRevenue": 1250000, "NumberOfEmployees": 42, "Description": "Created by the conformance suite"},
		SampleUpdate: map[string]any{"Industry": "Education", "Phone": "+1 415 555 0100", "Description": nil},
	})
}

// upstream drives an emulator for the conformance suite.
type upstream struct {
	t   *testing.T
	srv *emulator.Server
	url string
}

var _ providertest.Upstream = (*upstream)(nil)

// newUpstream starts a seeded emulator and a session to it through the refresh-token flow.
func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	t.Helper()
	srv := emulator.New(emulator.Config{Seed: opts.Seed, RandSeed: time.Now().UnixNano(), ClientID: testClientID,
		ClientSecret: testClientSecret, RefreshTokens: []string{testRefresh},
		RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u := &upstream{t: t, srv: srv, url: url}
	return u.session(testRefresh), u
}

// credential is a credential for the emulator's org with the given refresh token.
func (u *upstream) credential(refresh string) providers.Credential {
	return providers.Credential{ID: "cred-suite", Kind: KindOAuth2, Properties: map[string]any{
		"instance_url": u.url, "login_url": u.url, "client_id": testClientID, "client_secret": testClientSecret,
		"refresh_token": refresh,
	}}
}

// session builds a session as the engine does: the default base URL (the instance URL placeholder),
// and the sync's options.
func (u *upstream) session(refresh string) *providers.Session {
	p := New()
	cred := u.credential(refresh)
	rt, err := p.Authenticate(u.t.Context(), cred, http.DefaultTransport, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	return &providers.Session{
		SyncID: "sync-suite",
		Client: &providers.Client{BaseURL: p.Spec().DefaultBaseURL, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second},
			Classify: p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{optionBatchSize: 200, optionExternalID: "Sequin_Mutation_Id__c"},
	}
}

// object is the emulator's object of a collection id.
func object(collectionID string) string {
	_, name, _ := providers.SplitCollectionID(collectionID)
	return name
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	rec, err := u.srv.Create(object(collectionID), data)
	if err != nil {
		return "", err
	}
	return rec["Id"].(string), nil
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	return u.srv.Update(object(collectionID), id, data)
}

func (u *upstream) Delete(collectionID, id string) error {
	if !emulator.Deletable(object(collectionID)) {
		return errors.ErrUnsupported
	}
	return u.srv.Delete(object(collectionID), id)
}

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(object(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	rec, ok := u.srv.Get(object(collectionID), id)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(rec)
	if err != nil {
		u.t.Fatal(err)
	}
	return b, true
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Status: f.Status, RetryAfter: f.RetryAfter, Body: string(f.Body),
		AfterApply: f.AfterApply, Count: f.Count})
}

func (u *upstream) RefusedSession() *providers.Session { return u.session(testRevoked) }

func (u *upstream) Requests() int { return len(u.srv.Requests()) }

// SignedWebhook: Salesforce's REST API sends no signed webhooks.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }
