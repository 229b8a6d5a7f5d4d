package github_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/github"
	"github.com/sequinsync/sequin/providers/github/emulator"
)

// delivery is one webhook the emulator posted.
type delivery struct {
	header http.Header
	body   []byte
}

// receiver collects the emulator's webhook deliveries.
type receiver struct {
	mu  sync.Mutex
	got []delivery
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
}

func (rc *receiver) all() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func TestWebhookDeliveriesName(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	srv := emulator.New(emulator.Config{Seed: 3, WebhookURL: hook.URL, WebhookSecret: testWebhookSecret})
	t.Cleanup(func() { require.NoError(t, srv.Close()) })

	issue, err := srv.Create("issues", nil)
	require.NoError(t, err)
	issueID := emulator.ObjectKey("issues", issue)
	comments := srv.Keys("issue_comments")
	require.NotEmpty(t, comments)
	_, err = srv.Update("issue_comments", comments[0], nil)
	require.NoError(t, err)
	require.NoError(t, srv.Delete("issue_comments", comments[0]))
	commit, err := srv.Create("commits", nil)
	require.NoError(t, err)
	commitID := emulator.ObjectKey("commits", commit)
	releases := srv.Keys("releases")
	require.NotEmpty(t, releases)
	require.NoError(t, srv.Delete("releases", releases[0]))
	member, err := srv.Create("members", map[string]any{"login": "new-hire"})
	require.NoError(t, err)
	require.NoError(t, srv.Delete("members", "new-hire"))
	pull, err := srv.Create("pull_requests", nil)
	require.NoError(t, err)
	repo := strings.SplitN(issueID, "/", 3)
	_, err = srv.Update("repositories", repo[0]+"/"+repo[1], map[string]any{"name": "renamed"})
	require.NoError(t, err)

	want := [][]providers.WebhookNotice{
		{{CollectionID: "github:issues", UpstreamID: issueID}},
		{{CollectionID: "github:issue_comments", UpstreamID: comments[0]}},
		{{CollectionID: "github:issue_comments", UpstreamID: comments[0], Deleted: true}},
		{{CollectionID: "github:commits", UpstreamID: commitID}},
		{{CollectionID: "github:releases", UpstreamID: releases[0], Deleted: true}},
		{{CollectionID: "github:members", UpstreamID: member["login"].(string)}},
		{{CollectionID: "github:members", UpstreamID: "new-hire", Deleted: true}},
		{{CollectionID: "github:pull_requests", UpstreamID: emulator.ObjectKey("pull_requests", pull)}},
		{{CollectionID: "github:repositories", UpstreamID: repo[0] + "/renamed"}, {CollectionID: "github:repositories", UpstreamID: repo[0] + "/" + repo[1], Deleted: true}},
	}
	require.Eventually(t, func() bool { return len(rc.all()) >= len(want) }, 10*time.Second, 10*time.Millisecond)
	v := github.New().(providers.WebhookVerifier)
	for i, d := range rc.all() {
		got, err := v.VerifyWebhook(d.header, d.body, testWebhookSecret, time.Now())
		require.NoError(t, err, "delivery %d (%s)", i, d.header.Get("X-GitHub-Event"))
		require.Equal(t, want[i], got, "delivery %d (%s)", i, d.header.Get("X-GitHub-Event"))
	}
}

func TestVerifyWebhookRefuses(t *testing.T) {
	t.Parallel()
	v := github.New().(providers.WebhookVerifier)
	body := []byte(`{"action":"edited","issue":{"number":1},"repository":{"full_name":"acme/api"}}`)
	good := emulator.WebhookHeader("issues", body, testWebhookSecret, 1)
	if n, err := v.VerifyWebhook(good, body, testWebhookSecret, time.Now()); err != nil || len(n) != 1 {
		t.Fatalf("a good delivery: %v, %v", n, err)
	}
	with := func(sig string) http.Header {
		h := good.Clone()
		h.Set("X-Hub-Signature-256", sig)
		return h
	}
	sha1Only := good.Clone()
	sha1Only.Del("X-Hub-Signature-256")
	cases := map[string]http.Header{
		"no signature":         http.Header{"X-Github-Event": {"issues"}},
		"only the SHA-1 one":   sha1Only,
		"no prefix":            with(strings.TrimPrefix(good.Get("X-Hub-Signature-256"), "sha256=")),
		"sha1 prefix":          with("sha1=" + strings.TrimPrefix(good.Get("X-Hub-Signature-256"), "sha256=")),
		"not hex":              with("sha256=" + strings.Repeat("zz", 32)),
		"short":                with(good.Get("X-Hub-Signature-256")[:40]),
		"too long":             with("sha256=" + strings.Repeat("ab", 100)),
		"signature of another": with(emulator.Sign(testWebhookSecret, []byte(`{}`))),
	}
	for name, h := range cases {
		if _, err := v.VerifyWebhook(h, body, testWebhookSecret, time.Now()); !errors.Is(err, github.ErrSignature) {
			t.Errorf("%s: %v, want a signature error", name, err)
		}
	}
	if _, err := v.VerifyWebhook(good, body, "", time.Now()); !errors.Is(err, github.ErrSignature) {
		t.Errorf("no secret configured: %v, want a signature error", err)
	}
	// A replayed delivery verifies whenever it arrives: GitHub signs no time. It only causes a re-fetch.
	if _, err := v.VerifyWebhook(good, body, testWebhookSecret, time.Now().Add(24*time.Hour)); err != nil {
		t.Errorf("a delivery verified a day later: %v", err)
	}
}

func TestVerifyWebhookEvents(t *testing.T) {
	t.Parallel()
	v := github.New().(providers.WebhookVerifier)
	cases := map[string]struct {
		event, body string
		want        []providers.WebhookNotice
	}{
		"ping":                   {"ping", `{"zen":"Keep it logically awesome.","hook_id":1}`, nil},
		"star":                   {"star", `{"action":"created","repository":{"full_name":"acme/api"}}`, nil},
		"pull request via issue": {"issues", `{"action":"edited","issue":{"number":4},"repository":{"full_name":"acme/api"}}`, []providers.WebhookNotice{{CollectionID: "github:issues", UpstreamID: "acme/api/issues/4"}}},
		"transferred issue":      {"issues", `{"action":"transferred","issue":{"number":4},"repository":{"full_name":"acme/api"}}`, []providers.WebhookNotice{{CollectionID: "github:issues", UpstreamID: "acme/api/issues/4", Deleted: true}}},
		"push to another branch": {"push", `{"ref":"refs/heads/feature","repository":{"full_name":"acme/api","default_branch":"main"},"commits":[{"id":"` + strings.Repeat("a", 40) + `"}]}`, nil},
		"branch deleted":         {"push", `{"ref":"refs/heads/main","deleted":true,"repository":{"full_name":"acme/api","default_branch":"main"},"commits":[]}`, nil},
		"transferred repository": {"repository", `{"action":"transferred","repository":{"full_name":"neworg/api"},"changes":{"owner":{"from":{"organization":{"login":"acme"}}}}}`,
			[]providers.WebhookNotice{{CollectionID: "github:repositories", UpstreamID: "neworg/api"}, {CollectionID: "github:repositories", UpstreamID: "acme/api", Deleted: true}}},
	}
	for name, c := range cases {
		h := emulator.WebhookHeader(c.event, []byte(c.body), testWebhookSecret, 1)
		got, err := v.VerifyWebhook(h, []byte(c.body), testWebhookSecret, time.Now())
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, c.want)
		}
	}
	bad := []byte(`{"action":`)
	if _, err := v.VerifyWebhook(emulator.WebhookHeader("issues", bad, testWebhookSecret, 1), bad, testWebhookSecret, time.Now()); !providers.IsMalformed(err) {
		t.Errorf("a signed but truncated body: %v, want a malformed error", err)
	}
}
