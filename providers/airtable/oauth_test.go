package airtable_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/airtable"
	"github.com/sequinsync/sequin/providers/airtable/emulator"
)

func oauthCred(props map[string]any) providers.Credential {
	return providers.Credential{ID: "cred-oauth", Kind: airtable.KindOAuth2, Properties: props}
}

func TestOAuthRotatesRefreshTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 5, OAuthClientID: "client-1", OAuthClientSecret: "secret-1", OAuthRefreshToken: "oarFirst"})
	store := &tokenStore{}
	s := b.session(t, oauthCred(map[string]any{"refresh_token": "oarFirst", "client_id": "client-1", "client_secret": "secret-1"}), store)
	tasks := b.discover(t, s, "tasks")
	require.Len(t, backfill(t, tasks, s), 5)
	require.Equal(t, 1, b.srv.Refreshes(), "one access token serves every request while it lives")

	saved := store.last()
	require.NotNil(t, saved, "the refreshed tokens are persisted")
	rotated, _ := saved["refresh_token"].(string)
	require.NotEmpty(t, rotated)
	require.NotEqual(t, "oarFirst", rotated, "Airtable rotates refresh tokens")
	require.NotEmpty(t, saved["access_token"])
	require.NotEmpty(t, saved["expires_at"])

	// A new process starts from the persisted tokens; the spent refresh token is refused.
	b.srv.RevokeAccessTokens()
	again := b.session(t, oauthCred(map[string]any{"refresh_token": rotated, "client_id": "client-1", "client_secret": "secret-1"}), nil)
	require.Len(t, backfill(t, tasks, again), 5)
	stale := b.session(t, oauthCred(map[string]any{"refresh_token": "oarFirst", "client_id": "client-1", "client_secret": "secret-1"}), nil)
	_, err := tasks.Backfill(t.Context(), stale, "")
	require.True(t, providers.IsUnauthorized(err), "got %v", err)
}

func TestOAuthPublicClient(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2, OAuthClientID: "public", OAuthRefreshToken: "oarPublic"})
	s := b.session(t, oauthCred(map[string]any{"refresh_token": "oarPublic", "client_id": "public"}), nil)
	_, err := b.p.Collections()[0].Backfill(t.Context(), s, "")
	require.NoError(t, err)
}

func TestOAuthRefusedClient(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2, OAuthClientID: "client-1", OAuthClientSecret: "secret-1", OAuthRefreshToken: "oarX"})
	s := b.session(t, oauthCred(map[string]any{"refresh_token": "oarX", "client_id": "client-1", "client_secret": "sekrit-x9"}), nil)
	_, err := b.p.Collections()[0].Backfill(t.Context(), s, "")
	require.True(t, providers.IsUnauthorized(err), "got %v", err)
	require.NotContains(t, err.Error(), "sekrit-x9")
}

func TestOAuthTokenURL(t *testing.T) {
	t.Parallel()
	// A token endpoint named by the credential wins over the API's host.
	api := setup(t, emulator.Config{Seed: 2, OAuthClientID: "c", OAuthRefreshToken: "oarAPI"})
	tokens := setup(t, emulator.Config{Seed: 2, OAuthClientID: "c", OAuthRefreshToken: "oarElsewhere"})
	s := api.session(t, oauthCred(map[string]any{"refresh_token": "oarElsewhere", "client_id": "c", "token_url": tokens.url + "/oauth2/v1/token"}), nil)
	_, err := api.p.Collections()[0].Backfill(t.Context(), s, "")
	// The access token comes from the other emulator, which the API's emulator does not know.
	require.True(t, providers.IsUnauthorized(err), "got %v", err)
	require.Equal(t, 1, tokens.srv.Refreshes())
	require.Equal(t, 0, api.srv.Refreshes())
}

func TestAuthenticateValidatesCredentials(t *testing.T) {
	t.Parallel()
	p := airtable.New()
	for name, cred := range map[string]providers.Credential{
		"token without token":       {Kind: airtable.KindToken, Properties: map[string]any{}},
		"oauth without refresh":     {Kind: airtable.KindOAuth2, Properties: map[string]any{"client_id": "c"}},
		"oauth without client":      {Kind: airtable.KindOAuth2, Properties: map[string]any{"refresh_token": "r"}},
		"unknown kind":              {Kind: "airtable_api_key", Properties: map[string]any{"token": "x"}},
		"token as default, missing": {Properties: map[string]any{"refresh_token": "r"}},
	} {
		if _, err := p.Authenticate(t.Context(), cred, nil, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
