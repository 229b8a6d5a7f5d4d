package linear

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/linear/emulator"
)

const docSecret = "lin_wh_0123456789abcdef"

// delivered builds a delivery as Linear sends it: the body and a Linear-Signature computed from
// Linear's published recipe (hex HMAC-SHA256 of the raw body, keyed by the signing secret).
func delivered(body string) http.Header {
	mac := hmac.New(sha256.New, []byte(docSecret))
	mac.Write([]byte(body))
	h := http.Header{}
	h.Set("Linear-Signature", hex.EncodeToString(mac.Sum(nil)))
	h.Set("Linear-Event", "Issue")
	h.Set("Linear-Delivery", "234d1a4e-b617-4388-90fe-adc3633d6b72")
	return h
}

func issueBody(action string, ts int64) string {
	return `{"action":"` + action + `","type":"Issue","createdAt":"2024-01-17T19:55:04.281Z","organizationId":"o1",` +
		`"data":{"id":"a2303318-4f39-41e6-a5f7-dade89aa4aab","title":"x"},"webhookId":"w1","webhookTimestamp":` + strconv.FormatInt(ts, 10) + `}`
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	p := New().(*Provider)
	const sent = int64(1_700_000_000_000)
	now := time.UnixMilli(sent).Add(10 * time.Second)
	want := []providers.WebhookNotice{{CollectionID: "linear:issues", UpstreamID: "a2303318-4f39-41e6-a5f7-dade89aa4aab"}}

	body := issueBody("update", sent)
	if got, err := p.VerifyWebhook(delivered(body), []byte(body), docSecret, now); err != nil || !slices.Equal(got, want) {
		t.Fatalf("VerifyWebhook = %+v, %v; want %+v", got, err, want)
	}
	// The emulator signs as Linear does.
	if got := emulator.Sign(docSecret, []byte(body)); got != delivered(body).Get("Linear-Signature") {
		t.Errorf("emulator.Sign = %s, want Linear's", got)
	}
	removed := issueBody("remove", sent)
	got, err := p.VerifyWebhook(delivered(removed), []byte(removed), docSecret, now)
	if err != nil || len(got) != 1 || !got[0].Deleted {
		t.Errorf("a remove: %+v, %v; want a delete", got, err)
	}
	// A minute either way is within the tolerance, in Linear's milliseconds.
	for _, at := range []time.Time{time.UnixMilli(sent + 60_000).Add(999 * time.Microsecond), time.UnixMilli(sent - 60_000)} {
		if _, err := p.VerifyWebhook(delivered(body), []byte(body), docSecret, at); err != nil {
			t.Errorf("verified at %s after sending: %v", at.Sub(time.UnixMilli(sent)), err)
		}
	}
	// Deliveries about types no collection follows name nothing.
	label := `{"action":"create","type":"IssueLabel","data":{"id":"l1"},"webhookTimestamp":` + strconv.FormatInt(sent, 10) + `}`
	if got, err := p.VerifyWebhook(delivered(label), []byte(label), docSecret, now); err != nil || len(got) != 0 {
		t.Errorf("a label webhook: %+v, %v; want nothing", got, err)
	}
	// Without webhookTimestamp in the body, the Linear-Timestamp header is read.
	bare := `{"action":"update","type":"Comment","data":{"id":"c1"}}`
	h := delivered(bare)
	h.Set("Linear-Timestamp", strconv.FormatInt(sent, 10))
	if got, err := p.VerifyWebhook(h, []byte(bare), docSecret, now); err != nil || len(got) != 1 || got[0].CollectionID != "linear:comments" {
		t.Errorf("a comment webhook timed by header: %+v, %v", got, err)
	}

	for name, tc := range map[string]struct {
		header http.Header
		body   string
		secret string
		at     time.Time
	}{
		"wrong secret":    {delivered(body), body, docSecret + "x", now},
		"tampered":        {delivered(body), issueBody("remove", sent), docSecret, now},
		"stale":           {delivered(body), body, docSecret, time.UnixMilli(sent + 60_001)},
		"from the future": {delivered(body), body, docSecret, time.UnixMilli(sent - 60_001)},
		"no signature":    {http.Header{}, body, docSecret, now},
		"not hex":         {http.Header{"Linear-Signature": {"zz"}}, body, docSecret, now},
		"short mac":       {http.Header{"Linear-Signature": {"abcd"}}, body, docSecret, now},
		"no secret":       {delivered(body), body, "", now},
		"no timestamp":    {delivered(bare), bare, docSecret, now},
	} {
		if _, err := p.VerifyWebhook(tc.header, []byte(tc.body), tc.secret, tc.at); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: VerifyWebhook = %v, want ErrSignature", name, err)
		}
	}
	// A correctly signed body that is not a Linear payload is malformed, not forged.
	for _, bad := range []string{`nope`, `{"type":"Issue","data":{"id":"x"},"webhookTimestamp":"soon"}`, `{"type":"Issue","data":{"id":""},"webhookTimestamp":` + strconv.FormatInt(sent, 10) + `}`} {
		if _, err := p.VerifyWebhook(delivered(bad), []byte(bad), docSecret, now); !providers.IsMalformed(err) {
			t.Errorf("VerifyWebhook(%s) = %v, want malformed", bad, err)
		}
	}
}

func FuzzVerifyWebhook(f *testing.F) {
	const sent = int64(1_700_000_000_000)
	body := issueBody("update", sent)
	f.Add(delivered(body).Get("Linear-Signature"), "", body)
	f.Add("", "1700000000000", `{"type":"Cycle","data":{"id":"c"}}`)
	f.Fuzz(func(t *testing.T, sig, ts, body string) {
		h := http.Header{}
		h.Set("Linear-Signature", sig)
		h.Set("Linear-Timestamp", ts)
		p := &Provider{}
		got, err := p.VerifyWebhook(h, []byte(body), docSecret, time.UnixMilli(sent))
		if err != nil {
			if !errors.Is(err, ErrSignature) && !providers.IsMalformed(err) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !hmac.Equal(mustHex(sig), sign(docSecret, []byte(body))) {
			t.Fatal("accepted a delivery whose signature is not the secret's")
		}
		for _, n := range got {
			if n.UpstreamID == "" || n.CollectionID == "" {
				t.Fatalf("empty notice %+v", n)
			}
		}
	})
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
