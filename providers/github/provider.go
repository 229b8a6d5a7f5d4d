// Package github syncs GitHub repositories, issues, pull requests, issue comments, commits, releases
// and organization members through the GitHub REST API (v3): it backfills by Link-header pagination
// across the selected repositories, follows changes with updated-since filters and an overlap window,
// revalidates pages with ETags (a 304 costs no rate limit), applies issue and comment mutations, and
// verifies signed webhooks.
package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "github:<name>".
const Name = "github"

// APIVersion is the REST API version every request pins, so that object shapes do not change under
// a sync.
const APIVersion = "2022-11-28"

// The credential kinds.
const (
	// KindToken is a personal access token (classic or fine-grained) or an OAuth token.
	KindToken = "github_token"
	// KindApp is a GitHub App installation: the app's id and private key mint short-lived
	// installation tokens.
	KindApp = "github_app"
)

// userAgent identifies sequin to GitHub, which requires a User-Agent on every request.
const userAgent = "sequin-github-sync"

// Provider is the GitHub provider. It keeps process-wide state shared by every sync: ETags of pages
// already read, installation tokens, rate-limit pauses, repository listings and the upstream ids of
// created objects.
type Provider struct {
	collections []*providers.Collection
	etags       *etagCache
	installs    *installationTokens
	repoLists   *repoCache
	created     *createdLog
	viewers     *viewerCache
	gate        *gate
}

// New returns the GitHub provider.
func New() providers.Provider {
	p := &Provider{
		etags:     newETagCache(etagCacheBytes),
		installs:  newInstallationTokens(),
		repoLists: newRepoCache(),
		created:   newCreatedLog(),
		viewers:   newViewerCache(),
		gate:      newGate(),
	}
	p.collections = p.buildCollections()
	return p
}

var _ providers.WebhookVerifier = (*Provider)(nil)

// Spec describes GitHub: its credential kinds and a safe fraction (4,000 an hour) of the 5,000
// requests an hour GitHub grants a token or an installation, with few concurrent requests since
// GitHub's secondary limits punish bursts.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "GitHub",
		DefaultBaseURL: "https://api.github.com",
		CredentialKinds: []providers.CredentialKind{
			{
				Kind:        KindToken,
				Description: "A personal access token (classic, with repo and read:org scopes, or fine-grained with read access to issues, pull requests, contents and members; write access to issues for mutations).",
				Fields: []providers.CredentialField{
					{Name: "token", Type: "string", Required: true, Secret: true, Description: "The token (ghp_..., github_pat_... or gho_...)."},
				},
			},
			{
				Kind:        KindApp,
				Description: "A GitHub App installed on the organization or account: sequin signs a JWT with the app's private key and exchanges it for installation tokens.",
				Fields: []providers.CredentialField{
					{Name: "app_id", Type: "string", Required: true, Description: "The app's id (or client id)."},
					{Name: "private_key", Type: "string", Required: true, Secret: true, Description: "The app's private key, PEM encoded."},
					{Name: "installation_id", Type: "string", Required: true, Description: "The id of the app's installation on the synced account."},
				},
			},
		},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 4000, IntervalMS: 3_600_000, MaxConcurrentRequests: 8},
	}
}

// Collections lists the synced GitHub object types.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate sends a token as a bearer token, or mints installation tokens for an app, pins the API
// version, holds requests while GitHub's rate limits ask for a pause, and revalidates GET answers with
// the ETags of earlier reads.
func (p *Provider) Authenticate(_ context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	var rt http.RoundTripper
	var scope string
	switch cred.Kind {
	case "", KindToken:
		tok := cred.String("token")
		if tok == "" {
			return nil, errors.New("github: credential has no token")
		}
		rt = &providers.HeaderAuth{Base: base, Header: "Authorization", Value: "Bearer " + tok, Extra: apiHeaders()}
		scope = fingerprint("token", tok)
	case KindApp:
		app, err := parseApp(cred)
		if err != nil {
			return nil, err
		}
		rt = &appTransport{base: base, app: app, tokens: p.installs}
		scope = fingerprint("app", app.id, app.installation, app.keyID)
	default:
		return nil, fmt.Errorf("github: unknown credential kind %q", cred.Kind)
	}
	rt = &gateTransport{base: rt, gate: p.gate, scope: scope}
	return &etagTransport{base: rt, cache: p.etags, scope: scope}, nil
}

// apiHeaders are sent with every request.
func apiHeaders() map[string]string {
	return map[string]string{
		"Accept":               "application/vnd.github+json",
		"X-GitHub-Api-Version": APIVersion,
		"User-Agent":           userAgent,
	}
}

// fingerprint names a credential in caches without keeping its secret.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
