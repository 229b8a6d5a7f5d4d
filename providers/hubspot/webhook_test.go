package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/hubspot/emulator"
)

// The examples of HubSpot's request validation guide.
const (
	docSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	docBody   = `[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`
)

func TestLegacySignaturesMatchHubSpotExamples(t *testing.T) {
	t.Parallel()
	if got := hex.EncodeToString(signLegacy(docSecret, "v1", "", "", []byte(docBody))); got != "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de" {
		t.Errorf("v1 = %s", got)
	}
	if got := hex.EncodeToString(signLegacy(docSecret, "v2", http.MethodGet, "https://www.example.com/webhook_uri", nil)); got != "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e" {
		t.Errorf("v2 = %s", got)
	}
}

// TestV3SignatureFollowsHubSpotsRecipe computes the v3 signature from HubSpot's published recipe (the
// base64 HMAC-SHA256, keyed by the client secret, of the UTF-8 string method + URI + body + timestamp,
// with : / ? @ ! $ ' ( ) * , ; decoded in the URI) and checks that the emulator sends it and the
// provider accepts it.
func TestV3SignatureFollowsHubSpotsRecipe(t *testing.T) {
	t.Parallel()
	const (
		sentTo = "https://sync.example.com/webhooks/abc?state=x%3Ay%2Cz&q=a%20b"
		source = "POST" + "https://sync.example.com/webhooks/abc?state=x:y,z&q=a%20b" + docBody + "1564113600000"
	)
	mac := hmac.New(sha256.New, []byte(docSecret))
	mac.Write([]byte(source))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))

	h := emulator.SignWebhook(docSecret, http.MethodPost, sentTo, []byte(docBody), time.UnixMilli(1564113600000))
	if got := h.Get("X-HubSpot-Signature-v3"); got != want {
		t.Errorf("emulator's X-HubSpot-Signature-v3 = %s, want %s", got, want)
	}
	if got := h.Get("X-HubSpot-Request-Timestamp"); got != "1564113600000" {
		t.Errorf("X-HubSpot-Request-Timestamp = %s", got)
	}
	hdr := http.Header{}
	hdr.Set("X-HubSpot-Signature-v3", want)
	hdr.Set("X-HubSpot-Request-Timestamp", "1564113600000")
	hdr.Set(RequestURLHeader, sentTo)
	p := New().(*Provider)
	if _, err := p.VerifyWebhook(hdr, []byte(docBody), docSecret, time.UnixMilli(1564113600000+299_000)); err != nil {
		t.Errorf("a recipe-made v3 signature 4m59s old was refused: %v", err)
	}
	if _, err := p.VerifyWebhook(hdr, []byte(docBody), docSecret, time.UnixMilli(1564113600000+301_000)); !errors.Is(err, ErrSignature) {
		t.Errorf("a v3 signature 5m01s old: %v, want ErrSignature", err)
	}
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	p := New().(*Provider)
	now := time.UnixMilli(1564113600000).Add(30 * time.Second)
	const uri = "https://sync.example.com/webhooks/3f0c1c4e-0d7b-4c36-9f57-1d0c9f1f0c11"
	signed := func(uri string) http.Header {
		h := emulator.SignWebhook(docSecret, http.MethodPost, uri, []byte(docBody), time.UnixMilli(1564113600000))
		h.Set(RequestURLHeader, uri)
		return h
	}
	want := []providers.WebhookNotice{{CollectionID: "hubspot:contacts", UpstreamID: "123"}}

	t.Run("v3", func(t *testing.T) {
		t.Parallel()
		h := signed(uri)
		h.Del("X-HubSpot-Signature") // only v3 left
		got, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("VerifyWebhook = %+v, %v; want %+v", got, err, want)
		}
		h.Set(RequestURLHeader, uri+"x")
		if _, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now); !errors.Is(err, ErrSignature) {
			t.Errorf("v3 signed for another URL: %v", err)
		}
		h.Del(RequestURLHeader)
		if _, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now); !errors.Is(err, ErrSignature) {
			t.Errorf("v3 without the delivery URL: %v", err)
		}
	})
	t.Run("v3 decoded uri", func(t *testing.T) {
		t.Parallel()
		// HubSpot signs the URI with : / ? @ ! $ ' ( ) * , ; decoded; the receiver may see them encoded.
		h := emulator.SignWebhook(docSecret, http.MethodPost, uri+"?a=b:c&d=(e)", []byte(docBody), time.UnixMilli(1564113600000))
		h.Del("X-HubSpot-Signature")
		for _, seen := range []string{uri + "?a=b%3Ac&d=%28e%29", uri + "?a=b%3ac&d=(e)", uri + "?a=b:c&d=(e)"} {
			h.Set(RequestURLHeader, seen)
			if _, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now); err != nil {
				t.Errorf("v3 delivered to %s: %v", seen, err)
			}
		}
		// Other encodings are part of the URI as signed: a space stays %20.
		h = emulator.SignWebhook(docSecret, http.MethodPost, uri+"?q=a%20b", []byte(docBody), time.UnixMilli(1564113600000))
		h.Del("X-HubSpot-Signature")
		h.Set(RequestURLHeader, uri+"?q=a%20b")
		if _, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now); err != nil {
			t.Errorf("v3 with an encoded space: %v", err)
		}
		h.Set(RequestURLHeader, uri+"?q=a b")
		if _, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now); !errors.Is(err, ErrSignature) {
			t.Errorf("v3 with the space decoded: %v, want ErrSignature", err)
		}
	})
	t.Run("v3 decides", func(t *testing.T) {
		t.Parallel()
		// With the delivery URL known, a v3 mismatch is refused even though the v1 signature holds.
		h := signed(uri)
		h.Set(RequestURLHeader, uri+"/elsewhere")
		if _, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now); !errors.Is(err, ErrSignature) {
			t.Errorf("v3 signed for another URL with a valid v1: %v, want ErrSignature", err)
		}
		h = signed(uri)
		h.Set("X-HubSpot-Request-Timestamp", "1564113600001")
		if _, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now); !errors.Is(err, ErrSignature) {
			t.Errorf("v3 with a moved timestamp and a valid v1: %v, want ErrSignature", err)
		}
	})
	t.Run("v1 fallback", func(t *testing.T) {
		t.Parallel()
		h := signed(uri)
		h.Del(RequestURLHeader)
		got, err := p.VerifyWebhook(h, []byte(docBody), docSecret, now)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("VerifyWebhook = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("rejects", func(t *testing.T) {
		t.Parallel()
		for name, tc := range map[string]struct {
			header func(http.Header)
			body   string
			secret string
			now    time.Time
		}{
			"wrong secret":    {secret: docSecret + "x"},
			"tampered body":   {body: docBody + " "},
			"stale":           {now: now.Add(time.Hour)},
			"from the future": {now: now.Add(-time.Hour)},
			"no timestamp":    {header: func(h http.Header) { h.Del("X-HubSpot-Request-Timestamp") }},
			"bad timestamp":   {header: func(h http.Header) { h.Set("X-HubSpot-Request-Timestamp", "soon") }},
			"no signatures":   {header: func(h http.Header) { h.Del("X-HubSpot-Signature"); h.Del("X-HubSpot-Signature-v3") }},
			"garbage v3":      {header: func(h http.Header) { h.Del("X-HubSpot-Signature"); h.Set("X-HubSpot-Signature-v3", "%%%") }},
			"moved timestamp": {header: func(h http.Header) {
				h.Del("X-HubSpot-Signature")
				h.Set("X-HubSpot-Request-Timestamp", "1564113600001")
			}},
			"v2 without url": {header: func(h http.Header) {
				h.Del("X-HubSpot-Signature-v3")
				h.Del(RequestURLHeader)
				h.Set("X-HubSpot-Signature-Version", "v2")
			}},
			"empty secret":     {secret: "-"},
			"oversized header": {header: func(h http.Header) { h.Set(RequestURLHeader, string(make([]byte, maxHeader+1))) }},
		} {
			h := signed(uri)
			if tc.header != nil {
				tc.header(h)
			}
			body, secret, at := docBody, docSecret, now
			if tc.body != "" {
				body = tc.body
			}
			if tc.secret == "-" {
				secret = ""
			} else if tc.secret != "" {
				secret = tc.secret
			}
			if !tc.now.IsZero() {
				at = tc.now
			}
			if _, err := p.VerifyWebhook(h, []byte(body), secret, at); !errors.Is(err, ErrSignature) {
				t.Errorf("%s: VerifyWebhook = %v, want ErrSignature", name, err)
			}
		}
	})
}

func TestWebhookNotices(t *testing.T) {
	t.Parallel()
	body := `[
		{"eventId":5,"occurredAt":5,"subscriptionType":"deal.deletion","objectId":77},
		{"eventId":1,"occurredAt":1,"subscriptionType":"contact.creation","objectId":1},
		{"eventId":2,"occurredAt":2,"subscriptionType":"contact.propertyChange","objectId":1,"propertyName":"email","propertyValue":"a@b.c"},
		{"eventId":3,"occurredAt":3,"subscriptionType":"company.merge","objectId":9,"primaryObjectId":9,"mergedObjectIds":[8,9],"newObjectId":9},
		{"eventId":4,"occurredAt":4,"subscriptionType":"object.propertyChange","objectTypeId":"0-5","objectId":"301"},
		{"eventId":6,"occurredAt":6,"subscriptionType":"contact.privacyDeletion","objectId":2},
		{"eventId":7,"occurredAt":7,"subscriptionType":"contact.associationChange","fromObjectId":1,"toObjectId":9},
		{"eventId":8,"occurredAt":8,"subscriptionType":"conversation.creation","objectId":4},
		{"eventId":9,"occurredAt":9,"subscriptionType":"deal.restore","objectId":77}
	]`
	got, err := notices([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.WebhookNotice{
		{CollectionID: "hubspot:contacts", UpstreamID: "1"},
		{CollectionID: "hubspot:companies", UpstreamID: "8", Deleted: true},
		{CollectionID: "hubspot:companies", UpstreamID: "9"},
		{CollectionID: "hubspot:tickets", UpstreamID: "301"},
		{CollectionID: "hubspot:deals", UpstreamID: "77"},
		{CollectionID: "hubspot:contacts", UpstreamID: "2", Deleted: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("notices =\n%+v\nwant\n%+v", got, want)
	}
	for _, bad := range []string{`{"objectId":1}`, `[{"subscriptionType":"contact.creation"}]`, `[{"subscriptionType":"contact.creation","objectId":-1}]`, `nope`} {
		if _, err := notices([]byte(bad)); !providers.IsMalformed(err) {
			t.Errorf("notices(%s) = %v, want malformed", bad, err)
		}
	}
}

func FuzzVerifyWebhook(f *testing.F) {
	at := time.UnixMilli(1564113600000)
	h := emulator.SignWebhook(docSecret, http.MethodPost, "https://x.example/h", []byte(docBody), at)
	f.Add(h.Get("X-HubSpot-Signature-v3"), h.Get("X-HubSpot-Signature"), "v1", strconv.FormatInt(at.UnixMilli(), 10), "https://x.example/h", docBody)
	f.Add("", "", "v2", "1", "", "[]")
	f.Fuzz(func(t *testing.T, v3, legacy, version, ts, uri, body string) {
		hdr := http.Header{}
		hdr.Set("X-HubSpot-Signature-v3", v3)
		hdr.Set("X-HubSpot-Signature", legacy)
		hdr.Set("X-HubSpot-Signature-Version", version)
		hdr.Set("X-HubSpot-Request-Timestamp", ts)
		hdr.Set(RequestURLHeader, uri)
		p := &Provider{}
		got, err := p.VerifyWebhook(hdr, []byte(body), docSecret, at)
		if err != nil {
			if !errors.Is(err, ErrSignature) && !providers.IsMalformed(err) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		// Accepted: the signature must really be the secret's.
		sig, perr := parseSignature(hdr)
		if perr != nil || sig.verify(docSecret, []byte(body)) != nil {
			t.Fatalf("accepted an unverifiable webhook: %v", perr)
		}
		for _, n := range got {
			if n.UpstreamID == "" || n.CollectionID == "" {
				t.Fatalf("empty notice %+v", n)
			}
		}
	})
}
