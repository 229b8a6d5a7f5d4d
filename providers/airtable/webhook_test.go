package airtable_test

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
	"github.com/sequinsync/sequin/providers/airtable"
	"github.com/sequinsync/sequin/providers/airtable/emulator"
)

// receiver collects the emulator's webhook notifications.
type receiver struct {
	mu  sync.Mutex
	got []delivery
}

type delivery struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) all() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func TestWebhookNotifications(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	b := setup(t, emulator.Config{Seed: 3, WebhookURL: hook.URL, WebhookSecret: testMACSecret})
	id, err := b.srv.CreateRecord(emulator.TasksTable, nil)
	require.NoError(t, err)
	require.NoError(t, b.srv.UpdateRecord(emulator.TasksTable, id, nil))
	require.NoError(t, b.srv.DeleteRecord(emulator.TasksTable, id))
	require.Eventually(t, func() bool { return len(rc.all()) >= 3 }, 10*time.Second, 10*time.Millisecond)

	v := b.p.(providers.WebhookVerifier)
	for _, d := range rc.all() {
		notices, err := v.VerifyWebhook(d.header, d.body, testMACSecret, time.Now())
		require.NoError(t, err)
		require.Equal(t, []providers.WebhookNotice{{}}, notices, "a notification names no record: it asks for a poll of the sync's tables")
	}
	d := rc.all()[0]
	tampered := []byte(strings.Replace(string(d.body), emulator.MainBaseID, "app00000000000000", 1))
	for name, c := range map[string]struct {
		header http.Header
		body   []byte
		secret string
	}{
		"tampered body":      {d.header, tampered, testMACSecret},
		"wrong secret":       {d.header, d.body, "b3RoZXItc2VjcmV0"},
		"secret not base64":  {d.header, d.body, "not base64!"},
		"no secret":          {d.header, d.body, ""},
		"no header":          {http.Header{}, d.body, testMACSecret},
		"no prefix":          {http.Header{"X-Airtable-Content-Mac": {strings.TrimPrefix(d.header.Get("X-Airtable-Content-MAC"), "hmac-sha256=")}}, d.body, testMACSecret},
		"short MAC":          {http.Header{"X-Airtable-Content-Mac": {d.header.Get("X-Airtable-Content-MAC")[:40]}}, d.body, testMACSecret},
		"MAC of another key": {http.Header{"X-Airtable-Content-Mac": {mustSign(t, "b3RoZXItc2VjcmV0", d.body)}}, d.body, testMACSecret},
	} {
		if _, err := v.VerifyWebhook(c.header, c.body, c.secret, time.Now()); !errors.Is(err, airtable.ErrSignature) {
			t.Errorf("%s: %v, want a signature error", name, err)
		}
	}
	bad := []byte(`{"base":{"id":"nope"}}`)
	if _, err := v.VerifyWebhook(http.Header{"X-Airtable-Content-Mac": {mustSign(t, testMACSecret, bad)}}, bad, testMACSecret, time.Now()); !providers.IsMalformed(err) {
		t.Errorf("a signed notification without its ids: %v, want a malformed error", err)
	}
}

func mustSign(t *testing.T, secret string, body []byte) string {
	t.Helper()
	sig, err := emulator.Sign(secret, body)
	require.NoError(t, err)
	return sig
}
