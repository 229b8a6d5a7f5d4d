package quickbooks

import (
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/quickbooks/emulator"
)

func TestVerifyWebhookNotices(t *testing.T) {
	t.Parallel()
	body := []byte(`{"eventNotifications":[{"realmId":"1","dataChangeEvent":{"entities":[` +
		`{"name":"Customer","id":"7","operation":"Update","lastUpdated":"2024-01-01T00:00:00.000Z"},` +
		`{"name":"Invoice","id":"9","operation":"Delete","lastUpdated":"2024-01-01T00:00:00.000Z"},` +
		`{"name":"Estimate","id":"3","operation":"Create","lastUpdated":"2024-01-01T00:00:00.000Z"}]}}]}`)
	h := http.Header{"Intuit-Signature": {emulator.Sign("v", body)}}
	notices, err := New().(*Provider).VerifyWebhook(h, body, "v", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 2 || notices[0].CollectionID != "quickbooks:customer" || notices[0].Deleted ||
		notices[1].CollectionID != "quickbooks:invoice" || notices[1].UpstreamID != "9" || !notices[1].Deleted {
		t.Errorf("notices %+v", notices)
	}
	if _, err := New().(*Provider).VerifyWebhook(http.Header{"Intuit-Signature": {"not base64!"}}, body, "v", time.Now()); err == nil {
		t.Error("a garbage signature was accepted")
	}
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte(`{"eventNotifications":[]}`), "sig")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		_, _ = New().(*Provider).VerifyWebhook(http.Header{"Intuit-Signature": {sig}}, body, "v", time.Now())
	})
}
