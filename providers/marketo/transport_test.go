package marketo

import (
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/marketo/emulator"
)

func TestErrorCodeToStatus(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"requestId":"1","success":false,"errors":[{"code":"606","message":"Max rate limit"}]}`: "606",
		`{"requestId":"1","success":false,"errors":[{"code":1004,"message":"Lead not found"}]}`:  "1004",
		`{"requestId":"1","success":true,"result":[]}`:                                           "",
		`{"object":"list"}`: "",
		`not json`:          "",
	} {
		if got := errorCode([]byte(body)); got != want {
			t.Errorf("errorCode(%s) = %q, want %q", body, got, want)
		}
	}
	for code, want := range map[string]int{"606": 429, "607": 429, "615": 429, "601": 401, "603": 403, "611": 503, "1029": 503, "702": 404, "1004": 404, "1003": 400} {
		if got := statusFor(code); got != want {
			t.Errorf("statusFor(%s) = %d, want %d", code, got, want)
		}
	}
	// At 23:00 US Central the daily quota resets in an hour.
	now := time.Date(2024, 3, 5, 23, 0, 0, 0, quotaZone)
	if d := retryAfter("607", now); d < time.Hour || d > time.Hour+time.Second {
		t.Errorf("quota wait %s, want about 1h", d)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	e := classify(http.StatusTooManyRequests, http.Header{}, []byte(`{"success":false,"errors":[{"code":"607","message":"Daily quota reached"}]}`), time.Now())
	if e.Kind != providers.ErrRateLimited || e.Code != "607" || e.Message != "Daily quota reached" || e.RetryAfter < time.Second {
		t.Errorf("607: %+v", e)
	}
	e = classify(http.StatusNotFound, nil, []byte(`{"success":false,"errors":[{"code":"702","message":"No data found for given search scope"}]}`), time.Now())
	if e.Kind != providers.ErrNotFound || e.Code != "702" {
		t.Errorf("702: %+v", e)
	}
}

func TestAuthenticateValidates(t *testing.T) {
	t.Parallel()
	p := New()
	if _, err := p.Authenticate(t.Context(), credential("https://123-ABC-456.mktorest.com", "s"), nil, nil); err != nil {
		t.Fatalf("valid credential refused: %v", err)
	}
	for _, f := range []string{"endpoint_url", "identity_url", "client_id", "client_secret"} {
		c := credential("https://123-ABC-456.mktorest.com", "s")
		delete(c.Properties, f)
		if _, err := p.Authenticate(t.Context(), c, nil, nil); err == nil {
			t.Errorf("a credential without %s was accepted", f)
		}
	}
	c := credential("https://123-ABC-456.mktorest.com", "s")
	c.Properties["endpoint_url"] = "123-ABC-456.mktorest.com/rest"
	if _, err := p.Authenticate(t.Context(), c, nil, nil); err == nil {
		t.Error("an endpoint without scheme was accepted")
	}
}

type testBundle struct {
	srv  *emulator.Server
	sess *providers.Session
}

func setup(t *testing.T, cfg emulator.Config) *testBundle {
	t.Helper()
	cfg.ClientID, cfg.ClientSecret = testClientID, testSecret
	srv := emulator.New(cfg)
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testBundle{srv: srv, sess: testSession(t, base, credential(base, testSecret), map[string]any{"page_size": 10})}
}

// TestRevokedTokenIsReplaced expects a 601 to fetch a new token and send the call again.
func TestRevokedTokenIsReplaced(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3})
	c := programCollection()
	if _, err := c.Backfill(t.Context(), b.sess, ""); err != nil {
		t.Fatal(err)
	}
	b.srv.RevokeTokens()
	p, err := c.Backfill(t.Context(), b.sess, "")
	if err != nil || len(p.Records) != 3 {
		t.Fatalf("after revocation: %v, %+v", err, p)
	}
}

// TestDailyQuota expects error 607 to surface as a rate limit lasting until the quota resets.
func TestDailyQuota(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3, DailyQuota: 1})
	c := programCollection()
	if _, err := c.Backfill(t.Context(), b.sess, ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.Backfill(t.Context(), b.sess, "")
	if d, ok := providers.RetryAfter(err); !ok || d < time.Second {
		t.Errorf("past the quota: %v (wait %s), want a rate limit until midnight", err, d)
	}
}
