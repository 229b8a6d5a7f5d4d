package providertest

import (
	"bytes"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// testWebhook checks that a signed webhook is accepted and names its object, and that a tampered body,
// a wrong secret and a stale timestamp are rejected.
func (s *suite) testWebhook(t *testing.T) {
	t.Parallel()
	v, ok := s.Provider.(providers.WebhookVerifier)
	if !ok {
		t.Skip("the provider has no webhooks")
	}
	if s.WebhookSecret == "" {
		t.Fatal("the provider verifies webhooks but the harness has no WebhookSecret")
	}
	_, u := s.NewUpstream(t, UpstreamOptions{Seed: 2})
	for _, id := range s.Collections {
		c := s.colls[id]
		ids := u.IDs(c.ID)
		if len(ids) == 0 {
			t.Fatalf("%s: nothing seeded", c.ID)
		}
		now := time.Now()
		header, body := u.SignedWebhook(c.ID, ids[0], now)
		if header == nil {
			continue
		}
		notices, err := v.VerifyWebhook(header, body, s.WebhookSecret, now)
		if err != nil {
			t.Errorf("%s: a correctly signed webhook was refused: %v", c.ID, err)
		} else if len(notices) != 1 || notices[0].CollectionID != c.ID || notices[0].UpstreamID != ids[0] || notices[0].Deleted {
			t.Errorf("%s: notices %+v, want one about %s", c.ID, notices, ids[0])
		}
		tampered := bytes.Replace(body, []byte(ids[0]), []byte(ids[0]+"x"), 1)
		if bytes.Equal(tampered, body) {
			tampered = append(bytes.Clone(body), ' ')
		}
		if _, err := v.VerifyWebhook(header, tampered, s.WebhookSecret, now); err == nil {
			t.Errorf("%s: a tampered body was accepted", c.ID)
		}
		if _, err := v.VerifyWebhook(header, body, s.WebhookSecret+"x", now); err == nil {
			t.Errorf("%s: a wrong secret was accepted", c.ID)
		}
		if !s.WebhookUntimed {
			old := now.Add(-time.Hour)
			oh, ob := u.SignedWebhook(c.ID, ids[0], old)
			if _, err := v.VerifyWebhook(oh, ob, s.WebhookSecret, now); err == nil {
				t.Errorf("%s: a webhook signed an hour ago was accepted", c.ID)
			}
			if _, err := v.VerifyWebhook(oh, ob, s.WebhookSecret, old.Add(time.Minute)); err != nil {
				t.Errorf("%s: a webhook verified a minute after signing was refused: %v", c.ID, err)
			}
		}
		if _, err := v.VerifyWebhook(nil, body, s.WebhookSecret, now); err == nil {
			t.Errorf("%s: a webhook without signature was accepted", c.ID)
		}
	}
}
