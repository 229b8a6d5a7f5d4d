package airtable_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/airtable"
	"github.com/sequinsync/sequin/providers/airtable/emulator"
)

// bundle is an emulator and a provider for one test.
type bundle struct {
	srv  *emulator.Server
	url  string
	p    providers.Provider
	opts map[string]any
}

func setup(t *testing.T, cfg emulator.Config) *bundle {
	t.Helper()
	if cfg.Tokens == nil {
		cfg.Tokens = []string{testToken}
	}
	srv := emulator.New(cfg)
	url, err := srv.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	return &bundle{srv: srv, url: url, p: airtable.New(), opts: map[string]any{airtable.OptionBaseID: emulator.MainBaseID}}
}

// session wires a session with cred to the emulator, as the engine does.
func (b *bundle) session(t *testing.T, cred providers.Credential, tokens providers.TokenStore) *providers.Session {
	t.Helper()
	rt, err := b.p.Authenticate(t.Context(), cred, http.DefaultTransport, tokens)
	require.NoError(t, err)
	return &providers.Session{SyncID: "sync-test", Credential: cred, Options: b.opts,
		Client: &providers.Client{BaseURL: b.url, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: b.p.ClassifyError}}
}

// tokenSession is a session with the test's personal access token.
func (b *bundle) tokenSession(t *testing.T) *providers.Session {
	return b.session(t, providers.Credential{ID: "cred-pat", Kind: airtable.KindToken, Properties: map[string]any{"token": testToken}}, nil)
}

// discover finds the collection of a table.
func (b *bundle) discover(t *testing.T, s *providers.Session, name string) *providers.Collection {
	t.Helper()
	c, err := b.p.(providers.CollectionDiscoverer).DiscoverCollection(t.Context(), s, name)
	require.NoError(t, err)
	return c
}

// backfill reads a collection to the end and returns the records by id.
func backfill(t *testing.T, c *providers.Collection, s *providers.Session) map[string]providers.Record {
	t.Helper()
	out := map[string]providers.Record{}
	cur := ""
	for range 100 {
		p, err := c.Backfill(t.Context(), s, cur)
		require.NoError(t, err)
		for _, r := range p.Records {
			out[r.ID] = r
		}
		if p.Done {
			return out
		}
		cur = p.NextCursor
	}
	t.Fatal("backfill did not finish")
	return nil
}

// tokenStore records what a provider persists.
type tokenStore struct {
	mu    sync.Mutex
	saved []map[string]any
}

func (s *tokenStore) SaveCredentialProperties(_ context.Context, _ string, props map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, props)
	return nil
}

func (s *tokenStore) last() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.saved) == 0 {
		return nil
	}
	return s.saved[len(s.saved)-1]
}
