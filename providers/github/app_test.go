package github_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/github"
	"github.com/sequinsync/sequin/providers/github/emulator"
)

var (
	appKeyOnce sync.Once
	appKey     *rsa.PrivateKey
)

// testAppKey is the app's private key, made once per test binary.
func testAppKey(t *testing.T) *rsa.PrivateKey {
	appKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		appKey = k
	})
	return appKey
}

func pemOf(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// appBundle is an emulator trusting the test app's key and a session authenticated as its installation.
type appBundle struct {
	srv  *emulator.Server
	sess *providers.Session
}

func setupApp(t *testing.T, props map[string]any, options map[string]any) *appBundle {
	t.Helper()
	key := testAppKey(t)
	srv := emulator.New(emulator.Config{Seed: 30, AppPublicKey: &key.PublicKey})
	base, err := srv.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	cred := providers.Credential{ID: "cred-app", Kind: github.KindApp, Properties: map[string]any{
		"app_id": "424242", "installation_id": "4242", "private_key": pemOf(key)}}
	for k, v := range props {
		cred.Properties[k] = v
	}
	p := github.New()
	rt, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, nil)
	require.NoError(t, err)
	return &appBundle{srv: srv, sess: &providers.Session{SyncID: "sync-app", Credential: cred, Options: options,
		Client: &providers.Client{BaseURL: base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError}}}
}

// mints counts the installation tokens the emulator issued.
func (b *appBundle) mints() int {
	n := 0
	for _, r := range b.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/access_tokens") && r.Status == http.StatusCreated {
			n++
		}
	}
	return n
}

func collection(t *testing.T, id string) *providers.Collection {
	t.Helper()
	for _, c := range github.New().Collections() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no collection %s", id)
	return nil
}

func backfillCount(t *testing.T, c *providers.Collection, sess *providers.Session) (int, error) {
	t.Helper()
	n, cur := 0, ""
	for range 100 {
		p, err := c.Backfill(t.Context(), sess, cur)
		if err != nil {
			return n, err
		}
		n += len(p.Records)
		if p.Done {
			return n, nil
		}
		cur = p.NextCursor
	}
	t.Fatal("backfill did not finish")
	return 0, nil
}

func TestAppInstallationTokens(t *testing.T) {
	t.Parallel()
	b := setupApp(t, nil, map[string]any{"org": "acme"})
	issues := collection(t, "github:issues")
	n, err := backfillCount(t, issues, b.sess)
	require.NoError(t, err)
	require.Equal(t, b.srv.Count("issues"), n)
	require.Equal(t, 1, b.mints(), "one installation token serves every request while it lives")

	// Revoked tokens are refused; the transport mints a fresh one and carries on.
	b.srv.RevokeInstallationTokens()
	n, err = backfillCount(t, issues, b.sess)
	require.NoError(t, err)
	require.Equal(t, b.srv.Count("issues"), n)
	require.Equal(t, 2, b.mints())
}

func TestAppListsItsInstallation(t *testing.T) {
	t.Parallel()
	b := setupApp(t, nil, nil)
	n, err := backfillCount(t, collection(t, "github:repositories"), b.sess)
	require.NoError(t, err)
	require.Equal(t, b.srv.Count("repositories"), n)
	listed := false
	for _, r := range b.srv.Requests() {
		listed = listed || r.Path == "/installation/repositories"
	}
	require.True(t, listed, "an app without options.org lists its installation's repositories")
}

func TestAppRefused(t *testing.T) {
	t.Parallel()
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	for name, props := range map[string]map[string]any{
		"unknown installation": {"installation_id": "999"},
		"unknown app":          {"app_id": "1"},
		"key of another app":   {"private_key": pemOf(other)},
	} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			b := setupApp(t, props, map[string]any{"org": "acme"})
			_, err := collection(t, "github:issues").Backfill(t.Context(), b.sess, "")
			require.True(t, providers.IsUnauthorized(err), "got %v", err)
			require.NotContains(t, err.Error(), "PRIVATE KEY")
		})
	}
}

func TestAuthenticateValidatesCredentials(t *testing.T) {
	t.Parallel()
	p := github.New()
	key := pemOf(testAppKey(t))
	good := map[string]any{"app_id": "424242", "installation_id": "4242", "private_key": key}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := map[string]providers.Credential{
		"token without token":      {Kind: github.KindToken, Properties: map[string]any{}},
		"app without app_id":       {Kind: github.KindApp, Properties: with("app_id", nil)},
		"app without installation": {Kind: github.KindApp, Properties: with("installation_id", nil)},
		"installation not numeric": {Kind: github.KindApp, Properties: with("installation_id", "acme")},
		"app without key":          {Kind: github.KindApp, Properties: with("private_key", nil)},
		"key not PEM":              {Kind: github.KindApp, Properties: with("private_key", "not a key")},
		"key not RSA":              {Kind: github.KindApp, Properties: with("private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")},
		"unknown kind":             {Kind: "github_oauth", Properties: map[string]any{"token": "x"}},
	}
	for name, cred := range cases {
		if _, err := p.Authenticate(t.Context(), cred, nil, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Keys pasted with escaped newlines and ids stored as numbers are accepted.
	escaped := with("private_key", strings.ReplaceAll(key, "\n", `\n`))
	escaped["installation_id"] = float64(4242)
	if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: github.KindApp, Properties: escaped}, nil, nil); err != nil {
		t.Errorf("an escaped key with a numeric installation id: %v", err)
	}
}
